// The cluster simulator: one HTTP server serving, for a small simulated cluster, what
// kube-state-metrics, each node's kubelet and each node's cAdvisor would serve (paths as in
// topology.ts). The cluster moves forward in time on every request, so counters grow between scrapes.
//
//   GET /kube-state-metrics/metrics
//   GET /nodes/<node>/metrics            (kubelet: kubelet_volume_stats_*)
//   GET /nodes/<node>/metrics/cadvisor   (cAdvisor: container_*)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { StackConfig } from "../config/schema.ts";
import { KubeStateMetrics } from "./cluster/kube-state-metrics.ts";
import { NodeMetrics } from "./cluster/kubelet.ts";
import { type Cluster, type ClusterOptions, initialCluster, quantityBytes, tick } from "./cluster/model.ts";
import { assertPortFree } from "./supervisor.ts";
import type { LocalTopology } from "./topology.ts";

export const SIMULATOR_PATHS = {
  kubeStateMetrics: "/kube-state-metrics/metrics",
  kubelet: (node: string) => `/nodes/${encodeURIComponent(node)}/metrics`,
  cadvisor: (node: string) => `/nodes/${encodeURIComponent(node)}/metrics/cadvisor`,
} as const;

/** The simulated cluster for a config: its namespaces, the topology's nodes, the config's volume sizes. */
export function clusterOptions(
  config: StackConfig,
  topology: LocalTopology,
  timeScale: number,
): ClusterOptions {
  return {
    appNamespace: config.appNamespace,
    monitoringNamespace: config.namespace,
    nodes: topology.nodes,
    storage: {
      prometheus: quantityBytes(config.prometheusStorageSize),
      grafana: quantityBytes(config.grafanaStorageSize),
      alertmanager: quantityBytes(config.alertmanagerStorageSize),
    },
    alertmanagerReplicas: config.alertmanagerReplicas,
    timeScale,
  };
}

export interface ClusterSimulatorOptions {
  host: string;
  port: number;
  portFlag?: string;
  cluster: ClusterOptions;
  /** Milliseconds since the epoch; tests pass their own clock. */
  clock?: () => number;
}

export class ClusterSimulator {
  readonly cluster: Cluster;
  private readonly clock: () => number;
  private lastTickMs: number;
  private readonly kubeStateMetrics = new KubeStateMetrics();
  private readonly nodes = new Map<string, NodeMetrics>();
  private kubeStateMetricsDown = false;

  constructor(options: Pick<ClusterSimulatorOptions, "cluster" | "clock">) {
    this.clock = options.clock ?? Date.now;
    this.lastTickMs = this.clock();
    this.cluster = initialCluster({ ...options.cluster, now: Math.floor(this.lastTickMs / 1000) });
    for (const node of this.cluster.nodes) this.nodes.set(node.name, new NodeMetrics(node.name));
  }

  /** Seconds since the epoch on the simulator's clock. */
  nowSeconds(): number {
    return this.clock() / 1000;
  }

  /** Brings the cluster up to the clock's present. */
  advance(): void {
    const now = this.clock();
    tick(this.cluster, (now - this.lastTickMs) / 1000, now / 1000);
    this.lastTickMs = now;
  }

  /** While down, an exporter's path answers 503: its scrapes fail and its `up` turns 0. */
  setExporterDown(exporter: "kube-state-metrics", down: boolean): void {
    if (exporter === "kube-state-metrics") this.kubeStateMetricsDown = down;
  }

  /** The exposition an exporter path serves (status 200 unless stated), or undefined for an unknown path. */
  async scrape(path: string): Promise<{ contentType: string; body: string; status?: number } | undefined> {
    this.advance();
    if (path === SIMULATOR_PATHS.kubeStateMetrics) {
      if (this.kubeStateMetricsDown) {
        return {
          contentType: "text/plain; charset=utf-8",
          body: "kube-state-metrics is down\n",
          status: 503,
        };
      }
      return {
        contentType: this.kubeStateMetrics.contentType,
        body: await this.kubeStateMetrics.metrics(this.cluster),
      };
    }
    const match = /^\/nodes\/([^/]+)\/metrics(\/cadvisor)?$/.exec(path);
    const node = match?.[1] ? this.nodes.get(decodeURIComponent(match[1])) : undefined;
    if (!node) return undefined;
    const body = match?.[2]
      ? await node.cadvisorMetrics(this.cluster)
      : await node.kubeletMetrics(this.cluster);
    return { contentType: node.contentType, body };
  }
}

export interface RunningClusterSimulator {
  readonly url: string;
  readonly simulator: ClusterSimulator;
  close(): Promise<void>;
}

export async function startClusterSimulator(
  options: ClusterSimulatorOptions,
): Promise<RunningClusterSimulator> {
  await assertPortFree("cluster-simulator", {
    host: options.host,
    port: options.port,
    flag: options.portFlag ?? "--cluster-simulator-port",
  });
  const simulator = new ClusterSimulator(options);
  const server: Server = createServer((request, response) => {
    handle(simulator, request, response).catch((error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      response.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    url: `http://${options.host}:${options.port}`,
    simulator,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  simulator: ClusterSimulator,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://simulator").pathname;
  if (request.method !== "GET") {
    response.writeHead(405, { "content-type": "text/plain; charset=utf-8" });
    response.end("only GET\n");
    return;
  }
  if (path === "/") {
    const nodes = simulator.cluster.nodes.map((node) => node.name);
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    response.end(
      [
        "Simulated cluster: what its exporters would serve",
        `  ${SIMULATOR_PATHS.kubeStateMetrics}`,
        ...nodes.flatMap((node) => [
          `  ${SIMULATOR_PATHS.kubelet(node)}`,
          `  ${SIMULATOR_PATHS.cadvisor(node)}`,
        ]),
        "",
      ].join("\n"),
    );
    return;
  }
  const scraped = await simulator.scrape(path);
  if (!scraped) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    response.end("not found\n");
    return;
  }
  response.writeHead(scraped.status ?? 200, { "content-type": scraped.contentType });
  response.end(scraped.body);
}
