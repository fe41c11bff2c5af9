// The local stack: its parts started in order under one supervisor, each part recording what later
// parts and the fault controller need (the inbox URL, the CA file, PostgreSQL's DSNs …). A part is a
// name and a start function; the stack is the list of them.
import { randomBytes } from "node:crypto";
import { durationMs, formatDuration } from "../config/formats.ts";
import type { StackConfig, UserConfig } from "../config/schema.ts";
import type { LocalDeployment } from "../deployment.ts";
import { scaledTiming, type Timing } from "../rules/timing.ts";
import type { Cluster } from "./cluster/model.ts";
import { clusterOptions, type RunningClusterSimulator, startClusterSimulator } from "./cluster-simulator.ts";
import { consoleHandler } from "./console/server.ts";
import { type ControlServer, startControlServer } from "./control.ts";
import {
  type AlertmanagerControls,
  FaultController,
  type PrometheusControls,
  type RemoteWriteReceiverControls,
  type ServiceControls,
} from "./faults.ts";
import { type Inbox, startInbox } from "./inbox.ts";
import { alertmanagersPart } from "./parts/alertmanagers.ts";
import { blackboxExporterPart, nodeExporterPart, postgresExporterPart } from "./parts/exporters.ts";
import { plueServicesPart } from "./parts/plue.ts";
import { prometheusPart } from "./parts/prometheus.ts";
import { receiverPart } from "./parts/receiver.ts";
import { PLUE_SERVICE_NAMES } from "./plue/services.ts";
import { assertPortsFree, PORT_FLAGS, portConflicts } from "./ports.ts";
import { type LocalPostgres, startPostgres } from "./postgres.ts";
import type { Supervisor } from "./supervisor.ts";
import { startTlsEndpoint, type TlsEndpoint } from "./tls.ts";
import type { LocalTopology } from "./topology.ts";

/**
 * What the local stack assumes for the keys only a cluster needs, below every source the user
 * gives: it runs no Grafana (the password is never used, so a throwaway one fills the key) and
 * serves no real domain.
 */
export function localBaseValues(): UserConfig {
  return {
    namespace: "monitoring",
    domain: "plue.dev",
    grafanaAdminPassword: randomBytes(18).toString("base64url"),
  };
}

/** Shortest scaled scrape or evaluation interval Prometheus is asked to keep up with. */
export const MIN_SCALED_INTERVAL_MS = 250;

/**
 * The Timing of a local run at `scale`: durations shrink by it, and windows never get shorter than
 * four of the scaled scrape interval Prometheus will really use.
 */
export function localTiming(config: StackConfig, scale: number): Timing {
  if (!(scale >= 1)) throw new Error(`time scale must be at least 1, got ${scale}`);
  const shortest = Math.min(durationMs(config.scrapeInterval), durationMs(config.evaluationInterval));
  if (shortest / scale < MIN_SCALED_INTERVAL_MS) {
    const largest = Math.floor(shortest / MIN_SCALED_INTERVAL_MS);
    throw new Error(
      `time scale ${scale} would scrape or evaluate every ${formatDuration(shortest / scale)}; ` +
        `with scrapeInterval ${config.scrapeInterval} and evaluationInterval ${config.evaluationInterval} the largest is ${largest}`,
    );
  }
  return scaledTiming(scale, formatDuration(durationMs(config.scrapeInterval) / scale));
}

export interface StackContext {
  readonly config: StackConfig;
  /** The local deployment the generated configs are built for; parts fill in what they provide. */
  readonly deployment: LocalDeployment;
  readonly supervisor: Supervisor;
  readonly progress: (line: string) => void;
  /** A backup directory (plue-monitoring backup) whose copy Prometheus starts on. */
  readonly restoreFrom?: string;
  inbox?: Inbox;
  cluster?: RunningClusterSimulator;
  tls?: TlsEndpoint;
  postgres?: LocalPostgres;
  /** Plue's services, once a part runs them. */
  services?: ServiceControls;
  control?: ControlServer;
  /**
   * Resolves once the Alertmanagers form a settled cluster. They settle while later parts start;
   * Prometheus waits for it before it loads the rules that send them alerts.
   */
  alertmanagersSettled?: Promise<void>;
  /** What the faults do to the local Prometheus and Alertmanagers, once they run. */
  prometheusControls?: PrometheusControls;
  alertmanagerControls?: AlertmanagerControls;
  /** The remote-write receiver, when the stack runs one (`up --remote-write`). */
  receiverControls?: RemoteWriteReceiverControls;
  /** Where a person finds each part, in start order. */
  readonly urls: { name: string; url: string }[];
}

export interface StackPart {
  name: string;
  start(context: StackContext): Promise<void>;
}

const host = (context: StackContext) => context.deployment.topology.host;
const flag = (key: keyof typeof PORT_FLAGS) => PORT_FLAGS[key].flag;

export const inboxPart: StackPart = {
  name: "inbox",
  async start(context) {
    const { topology } = context.deployment;
    const inbox = await startInbox({
      host: topology.host,
      port: topology.inbox,
      portFlag: flag("inbox"),
      // The console reaches the other parts by their ports, so it can be served before they start.
      console: consoleHandler({ config: context.config, topology, timing: context.deployment.timing }),
    });
    context.supervisor.adopt("inbox", () => inbox.close());
    context.inbox = inbox;
    context.urls.push({ name: "Console", url: `${inbox.url}/` });
  },
};

export const clusterSimulatorPart: StackPart = {
  name: "cluster-simulator",
  async start(context) {
    const { topology, timing } = context.deployment;
    const cluster = await startClusterSimulator({
      host: topology.host,
      port: topology.clusterSimulator,
      portFlag: flag("clusterSimulator"),
      cluster: clusterOptions(context.config, topology, timing.scale),
    });
    context.supervisor.adopt("cluster-simulator", () => cluster.close());
    context.cluster = cluster;
    context.deployment.servicePods = servicePods(cluster.simulator.cluster, context.config, topology);
    context.urls.push({ name: "Cluster simulator", url: `${cluster.url}/` });
  },
};

/**
 * The simulated pod each local Plue service stands for: one of its deployment's pods on the first
 * node, where the local processes run. Its scrape target then carries that pod's name, and the
 * service's request metrics join the pod's CPU and memory from the simulated cAdvisor.
 */
export function servicePods(
  cluster: Cluster,
  config: StackConfig,
  topology: LocalTopology,
): Record<string, string> {
  const pods: Record<string, string> = {};
  for (const service of PLUE_SERVICE_NAMES) {
    const candidates = cluster.pods.filter(
      (pod) => pod.namespace === config.appNamespace && pod.deployment?.name === service,
    );
    const pod = candidates.find((candidate) => candidate.node === topology.nodes[0]) ?? candidates[0];
    if (pod) pods[service] = pod.name;
  }
  return pods;
}

export const tlsEndpointPart: StackPart = {
  name: "tls-endpoint",
  async start(context) {
    const { topology } = context.deployment;
    const tls = await startTlsEndpoint({
      host: topology.host,
      port: topology.tlsEndpoint,
      portFlag: flag("tlsEndpoint"),
      dir: context.supervisor.dir("tls"),
    });
    context.supervisor.adopt("tls-endpoint", () => tls.close());
    context.tls = tls;
    // blackbox-exporter trusts the local CA (src/prometheus/blackbox.ts reads it from the deployment).
    context.deployment.tlsCaFile = tls.caFile;
    context.urls.push({ name: "HTTPS endpoint (probed)", url: tls.url });
  },
};

export const postgresPart: StackPart = {
  name: "postgres",
  async start(context) {
    const { topology } = context.deployment;
    context.postgres = await startPostgres(context.supervisor, {
      host: topology.host,
      port: topology.postgres,
      portFlag: flag("postgres"),
    });
    context.urls.push({ name: "PostgreSQL", url: `postgresql://${host(context)}:${topology.postgres}/plue` });
  },
};

/** Last: once everything a fault acts on runs, `plue-monitoring fault` can reach it. */
export const controlPart: StackPart = {
  name: "control",
  async start(context) {
    const { topology } = context.deployment;
    const faults = new FaultController({
      config: context.config,
      ...(context.cluster ? { cluster: context.cluster.simulator } : {}),
      ...(context.services ? { services: context.services } : {}),
      ...(context.postgres ? { database: context.postgres } : {}),
      ...(context.tls ? { certificate: context.tls } : {}),
      ...(context.inbox ? { notifications: context.inbox } : {}),
      ...(context.prometheusControls ? { prometheus: context.prometheusControls } : {}),
      ...(context.alertmanagerControls ? { alertmanagers: context.alertmanagerControls } : {}),
      ...(context.receiverControls ? { receiver: context.receiverControls } : {}),
    });
    const control = await startControlServer({
      host: topology.host,
      port: topology.control,
      portFlag: flag("control"),
      faults,
      status: () => ({
        logs: context.supervisor.logDir,
        components: context.supervisor.status(),
        activeFaults: faults
          .list()
          .filter((fault) => fault.active)
          .map((fault) => fault.name),
      }),
    });
    context.supervisor.adopt("control", () => control.close());
    context.control = control;
    context.urls.push({ name: "Control API (plue-monitoring fault)", url: `${control.url}/faults` });
  },
};

/**
 * The parts in start order: what a part needs starts before it (the inbox before the Alertmanagers
 * posting to it, PostgreSQL before its exporter and the services), the Alertmanagers early so they
 * settle meanwhile, Prometheus last of all once its targets answer, then the control API. Shutdown runs in reverse: Prometheus stops before anything
 * it watches, so stopping raises no alert.
 */
export const stackParts: readonly StackPart[] = [
  inboxPart,
  alertmanagersPart,
  clusterSimulatorPart,
  tlsEndpointPart,
  postgresPart,
  postgresExporterPart,
  nodeExporterPart,
  blackboxExporterPart,
  plueServicesPart,
  // Before Prometheus, so its remote write has somewhere to go from the first sample.
  receiverPart,
  prometheusPart,
  controlPart,
];

export interface LocalStackOptions {
  config: StackConfig;
  topology: LocalTopology;
  timing: Timing;
  supervisor: Supervisor;
  progress?: (line: string) => void;
  parts?: readonly StackPart[];
  /** A backup directory (plue-monitoring backup) whose copy Prometheus starts on. */
  restoreFrom?: string;
}

/**
 * Checks every port, then starts the parts in order. On failure whatever started is left to the
 * supervisor's shutdown, which the caller runs.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<StackContext> {
  const conflicts = portConflicts(options.topology);
  if (conflicts.length > 0) throw new Error(conflicts.join("\n"));
  await assertPortsFree(options.topology);
  const context: StackContext = {
    config: options.config,
    deployment: {
      kind: "local",
      topology: options.topology,
      timing: options.timing,
      rulesDir: options.supervisor.dir("prometheus-rules"),
    },
    supervisor: options.supervisor,
    progress: options.progress ?? (() => {}),
    ...(options.restoreFrom === undefined ? {} : { restoreFrom: options.restoreFrom }),
    urls: [],
  };
  for (const part of options.parts ?? stackParts) {
    const began = Date.now();
    await part.start(context);
    context.progress(`${part.name} ready (${((Date.now() - began) / 1000).toFixed(1)}s)`);
  }
  return context;
}

/** One line: how many components are ready (and which are not), targets up, alerts firing. */
export async function healthSummary(context: StackContext): Promise<string> {
  const components = context.supervisor.status();
  const unwell = components.filter((component) => component.state !== "ready");
  const ready = components.length - unwell.length;
  const parts = [
    unwell.length === 0
      ? `healthy: all ${components.length} components ready`
      : `degraded: ${ready}/${components.length} ready; ${unwell.map((c) => `${c.name} ${c.state}`).join(", ")}`,
  ];
  const { host, prometheus } = context.deployment.topology;
  const url = `http://${host}:${prometheus}`;
  try {
    const [targets, alerts] = await Promise.all([
      getJson<{ data: { activeTargets: { health: string }[] } }>(`${url}/api/v1/targets?state=active`),
      getJson<{ data: { alerts: { state: string; labels: { alertname: string } }[] } }>(
        `${url}/api/v1/alerts`,
      ),
    ]);
    const up = targets.data.activeTargets.filter((target) => target.health === "up").length;
    const firing = [
      ...new Set(alerts.data.alerts.filter((a) => a.state === "firing").map((a) => a.labels.alertname)),
    ];
    parts.push(
      `${up}/${targets.data.activeTargets.length} targets up`,
      `firing: ${firing.length > 0 ? firing.join(", ") : "nothing"}`,
    );
  } catch {
    parts.push("Prometheus not answering");
  }
  return parts.join("; ");
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return (await response.json()) as T;
}
