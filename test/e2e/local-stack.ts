// `plue-monitoring up` as a person runs it, for end-to-end tests: the real CLI in its own process on
// free ports, and small clients for what it serves (Prometheus, the Alertmanagers, the inbox, the
// control API).
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { UserConfig } from "../../src/config/schema.ts";
import type { Notification } from "../../src/local/inbox.ts";
import { PORT_FLAGS, type PortKey } from "../../src/local/ports.ts";
import { requiredValues } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { stopProcess, waitFor } from "../local/processes.ts";

const repo = join(import.meta.dirname, "..", "..");
const portKeys = Object.keys(PORT_FLAGS) as PortKey[];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port for every component, all different; each Alertmanager's port + 1 free too. */
export async function freePorts(
  alertmanagers = 2,
): Promise<{ ports: Record<PortKey, number>; am: number[] }> {
  const taken = new Set<number>();
  const next = async (pair: boolean): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (taken.has(port) || (pair && (taken.has(port + 1) || !(await portFree(port + 1))))) continue;
      taken.add(port);
      if (pair) taken.add(port + 1);
      return port;
    }
  };
  const ports = {} as Record<PortKey, number>;
  for (const key of portKeys) ports[key] = await next(false);
  const am: number[] = [];
  for (let index = 0; index < alertmanagers; index++) am.push(await next(true));
  return { ports, am };
}

export interface RunningStack {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
  ports: Record<PortKey, number>;
  alertmanagerPorts: number[];
  url: (key: PortKey) => string;
  /** Stops the stack (SIGTERM) and removes the config directory. */
  stop(): Promise<void>;
}

/** Starts `plue-monitoring up` and waits for "Ready."; fails with its output if it exits first. */
export async function startStack(options: {
  timeScale: number;
  config?: UserConfig;
  readyTimeoutMs?: number;
  /** More flags of `up`, such as --remote-write. */
  extraArgs?: string[];
}): Promise<RunningStack> {
  const dir = tempDir("plue-e2e-config-");
  const configFile = join(dir.path, "plue-monitoring.config.json");
  writeFileSync(configFile, JSON.stringify({ ...requiredValues, ...options.config }));
  const { ports, am } = await freePorts();
  const args = [
    "up",
    "--config",
    configFile,
    "--time-scale",
    String(options.timeScale),
    ...portKeys.flatMap((key) => [PORT_FLAGS[key].flag, String(ports[key])]),
    "--alertmanager-ports",
    am.join(","),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, [join(repo, "bin", "plue-monitoring.mjs"), ...args], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stack: RunningStack = {
    child,
    output,
    exited,
    ports,
    alertmanagerPorts: am,
    url: (key) => `http://127.0.0.1:${ports[key]}`,
    async stop() {
      await stopProcess(child, 20_000);
      dir.cleanup();
    },
  };
  const ready = waitFor(
    "the stack to be ready",
    () => (output.stdout.includes("\nReady.\n") ? true : undefined),
    options.readyTimeoutMs ?? 90_000,
  );
  const outcome = await Promise.race([
    ready.then(() => "ready"),
    exited.then((code) => `exited with ${code}`),
  ]).catch((error: Error) => error.message);
  if (outcome !== "ready") {
    await stack.stop();
    throw new Error(`up ${outcome}\n${output.stdout}\n${output.stderr}`);
  }
  return stack;
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status} ${body}`);
  return JSON.parse(body) as T;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

export async function prometheusAlerts(stack: RunningStack): Promise<PrometheusAlert[]> {
  const body = await getJson<{ data: { alerts: PrometheusAlert[] } }>(
    `${stack.url("prometheus")}/api/v1/alerts`,
  );
  return body.data.alerts;
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: "active" | "suppressed" | "unprocessed"; inhibitedBy: string[] };
}

export async function alertmanagerAlerts(stack: RunningStack, index = 0): Promise<AlertmanagerAlert[]> {
  return getJson<AlertmanagerAlert[]>(
    `http://127.0.0.1:${stack.alertmanagerPorts[index]}/api/v2/alerts?silenced=false&inhibited=true`,
  );
}

/** Waits until every Alertmanager is ready with all the others as its peers (after one restarted). */
export async function settled(stack: RunningStack, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(
      stack.alertmanagerPorts.map((port) =>
        getJson<{ cluster?: { status?: string; peers?: unknown[] } }>(
          `http://127.0.0.1:${port}/api/v2/status`,
        ).catch(() => ({}) as { cluster?: { status?: string; peers?: unknown[] } }),
      ),
    );
    const count = stack.alertmanagerPorts.length;
    if (
      statuses.every((status) => status.cluster?.status === "ready" && status.cluster.peers?.length === count)
    ) {
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`the Alertmanagers did not settle: ${JSON.stringify(statuses)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function notifications(stack: RunningStack): Promise<Notification[]> {
  return getJson<Notification[]>(`${stack.url("inbox")}/notifications`);
}

export async function instantQuery(
  stack: RunningStack,
  expr: string,
  options: { at?: number; on?: "prometheus" | "receiver" } = {},
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const time = options.at === undefined ? "" : `&time=${options.at}`;
  const url = `${stack.url(options.on ?? "prometheus")}/api/v1/query?query=${encodeURIComponent(expr)}${time}`;
  const body = await getJson<{
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  }>(url);
  return body.data.result;
}

export interface FaultAnswer {
  name: string;
  alert: string;
  message: string;
  labels: Record<string, string>;
}

export async function applyFault(stack: RunningStack, name: string): Promise<FaultAnswer> {
  return getJson<FaultAnswer>(`${stack.url("control")}/faults/${name}`, { method: "POST" });
}

export async function clearFault(stack: RunningStack, name: string): Promise<FaultAnswer> {
  return getJson<FaultAnswer>(`${stack.url("control")}/faults/${name}`, { method: "DELETE" });
}

export interface StackStatus {
  logs: string;
  components: { name: string; state: string; pid?: number }[];
  activeFaults: string[];
}

export async function stackStatus(stack: RunningStack): Promise<StackStatus> {
  return getJson<StackStatus>(`${stack.url("control")}/status`);
}
