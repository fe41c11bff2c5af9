// Plue's three services running on this machine (api, web, electric), each an HTTP server on its
// own port with its own metrics, started and stopped like a process: a stopped service refuses
// connections, and a started one begins with fresh counters. This is what the api faults act on.
import type { Server } from "node:http";
import type pg from "pg";
import { createServiceMetrics } from "../../instrument/service-metrics.ts";
import type { ServiceControls } from "../faults.ts";
import { PortInUseError } from "../supervisor.ts";
import { createApi } from "./api.ts";
import { createElectric } from "./electric.ts";
import { FaultKnobs } from "./knobs.ts";
import type { PlueServiceName, ServiceFactory, ServiceInstance } from "./service.ts";
import { createWeb } from "./web.ts";

export const PLUE_SERVICE_NAMES: readonly PlueServiceName[] = ["api", "web", "electric"];

const FACTORIES: Record<PlueServiceName, ServiceFactory> = {
  api: createApi,
  web: createWeb,
  electric: createElectric,
};

export interface PlueServicesOptions {
  host: string;
  ports: Record<PlueServiceName, number>;
  /** The `plue-monitoring up` flag that moves each port, named when it is taken. */
  portFlags?: Partial<Record<PlueServiceName, string>>;
  database: pg.ClientConfig;
}

export class PlueServices implements ServiceControls {
  private readonly running = new Map<PlueServiceName, ServiceInstance>();
  private readonly knobs = new Map<PlueServiceName, FaultKnobs>(
    PLUE_SERVICE_NAMES.map((name) => [name, new FaultKnobs()]),
  );

  constructor(private readonly options: PlueServicesOptions) {}

  url(name: PlueServiceName): string {
    return `http://${this.options.host}:${this.options.ports[name]}`;
  }

  state(name: PlueServiceName): "ready" | "stopped" {
    return this.running.has(name) ? "ready" : "stopped";
  }

  async start(name: PlueServiceName): Promise<void> {
    if (this.running.has(name)) return;
    const instance = FACTORIES[name]({
      metrics: createServiceMetrics(),
      knobs: this.knob(name),
      database: this.options.database,
    });
    try {
      await listen(instance.server, this.options.host, this.options.ports[name]).catch((error) => {
        throw (error as NodeJS.ErrnoException).code === "EADDRINUSE"
          ? new PortInUseError(
              name,
              this.options.host,
              this.options.ports[name],
              this.options.portFlags?.[name] ?? `--${name}-port`,
            )
          : error;
      });
      await instance.ready;
    } catch (error) {
      await close(instance);
      throw error;
    }
    this.running.set(name, instance);
  }

  /** Stops answering at once: open connections are cut, the port refuses new ones, the pool closes. */
  async stop(name: PlueServiceName): Promise<void> {
    const instance = this.running.get(name);
    if (!instance) return;
    this.running.delete(name);
    await close(instance);
  }

  async stopAll(): Promise<void> {
    await Promise.all(PLUE_SERVICE_NAMES.map((name) => this.stop(name)));
  }

  setErrorShare(name: PlueServiceName, share: number): void {
    this.knob(name).setErrorShare(share);
  }

  setExtraLatency(name: PlueServiceName, seconds: number): void {
    this.knob(name).setExtraLatency(seconds);
  }

  private knob(name: PlueServiceName): FaultKnobs {
    return this.knobs.get(name) as FaultKnobs;
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function close(instance: ServiceInstance): Promise<void> {
  const { server } = instance;
  if (server.listening) {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
  await instance.close();
}
