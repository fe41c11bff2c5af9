// Faults the local stack can suffer on demand, each meant to raise one alert: real ones where the
// thing is real here (the api's responses, PostgreSQL, the certificate) and cluster state through the
// simulator. Applying one returns the labels its alert should carry; clearing it restores health so
// the alert resolves.
import type { StackConfig } from "../config/schema.ts";
import {
  addUnschedulablePod,
  changeUnobserved,
  completeRollout,
  HEALTHY_NODE_CONDITIONS,
  observeGeneration,
  removePod,
  restoreUsage,
  restoreVolume,
  setCpuShare,
  setMemoryShare,
  setNodeCondition,
  setVolumeShare,
  stallRollout,
  startCrashLoop,
  startRestarting,
  stopCrashLoop,
  stopRestarting,
} from "./cluster/disturbances.ts";
import {
  type Cluster,
  findDeployment,
  findNode,
  findVolume,
  type NodeCondition,
  type Pod,
} from "./cluster/model.ts";
import type { ClusterSimulator } from "./cluster-simulator.ts";
import { monitoringStackFaults } from "./faults/monitoring-stack.ts";

export const FAULT_NAMES = [
  "api-errors",
  "api-errors-critical",
  "api-slow",
  "api-down",
  "db-down",
  "db-saturated",
  "cert-expiring",
  "cert-critical",
  "endpoint-down",
  "pod-crashloop",
  "pod-restarts",
  "pod-pending",
  "cpu-high",
  "cpu-critical",
  "memory-high",
  "memory-critical",
  "pv-filling",
  "pv-critical",
  "deployment-stuck",
  "rollout-unobserved",
  "node-not-ready",
  "node-memory-pressure",
  "node-disk-pressure",
  "slack-down",
  "pagerduty-down",
  "prometheus-bad-config",
  "rule-failure",
  "alertmanager-bad-config",
  "alertmanager-down",
  "ksm-down",
  "receiver-down",
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export const isFaultName = (name: string): name is FaultName =>
  (FAULT_NAMES as readonly string[]).includes(name);

/**
 * Controls of Plue's services (src/local's service runner provides them): the api answers a share of
 * its requests with 500s, slows every response down, or stops and starts.
 */
export interface ServiceControls {
  /** Share (0–1) of requests answered 500 — spread evenly, not at random, so the rate is steady. */
  setErrorShare(service: "api", share: number): void;
  /** Seconds added to every response. */
  setExtraLatency(service: "api", seconds: number): void;
  stop(service: "api"): Promise<void>;
  start(service: "api"): Promise<void>;
}

/** What the faults need of PostgreSQL (LocalPostgres provides it). */
export interface DatabaseControls {
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Opens connections until PostgreSQL refuses more; resolves with how many it holds. */
  saturate(): Promise<number>;
  release(): Promise<void>;
}

/** What the faults need of the probed HTTPS endpoint (TlsEndpoint provides it). */
export interface CertificateControls {
  readonly url: string;
  setLifetime(days: number): Promise<void>;
  /** The status every request gets. */
  setStatus(status: number): void;
}

/** What the faults need of the notification inbox (Inbox provides it). */
export interface NotificationControls {
  /** Makes the inbox's stand-in for a notifier answer 500 to everything, or accept again. */
  setFailing(receiver: "slack" | "pagerduty", failing: boolean): void;
}

/** What the faults need of the local Prometheus. */
export interface PrometheusControls {
  /** Writes an invalid prometheus.yml and asks Prometheus to reload it. */
  breakConfig(): Promise<void>;
  /** Writes the real prometheus.yml back and reloads. */
  restoreConfig(): Promise<void>;
  /** Adds a rule file whose rule fails at every evaluation, and reloads. */
  addFailingRule(): Promise<void>;
  removeFailingRule(): Promise<void>;
}

/** What the faults need of the local Alertmanagers, by index. */
export interface AlertmanagerControls {
  breakConfig(index: number): Promise<void>;
  restoreConfig(index: number): Promise<void>;
  stop(index: number): Promise<void>;
  start(index: number): Promise<void>;
}

/** What the faults need of the remote-write receiver (`up --remote-write`). */
export interface RemoteWriteReceiverControls {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface FaultTargets {
  config: StackConfig;
  cluster?: ClusterSimulator;
  services?: ServiceControls;
  database?: DatabaseControls;
  certificate?: CertificateControls;
  notifications?: NotificationControls;
  prometheus?: PrometheusControls;
  alertmanagers?: AlertmanagerControls;
  receiver?: RemoteWriteReceiverControls;
}

export type FaultArea =
  | "cluster"
  | "services"
  | "database"
  | "certificate"
  | "notifications"
  | "prometheus"
  | "alertmanager"
  | "remote-write";

export interface FaultOutcome {
  /** What changed, for a person. */
  message: string;
  /** Labels the alert should carry (at least these: its identifying labels, where they are known here). */
  labels: Record<string, string>;
}

export interface Fault {
  name: FaultName;
  description: string;
  /** The alert it should raise. */
  alert: string;
  area: FaultArea;
  apply(targets: FaultTargets): Promise<FaultOutcome>;
  clear(targets: FaultTargets): Promise<FaultOutcome>;
}

/** Healthy certificate lifetime, and the lifetimes that cross the 30-day and 7-day thresholds. */
export const CERTIFICATE_DAYS = { healthy: 90, expiring: 20, critical: 3 };
/** Extra latency that puts the api's p99 well above SlowResponseTime's 2 s. */
export const SLOW_RESPONSE_SECONDS = 3;
/** Storage use that crosses PersistentVolumeSpaceLow (80%) and PersistentVolumeSpaceCritical (90%). */
export const VOLUME_SHARE = { filling: 0.85, critical: 0.95 };
/** Simulated seconds between the restarts of pod-restarts: 12 an hour, more than the 5 that alert. */
export const RESTART_EVERY_SECONDS = 300;

/** Halfway between a warning threshold and its critical one, and halfway from the critical to 100%. */
export function shares(
  warningPercent: number,
  criticalPercent: number,
): { warning: number; critical: number } {
  return { warning: (warningPercent + criticalPercent) / 200, critical: (criticalPercent + 100) / 200 };
}

function need<T>(value: T | undefined, fault: string, what: string): T {
  if (value === undefined) throw new Error(`${fault} needs ${what}, which this stack does not run`);
  return value;
}

/** The pods and objects each cluster fault acts on: chosen so that faults active together don't collide. */
export function clusterTargets(cluster: Cluster, config: StackConfig) {
  const app = config.appNamespace;
  const podsOf = (deployment: string) =>
    cluster.pods.filter((pod) => pod.namespace === app && pod.deployment?.name === deployment);
  const podOf = (deployment: string, index: number): Pod => {
    const pod = podsOf(deployment)[index];
    if (!pod) throw new Error(`the simulated cluster has no pod ${index + 1} of ${app}/${deployment}`);
    return pod;
  };
  const lastNode = cluster.nodes[cluster.nodes.length - 1];
  if (!lastNode) throw new Error("the simulated cluster has no node");
  return {
    cpuPod: () => podOf("api", 0),
    memoryPod: () => podOf("api", 1),
    crashLoopPod: () => podOf("electric", 0),
    restartingPod: () => podOf("electric", 1),
    pendingJob: { namespace: app, job: "plue-migrate" },
    volume: () => findVolume(cluster, app, "data-postgres-0"),
    stuckDeployment: () => findDeployment(cluster, app, "web"),
    unobservedDeployment: () => findDeployment(cluster, app, "api"),
    node: () => findNode(cluster, lastNode.name),
  };
}

const podLabels = (pod: Pod) => ({ namespace: pod.namespace, pod: pod.name });

function clusterFault(
  name: FaultName,
  alert: string,
  description: string,
  change: (
    cluster: ClusterSimulator,
    targets: ReturnType<typeof clusterTargets>,
    config: StackConfig,
  ) => FaultOutcome,
  undo: (
    cluster: ClusterSimulator,
    targets: ReturnType<typeof clusterTargets>,
    config: StackConfig,
  ) => FaultOutcome,
): Fault {
  const run = (action: typeof change) => async (targets: FaultTargets) => {
    const simulator = need(targets.cluster, name, "the cluster simulator");
    // Bring the cluster to the present first, so the change starts now.
    simulator.advance();
    return action(simulator, clusterTargets(simulator.cluster, targets.config), targets.config);
  };
  return { name, alert, description, area: "cluster", apply: run(change), clear: run(undo) };
}

function nodeConditionFault(
  name: FaultName,
  alert: string,
  condition: NodeCondition,
  faulty: "unknown" | "true",
): Fault {
  const healthy = HEALTHY_NODE_CONDITIONS[condition];
  return clusterFault(
    name,
    alert,
    condition === "Ready"
      ? "the last node stops reporting: its Ready condition turns Unknown"
      : `the last node reports ${condition}`,
    (_, targets) => {
      const node = targets.node();
      setNodeCondition(node, condition, faulty);
      return { message: `node ${node.name}: ${condition}=${faulty}`, labels: { node: node.name } };
    },
    (_, targets) => {
      const node = targets.node();
      setNodeCondition(node, condition, healthy);
      return { message: `node ${node.name}: ${condition}=${healthy}`, labels: { node: node.name } };
    },
  );
}

function usageFault(
  name: FaultName,
  alert: string,
  resource: "cpu" | "memory",
  level: "warning" | "critical",
): Fault {
  return clusterFault(
    name,
    alert,
    `an api pod uses ${level === "warning" ? "between the warning and critical share" : "nearly all"} of its ${resource} limit`,
    (_, targets, config) => {
      const levels =
        resource === "cpu"
          ? shares(config.alertCpuThreshold, config.alertCpuCriticalThreshold)
          : shares(config.alertMemoryThreshold, config.alertMemoryCriticalThreshold);
      const pod = resource === "cpu" ? targets.cpuPod() : targets.memoryPod();
      (resource === "cpu" ? setCpuShare : setMemoryShare)(pod, levels[level]);
      return {
        message: `${pod.namespace}/${pod.name} uses ${(levels[level] * 100).toFixed(1)}% of its ${resource} limit`,
        labels: podLabels(pod),
      };
    },
    (_, targets) => {
      const pod = resource === "cpu" ? targets.cpuPod() : targets.memoryPod();
      restoreUsage(pod);
      return {
        message: `${pod.namespace}/${pod.name} back to its usual ${resource} use`,
        labels: podLabels(pod),
      };
    },
  );
}

function volumeFault(name: FaultName, alert: string, share: number): Fault {
  return clusterFault(
    name,
    alert,
    `PostgreSQL's volume fills to ${share * 100}%`,
    (_, targets) => {
      const volume = targets.volume();
      setVolumeShare(volume, share);
      return {
        message: `${volume.namespace}/${volume.claim} is ${share * 100}% full`,
        labels: { namespace: volume.namespace, persistentvolumeclaim: volume.claim },
      };
    },
    (_, targets) => {
      const volume = targets.volume();
      restoreVolume(volume);
      return {
        message: `${volume.namespace}/${volume.claim} back to its usual use`,
        labels: { namespace: volume.namespace, persistentvolumeclaim: volume.claim },
      };
    },
  );
}

function apiFault(
  name: FaultName,
  alert: string,
  description: string,
  change: (services: ServiceControls, config: StackConfig) => Promise<string>,
  undo: (services: ServiceControls) => Promise<string>,
): Fault {
  const labels = (config: StackConfig) => ({ namespace: config.appNamespace, service: "api" });
  return {
    name,
    alert,
    description,
    area: "services",
    apply: async (targets) => ({
      message: await change(need(targets.services, name, "Plue's services"), targets.config),
      labels: labels(targets.config),
    }),
    clear: async (targets) => ({
      message: await undo(need(targets.services, name, "Plue's services")),
      labels: labels(targets.config),
    }),
  };
}

function certificateFault(name: FaultName, alert: string, days: number): Fault {
  return {
    name,
    alert,
    description: `the probed HTTPS endpoint serves a certificate that expires in ${days} days`,
    area: "certificate",
    apply: async (targets) => {
      const certificate = need(targets.certificate, name, "the local HTTPS endpoint");
      await certificate.setLifetime(days);
      return {
        message: `${certificate.url} now expires in ${days} days`,
        labels: { instance: certificate.url },
      };
    },
    clear: async (targets) => {
      const certificate = need(targets.certificate, name, "the local HTTPS endpoint");
      await certificate.setLifetime(CERTIFICATE_DAYS.healthy);
      return {
        message: `${certificate.url} now expires in ${CERTIFICATE_DAYS.healthy} days`,
        labels: { instance: certificate.url },
      };
    },
  };
}

/** The probed endpoint answers 503 to everything: its probes fail with the handshake intact. */
const endpointDownFault: Fault = {
  name: "endpoint-down",
  alert: "EndpointDown",
  description: "the probed HTTPS endpoint answers every request with 503",
  area: "certificate",
  apply: async (targets) => {
    const endpoint = need(targets.certificate, "endpoint-down", "the local HTTPS endpoint");
    endpoint.setStatus(503);
    return { message: `${endpoint.url} answers 503`, labels: { instance: endpoint.url } };
  },
  clear: async (targets) => {
    const endpoint = need(targets.certificate, "endpoint-down", "the local HTTPS endpoint");
    endpoint.setStatus(200);
    return { message: `${endpoint.url} answers 200 again`, labels: { instance: endpoint.url } };
  },
};

/** The database alerts read postgres_exporter's series: they carry its job (and its instance). */
const POSTGRES_EXPORTER = { job: "postgres-exporter" };

const errorShares = (config: StackConfig) =>
  shares(config.alertErrorRateThreshold, config.alertErrorRateCriticalThreshold);

/** The api answers a share of its requests with 500: between the thresholds, or above the critical one. */
function errorShareFault(
  name: FaultName,
  alert: string,
  description: string,
  level: "warning" | "critical",
): Fault {
  return apiFault(
    name,
    alert,
    description,
    async (services, config) => {
      const share = errorShares(config)[level];
      services.setErrorShare("api", share);
      return `api answers ${(share * 100).toFixed(1)}% of requests with 500`;
    },
    async (services) => {
      services.setErrorShare("api", 0);
      return "api answers normally";
    },
  );
}

export const faults: readonly Fault[] = [
  errorShareFault(
    "api-errors",
    "HighErrorRate",
    "the api answers a share of requests with 500, between the warning and critical error rates",
    "warning",
  ),
  errorShareFault(
    "api-errors-critical",
    "CriticalErrorRate",
    "the api answers a share of requests with 500, above the critical error rate",
    "critical",
  ),
  apiFault(
    "api-slow",
    "SlowResponseTime",
    `every api response takes ${SLOW_RESPONSE_SECONDS}s longer`,
    async (services) => {
      services.setExtraLatency("api", SLOW_RESPONSE_SECONDS);
      return `api responses take ${SLOW_RESPONSE_SECONDS}s longer`;
    },
    async (services) => {
      services.setExtraLatency("api", 0);
      return "api responds at its usual speed";
    },
  ),
  apiFault(
    "api-down",
    "ServiceDown",
    "the api stops: its port refuses connections, its database pool closes",
    async (services) => {
      await services.stop("api");
      return "api stopped";
    },
    async (services) => {
      await services.start("api");
      return "api started";
    },
  ),
  {
    name: "db-down",
    alert: "DatabaseConnectionFailure",
    description: "PostgreSQL is stopped",
    area: "database",
    apply: async (targets) => {
      await need(targets.database, "db-down", "PostgreSQL").stop();
      return { message: "PostgreSQL stopped", labels: POSTGRES_EXPORTER };
    },
    clear: async (targets) => {
      await need(targets.database, "db-down", "PostgreSQL").start();
      return { message: "PostgreSQL started", labels: POSTGRES_EXPORTER };
    },
  },
  {
    name: "db-saturated",
    alert: "HighDatabaseConnections",
    description: "connections are opened until PostgreSQL refuses more (max_connections)",
    area: "database",
    apply: async (targets) => {
      const held = await need(targets.database, "db-saturated", "PostgreSQL").saturate();
      return { message: `holding ${held} connections; PostgreSQL refuses more`, labels: POSTGRES_EXPORTER };
    },
    clear: async (targets) => {
      await need(targets.database, "db-saturated", "PostgreSQL").release();
      return { message: "connections released", labels: POSTGRES_EXPORTER };
    },
  },
  certificateFault("cert-expiring", "CertificateExpiringSoon", CERTIFICATE_DAYS.expiring),
  certificateFault("cert-critical", "CertificateExpiryCritical", CERTIFICATE_DAYS.critical),
  endpointDownFault,
  clusterFault(
    "pod-crashloop",
    "PodCrashLooping",
    "an electric pod's container crashes, backs off (CrashLoopBackOff), restarts and crashes again",
    (simulator, targets) => {
      const pod = targets.crashLoopPod();
      startCrashLoop(simulator.cluster, pod);
      return { message: `${pod.namespace}/${pod.name} is crash looping`, labels: podLabels(pod) };
    },
    (simulator, targets) => {
      const pod = targets.crashLoopPod();
      stopCrashLoop(pod, simulator.nowSeconds());
      return { message: `${pod.namespace}/${pod.name} runs again`, labels: podLabels(pod) };
    },
  ),
  clusterFault(
    "pod-restarts",
    "PodFrequentRestarts",
    `an electric pod's container is OOMKilled and restarted every ${RESTART_EVERY_SECONDS / 60} minutes`,
    (simulator, targets) => {
      const pod = targets.restartingPod();
      startRestarting(simulator.cluster, pod, RESTART_EVERY_SECONDS);
      return {
        message: `${pod.namespace}/${pod.name} restarts every ${RESTART_EVERY_SECONDS}s`,
        labels: podLabels(pod),
      };
    },
    (_, targets) => {
      const pod = targets.restartingPod();
      stopRestarting(pod);
      return { message: `${pod.namespace}/${pod.name} stops restarting`, labels: podLabels(pod) };
    },
  ),
  clusterFault(
    "pod-pending",
    "PodNotReady",
    "a migration Job's pod requests more than any node has and stays Pending",
    (simulator, targets) => {
      const { namespace, job } = targets.pendingJob;
      const existing = simulator.cluster.pods.find(
        (pod) => pod.namespace === namespace && pod.owner?.name === job && pod.phase === "Pending",
      );
      const pod = existing ?? addUnschedulablePod(simulator.cluster, namespace, job, simulator.nowSeconds());
      return { message: `${pod.namespace}/${pod.name} is Pending (unschedulable)`, labels: podLabels(pod) };
    },
    (simulator, targets) => {
      const { namespace, job } = targets.pendingJob;
      const pending = simulator.cluster.pods.filter(
        (pod) => pod.namespace === namespace && pod.owner?.name === job,
      );
      for (const pod of pending) removePod(simulator.cluster, pod);
      return {
        message: `job ${namespace}/${job} deleted`,
        labels: pending[0] ? podLabels(pending[0]) : { namespace },
      };
    },
  ),
  usageFault("cpu-high", "HighCPUUsage", "cpu", "warning"),
  usageFault("cpu-critical", "CriticalCPUUsage", "cpu", "critical"),
  usageFault("memory-high", "HighMemoryUsage", "memory", "warning"),
  usageFault("memory-critical", "CriticalMemoryUsage", "memory", "critical"),
  volumeFault("pv-filling", "PersistentVolumeSpaceLow", VOLUME_SHARE.filling),
  volumeFault("pv-critical", "PersistentVolumeSpaceCritical", VOLUME_SHARE.critical),
  clusterFault(
    "deployment-stuck",
    "DeploymentReplicasMismatch",
    "web's rollout stalls: its new pod never becomes ready, so it runs a replica short",
    (simulator, targets) => {
      const deployment = targets.stuckDeployment();
      stallRollout(simulator.cluster, deployment, simulator.nowSeconds());
      return {
        message: `${deployment.namespace}/${deployment.name} rollout to generation ${deployment.generation} is stuck`,
        labels: { namespace: deployment.namespace, deployment: deployment.name },
      };
    },
    (simulator, targets) => {
      const deployment = targets.stuckDeployment();
      completeRollout(simulator.cluster, deployment, simulator.nowSeconds());
      return {
        message: `${deployment.namespace}/${deployment.name} rollout completed`,
        labels: { namespace: deployment.namespace, deployment: deployment.name },
      };
    },
  ),
  clusterFault(
    "rollout-unobserved",
    "DeploymentGenerationMismatch",
    "api's spec changes but the deployment controller does not observe the new generation",
    (_, targets) => {
      const deployment = targets.unobservedDeployment();
      changeUnobserved(deployment);
      return {
        message: `${deployment.namespace}/${deployment.name} is at generation ${deployment.generation}, observed ${deployment.observedGeneration}`,
        labels: { namespace: deployment.namespace, deployment: deployment.name },
      };
    },
    (_, targets) => {
      const deployment = targets.unobservedDeployment();
      observeGeneration(deployment);
      return {
        message: `${deployment.namespace}/${deployment.name} generation ${deployment.generation} observed`,
        labels: { namespace: deployment.namespace, deployment: deployment.name },
      };
    },
  ),
  nodeConditionFault("node-not-ready", "NodeNotReady", "Ready", "unknown"),
  nodeConditionFault("node-memory-pressure", "NodeMemoryPressure", "MemoryPressure", "true"),
  nodeConditionFault("node-disk-pressure", "NodeDiskPressure", "DiskPressure", "true"),
  ...monitoringStackFaults,
];

export function findFault(name: string): Fault {
  const fault = faults.find((candidate) => candidate.name === name);
  if (!fault) throw new Error(`no fault named ${JSON.stringify(name)}; faults: ${FAULT_NAMES.join(", ")}`);
  return fault;
}

/** Applies and clears faults against a running stack, and remembers which are active. */
export class FaultController {
  private readonly active = new Map<FaultName, FaultOutcome>();

  constructor(private readonly targets: FaultTargets) {}

  list(): {
    name: FaultName;
    alert: string;
    description: string;
    area: FaultArea;
    available: boolean;
    active: boolean;
  }[] {
    return faults.map((fault) => ({
      name: fault.name,
      alert: fault.alert,
      description: fault.description,
      area: fault.area,
      available: this.available(fault),
      active: this.active.has(fault.name),
    }));
  }

  async apply(name: string): Promise<FaultOutcome> {
    const fault = findFault(name);
    const outcome = await fault.apply(this.targets);
    this.active.set(fault.name, outcome);
    return outcome;
  }

  async clear(name: string): Promise<FaultOutcome> {
    const fault = findFault(name);
    const outcome = await fault.clear(this.targets);
    this.active.delete(fault.name);
    return outcome;
  }

  private available(fault: Fault): boolean {
    switch (fault.area) {
      case "cluster":
        return this.targets.cluster !== undefined;
      case "services":
        return this.targets.services !== undefined;
      case "database":
        return this.targets.database !== undefined;
      case "certificate":
        return this.targets.certificate !== undefined;
      case "notifications":
        return this.targets.notifications !== undefined;
      case "prometheus":
        return this.targets.prometheus !== undefined;
      case "alertmanager":
        return this.targets.alertmanagers !== undefined;
      case "remote-write":
        return this.targets.receiver !== undefined;
    }
  }
}
