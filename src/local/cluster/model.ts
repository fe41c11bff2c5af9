// The simulated cluster as plain data: nodes, workloads, pods, volumes. Exporter views (what
// kube-state-metrics, the kubelet and cAdvisor would serve) are read from it; faults are changes to
// it; tick() moves it forward in time (CPU counters grow at each container's usage rate, crash
// loops and restarts follow their schedule).
import { createHash } from "node:crypto";
import { quantityBytes as quantityOf } from "../../config/formats.ts";
import { defaultImages } from "../../config/images.ts";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
export const POD_PHASES: readonly PodPhase[] = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

export type ConditionStatus = "true" | "false" | "unknown";
export const CONDITION_STATUSES: readonly ConditionStatus[] = ["true", "false", "unknown"];

export const NODE_CONDITIONS = [
  "Ready",
  "MemoryPressure",
  "DiskPressure",
  "PIDPressure",
  "NetworkUnavailable",
] as const;
export type NodeCondition = (typeof NODE_CONDITIONS)[number];

/** CPU in cores, memory in bytes. */
export interface Resources {
  cpu: number;
  memory: number;
}

export type ContainerStatus =
  | { state: "running"; startedAt: number }
  | { state: "waiting"; reason: string }
  | { state: "terminated"; reason: string; exitCode: number; startedAt: number };

export interface Container {
  name: string;
  image: string;
  imageId: string;
  /** The runtime's container id: a new one on every restart. */
  id: string;
  requests?: Resources;
  limits?: Resources;
  /** Current use: CPU in cores (the rate its counter grows at), working set and page cache in bytes. */
  usage: { cpu: number; memory: number; cache: number };
  /** What it uses when nothing is wrong: clearing a fault returns usage to this. */
  healthyUsage: { cpu: number; memory: number; cache: number };
  /** container_cpu_usage_seconds_total of the current container (restarts begin a new series at 0). */
  cpuSeconds: number;
  cfsPeriods: number;
  cfsThrottledPeriods: number;
  restarts: number;
  status: ContainerStatus;
  lastTermination?: { reason: string; exitCode: number };
  ready: boolean;
}

export type OwnerKind = "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job";

/** What a fault makes a pod do over time; tick() plays it. */
export type PodBehaviour =
  /** Crash, back off (CrashLoopBackOff), restart, run briefly, crash again. */
  | { kind: "crash-loop"; container: string; nextChangeAt: number }
  /** Keeps running, but is killed and restarted (OOMKilled) every `every` seconds. */
  | { kind: "restarting"; container: string; every: number; nextRestartAt: number };

export interface Pod {
  namespace: string;
  name: string;
  uid: string;
  /** Unset while the scheduler has found no node. */
  node?: string;
  podIp?: string;
  phase: PodPhase;
  /** PodScheduled=False with reason Unschedulable. */
  unschedulable?: boolean;
  owner?: { kind: OwnerKind; name: string };
  /** The Deployment behind its ReplicaSet, and the pod template it runs. */
  deployment?: { name: string; templateHash: string };
  createdAt: number;
  startedAt?: number;
  /** The pod sandbox (pause container). */
  sandboxId: string;
  /** CPU counters of the pod's cgroup (every container, never reset by restarts) and of its sandbox. */
  cgroupCpuSeconds: number;
  sandboxCpuSeconds: number;
  containers: Container[];
  /** Persistent volume claims it mounts. */
  claims: string[];
  behaviour?: PodBehaviour;
}

export interface Deployment {
  namespace: string;
  name: string;
  replicas: number;
  generation: number;
  observedGeneration: number;
  templateHash: string;
  createdAt: number;
  maxUnavailable: number;
  maxSurge: number;
  progressDeadlineSeconds: number;
  /** Simulated time of the rollout's last progress: Progressing turns False after the deadline. */
  lastProgressAt: number;
  /** Set while a rollout is stuck (its new pods never become ready). */
  rolloutStuck?: boolean;
}

export interface StatefulSet {
  namespace: string;
  name: string;
  replicas: number;
  generation: number;
  observedGeneration: number;
  createdAt: number;
}

export interface DaemonSet {
  namespace: string;
  name: string;
  generation: number;
  observedGeneration: number;
  createdAt: number;
}

export interface Node {
  name: string;
  internalIp: string;
  /** containerd names the sandbox container "" with the pause image; CRI-O (like dockershim) "POD". */
  runtime: "containerd" | "cri-o";
  capacity: { cpu: number; memory: number; pods: number; ephemeralStorage: number };
  allocatable: { cpu: number; memory: number; pods: number; ephemeralStorage: number };
  conditions: Record<NodeCondition, ConditionStatus>;
  unschedulable: boolean;
  createdAt: number;
  /** CPU and memory used outside pods (the kubelet, the runtime, the OS). */
  systemUsage: { cpu: number; memory: number };
  /** Root cgroup CPU counter. */
  systemCpuSeconds: number;
}

export interface Volume {
  namespace: string;
  claim: string;
  volumeName: string;
  storageClass: string;
  accessModes: string[];
  capacityBytes: number;
  usedBytes: number;
  healthyUsedBytes: number;
  inodes: number;
  inodesUsed: number;
}

export interface Cluster {
  /** Seconds of simulated time since the cluster was created (runs timeScale times real time). */
  simulatedSeconds: number;
  timeScale: number;
  namespaces: string[];
  nodes: Node[];
  deployments: Deployment[];
  statefulSets: StatefulSet[];
  daemonSets: DaemonSet[];
  pods: Pod[];
  volumes: Volume[];
}

export interface ClusterOptions {
  appNamespace: string;
  monitoringNamespace: string;
  nodes: readonly string[];
  /** Sizes of the monitoring stack's own volumes, in bytes. */
  storage?: { prometheus?: number; grafana?: number; alertmanager?: number };
  alertmanagerReplicas?: number;
  /** --time-scale: simulated seconds per real second. */
  timeScale?: number;
  /** Unix seconds the cluster's objects were created at. */
  now?: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Bytes in a Kubernetes quantity such as 50Gi or 500M. */
export function quantityBytes(quantity: string): number {
  const bytes = quantityOf(quantity);
  if (Number.isNaN(bytes)) throw new Error(`not a byte quantity: ${quantity}`);
  return Math.round(bytes);
}

/** Stable pseudo-random hex from a seed, so the same cluster gets the same names and ids every run. */
export function stableHex(seed: string, length: number): string {
  let out = "";
  for (let round = 0; out.length < length; round++) {
    out += createHash("sha256").update(`${seed}#${round}`).digest("hex");
  }
  return out.slice(0, length);
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function nameSuffix(seed: string, length: number): string {
  const bytes = createHash("sha256").update(seed).digest();
  return [...bytes.subarray(0, length)].map((byte) => NAME_ALPHABET[byte % NAME_ALPHABET.length]).join("");
}

export function uidFor(seed: string): string {
  const hex = stableHex(`uid:${seed}`, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface ContainerTemplate {
  name: string;
  image: string;
  requests?: Resources;
  limits?: Resources;
  /** Healthy usage as a share of the limit (or of the request when there is no limit). */
  usage: { cpu: number; memory: number };
}

function newContainer(seed: string, template: ContainerTemplate, startedAt: number): Container {
  const basis = template.limits ?? template.requests ?? { cpu: 0.1, memory: 128 * MiB };
  const usage = {
    cpu: basis.cpu * template.usage.cpu,
    memory: Math.round(basis.memory * template.usage.memory),
    cache: Math.round(basis.memory * 0.15),
  };
  return {
    name: template.name,
    image: template.image,
    imageId: `${template.image.split(":")[0]}@sha256:${stableHex(`image:${template.image}`, 64)}`,
    id: stableHex(`container:${seed}:${template.name}:0`, 64),
    ...(template.requests ? { requests: template.requests } : {}),
    ...(template.limits ? { limits: template.limits } : {}),
    usage: { ...usage },
    healthyUsage: usage,
    cpuSeconds: 0,
    cfsPeriods: 0,
    cfsThrottledPeriods: 0,
    restarts: 0,
    status: { state: "running", startedAt },
    ready: true,
  };
}

interface PodPlacement {
  namespace: string;
  name: string;
  node: string;
  nodeIndex: number;
  ordinal: number;
  owner?: Pod["owner"];
  deployment?: Pod["deployment"];
  containers: ContainerTemplate[];
  claims?: string[];
  createdAt: number;
}

function newPod(placement: PodPlacement): Pod {
  const seed = `${placement.namespace}/${placement.name}`;
  return {
    namespace: placement.namespace,
    name: placement.name,
    uid: uidFor(seed),
    node: placement.node,
    podIp: `10.244.${placement.nodeIndex}.${10 + placement.ordinal}`,
    phase: "Running",
    ...(placement.owner ? { owner: placement.owner } : {}),
    ...(placement.deployment ? { deployment: placement.deployment } : {}),
    createdAt: placement.createdAt,
    startedAt: placement.createdAt,
    sandboxId: stableHex(`sandbox:${seed}`, 64),
    cgroupCpuSeconds: 0,
    sandboxCpuSeconds: 0,
    containers: placement.containers.map((template) => newContainer(seed, template, placement.createdAt)),
    claims: placement.claims ?? [],
  };
}

const cpuMem = (cpu: number, memoryMiB: number): Resources => ({ cpu, memory: memoryMiB * MiB });

/** The pod template of each of Plue's services: they run with limits, as the rules expect. */
const PLUE_SERVICES: Record<string, ContainerTemplate> = {
  api: {
    name: "api",
    image: "ghcr.io/plue/api:1.4.2",
    requests: cpuMem(0.25, 256),
    limits: cpuMem(1, 512),
    usage: { cpu: 0.3, memory: 0.45 },
  },
  web: {
    name: "web",
    image: "ghcr.io/plue/web:1.4.2",
    requests: cpuMem(0.1, 128),
    limits: cpuMem(0.5, 256),
    usage: { cpu: 0.2, memory: 0.5 },
  },
  electric: {
    name: "electric",
    image: "electricsql/electric:1.0.0",
    requests: cpuMem(0.25, 256),
    limits: cpuMem(1, 1024),
    usage: { cpu: 0.25, memory: 0.4 },
  },
};

export function deploymentTemplateHash(namespace: string, name: string, generation: number): string {
  return nameSuffix(`template:${namespace}/${name}:${generation}`, 10);
}

export function deploymentPodName(deployment: Deployment, ordinal: number, attempt = 0): string {
  return `${deployment.name}-${deployment.templateHash}-${nameSuffix(`${deployment.namespace}/${deployment.name}/${deployment.templateHash}/${ordinal}/${attempt}`, 5)}`;
}

/** A small cluster running Plue (api, web, electric, PostgreSQL) and the monitoring stack. */
export function initialCluster(options: ClusterOptions): Cluster {
  if (options.nodes.length === 0) throw new Error("the simulated cluster needs at least one node");
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const createdAt = now - 3 * 86400;
  const app = options.appNamespace;
  const monitoring = options.monitoringNamespace;
  const nodes: Node[] = options.nodes.map((name, index) => ({
    name,
    internalIp: `10.0.0.${10 + index}`,
    runtime: index % 2 === 0 ? "containerd" : "cri-o",
    capacity: { cpu: 4, memory: 16 * GiB, pods: 110, ephemeralStorage: 100 * GiB },
    allocatable: { cpu: 3.92, memory: 15.2 * GiB, pods: 110, ephemeralStorage: 92 * GiB },
    conditions: {
      Ready: "true",
      MemoryPressure: "false",
      DiskPressure: "false",
      PIDPressure: "false",
      NetworkUnavailable: "false",
    },
    unschedulable: false,
    createdAt: createdAt - 86400,
    systemUsage: { cpu: 0.3, memory: 1.2 * GiB },
    systemCpuSeconds: 0,
  }));

  const pods: Pod[] = [];
  let placed = 0;
  const place = (
    placement: Omit<PodPlacement, "node" | "nodeIndex" | "ordinal" | "createdAt">,
    nodeIndex?: number,
  ) => {
    const index = nodeIndex ?? placed % nodes.length;
    placed++;
    const pod = newPod({
      ...placement,
      node: nodes[index]?.name as string,
      nodeIndex: index,
      ordinal: pods.filter((candidate) => candidate.node === nodes[index]?.name).length,
      createdAt,
    });
    pods.push(pod);
    return pod;
  };

  const deployments: Deployment[] = [];
  const deploy = (
    namespace: string,
    name: string,
    replicas: number,
    containers: ContainerTemplate[],
    strategy = { maxUnavailable: 0, maxSurge: 1 },
  ) => {
    const deployment: Deployment = {
      namespace,
      name,
      replicas,
      generation: 1,
      observedGeneration: 1,
      templateHash: deploymentTemplateHash(namespace, name, 1),
      createdAt,
      ...strategy,
      progressDeadlineSeconds: 600,
      lastProgressAt: 0,
    };
    deployments.push(deployment);
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      place({
        namespace,
        name: deploymentPodName(deployment, ordinal),
        owner: { kind: "ReplicaSet", name: `${name}-${deployment.templateHash}` },
        deployment: { name, templateHash: deployment.templateHash },
        containers,
      });
    }
  };

  // Plue. web rolls one pod at a time (maxUnavailable 1, no surge): a stuck rollout leaves it short.
  deploy(app, "api", 2, [PLUE_SERVICES.api as ContainerTemplate]);
  deploy(app, "web", 2, [PLUE_SERVICES.web as ContainerTemplate], { maxUnavailable: 1, maxSurge: 0 });
  deploy(app, "electric", 2, [PLUE_SERVICES.electric as ContainerTemplate]);
  const statefulSets: StatefulSet[] = [];
  const statefulPod = (
    namespace: string,
    name: string,
    replicas: number,
    containers: ContainerTemplate[],
  ) => {
    statefulSets.push({ namespace, name, replicas, generation: 1, observedGeneration: 1, createdAt });
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      place({
        namespace,
        name: `${name}-${ordinal}`,
        owner: { kind: "StatefulSet", name },
        containers,
        claims: [`data-${name}-${ordinal}`],
      });
    }
  };
  statefulPod(app, "postgres", 1, [
    {
      name: "postgres",
      image: "postgres:16.4",
      requests: cpuMem(0.5, 1024),
      limits: cpuMem(2, 2048),
      usage: { cpu: 0.15, memory: 0.5 },
    },
  ]);

  // The monitoring stack's own pods.
  statefulPod(monitoring, "prometheus", 1, [
    {
      name: "prometheus",
      image: defaultImages.prometheus,
      requests: cpuMem(0.5, 2048),
      limits: cpuMem(2, 4096),
      usage: { cpu: 0.2, memory: 0.45 },
    },
    {
      name: "config-reloader",
      image: defaultImages.configReloader,
      requests: cpuMem(0.01, 16),
      limits: cpuMem(0.05, 32),
      usage: { cpu: 0.05, memory: 0.4 },
    },
  ]);
  statefulPod(monitoring, "alertmanager", options.alertmanagerReplicas ?? 2, [
    {
      name: "alertmanager",
      image: defaultImages.alertmanager,
      requests: cpuMem(0.05, 64),
      limits: cpuMem(0.2, 256),
      usage: { cpu: 0.1, memory: 0.3 },
    },
  ]);
  deploy(monitoring, "grafana", 1, [
    {
      name: "grafana",
      image: defaultImages.grafana,
      requests: cpuMem(0.1, 256),
      limits: cpuMem(0.5, 512),
      usage: { cpu: 0.1, memory: 0.5 },
    },
  ]);
  deploy(monitoring, "kube-state-metrics", 1, [
    {
      name: "kube-state-metrics",
      image: defaultImages.kubeStateMetrics,
      requests: cpuMem(0.05, 64),
      limits: cpuMem(0.2, 256),
      usage: { cpu: 0.1, memory: 0.3 },
    },
  ]);
  deploy(monitoring, "blackbox-exporter", 1, [
    {
      name: "blackbox-exporter",
      image: defaultImages.blackboxExporter,
      requests: cpuMem(0.01, 32),
      limits: cpuMem(0.1, 64),
      usage: { cpu: 0.05, memory: 0.3 },
    },
  ]);
  deploy(monitoring, "postgres-exporter", 1, [
    {
      name: "postgres-exporter",
      image: defaultImages.postgresExporter,
      requests: cpuMem(0.01, 32),
      limits: cpuMem(0.1, 128),
      usage: { cpu: 0.05, memory: 0.3 },
    },
  ]);
  const daemonSets: DaemonSet[] = [
    { namespace: monitoring, name: "node-exporter", generation: 1, observedGeneration: 1, createdAt },
  ];
  nodes.forEach((node, index) => {
    place(
      {
        namespace: monitoring,
        name: `node-exporter-${nameSuffix(`node-exporter/${node.name}`, 5)}`,
        owner: { kind: "DaemonSet", name: "node-exporter" },
        containers: [
          {
            name: "node-exporter",
            image: defaultImages.nodeExporter,
            requests: cpuMem(0.05, 32),
            limits: cpuMem(0.25, 64),
            usage: { cpu: 0.05, memory: 0.35 },
          },
        ],
      },
      index,
    );
  });

  // A pod started by hand (kubectl run), which no controller owns: kube-state-metrics exports its
  // owner labels empty. It runs, so it raises nothing, but its series have that shape.
  place({
    namespace: app,
    name: "psql-debug",
    containers: [
      { name: "psql", image: "docker.io/library/postgres:16.4", usage: { cpu: 0.01, memory: 0.1 } },
    ],
  });

  const volume = (namespace: string, claim: string, capacityBytes: number, usedShare: number): Volume => ({
    namespace,
    claim,
    volumeName: `pvc-${uidFor(`pvc:${namespace}/${claim}`)}`,
    storageClass: "standard",
    accessModes: ["ReadWriteOnce"],
    capacityBytes,
    usedBytes: Math.round(capacityBytes * usedShare),
    healthyUsedBytes: Math.round(capacityBytes * usedShare),
    inodes: Math.round(capacityBytes / 16384),
    inodesUsed: Math.round((capacityBytes / 16384) * usedShare * 0.2),
  });
  const volumes: Volume[] = [
    volume(app, "data-postgres-0", 20 * GiB, 0.35),
    volume(monitoring, "data-prometheus-0", options.storage?.prometheus ?? 50 * GiB, 0.3),
    ...Array.from({ length: options.alertmanagerReplicas ?? 2 }, (_, ordinal) =>
      volume(monitoring, `data-alertmanager-${ordinal}`, options.storage?.alertmanager ?? GiB, 0.02),
    ),
    volume(monitoring, "grafana", options.storage?.grafana ?? 10 * GiB, 0.05),
  ];
  const grafana = pods.find((pod) => pod.deployment?.name === "grafana");
  grafana?.claims.push("grafana");

  return {
    simulatedSeconds: 0,
    timeScale: options.timeScale ?? 1,
    namespaces: [...new Set(["default", "kube-system", app, monitoring])],
    nodes,
    deployments,
    statefulSets,
    daemonSets,
    pods,
    volumes,
  };
}

export function podReady(pod: Pod): boolean {
  return pod.phase === "Running" && pod.containers.every((container) => container.ready);
}

/** The status fields the deployment controller would report, derived from the pods. */
export function deploymentStatus(cluster: Cluster, deployment: Deployment) {
  const pods = cluster.pods.filter(
    (pod) =>
      pod.namespace === deployment.namespace &&
      pod.deployment?.name === deployment.name &&
      (pod.phase === "Pending" || pod.phase === "Running"),
  );
  const ready = pods.filter(podReady).length;
  const updated = pods.filter((pod) => pod.deployment?.templateHash === deployment.templateHash).length;
  const stalled =
    deployment.rolloutStuck === true &&
    cluster.simulatedSeconds - deployment.lastProgressAt > deployment.progressDeadlineSeconds;
  return {
    replicas: pods.length,
    ready,
    available: ready,
    unavailable: Math.max(0, deployment.replicas - ready),
    updated,
    progressing: stalled
      ? { status: "false" as const, reason: "ProgressDeadlineExceeded" }
      : deployment.rolloutStuck
        ? { status: "true" as const, reason: "ReplicaSetUpdated" }
        : { status: "true" as const, reason: "NewReplicaSetAvailable" },
    available_condition:
      ready >= deployment.replicas - deployment.maxUnavailable
        ? { status: "true" as const, reason: "MinimumReplicasAvailable" }
        : { status: "false" as const, reason: "MinimumReplicasUnavailable" },
  };
}

/** What the pause container of every running pod uses. */
export const SANDBOX_USAGE = { cpu: 0.0002, memory: 600 * 1024 };

/** How long a crash-looping container waits (CrashLoopBackOff) and runs between crashes, simulated. */
export const CRASH_LOOP = { backOffSeconds: 240, runSeconds: 60 };

/**
 * Moves the cluster forward by `realSeconds`: counters grow by real seconds (what Prometheus' rate()
 * divides by), scheduled events (crashes, restarts) follow simulated time.
 */
export function tick(cluster: Cluster, realSeconds: number, nowSeconds = Date.now() / 1000): void {
  if (realSeconds <= 0) return;
  cluster.simulatedSeconds += realSeconds * cluster.timeScale;
  for (const node of cluster.nodes) node.systemCpuSeconds += node.systemUsage.cpu * realSeconds;
  for (const pod of cluster.pods) {
    if (pod.behaviour) playBehaviour(cluster, pod, pod.behaviour, nowSeconds);
    if (pod.phase !== "Running") continue;
    pod.sandboxCpuSeconds += SANDBOX_USAGE.cpu * realSeconds;
    pod.cgroupCpuSeconds += SANDBOX_USAGE.cpu * realSeconds;
    for (const container of pod.containers) {
      if (container.status.state !== "running") continue;
      container.cpuSeconds += container.usage.cpu * realSeconds;
      pod.cgroupCpuSeconds += container.usage.cpu * realSeconds;
      // The CFS period is 100 ms; a container near its limit is throttled in a share of them.
      const periods = realSeconds * 10;
      container.cfsPeriods += periods;
      if (container.limits && container.usage.cpu > 0.9 * container.limits.cpu) {
        container.cfsThrottledPeriods +=
          periods * Math.min(1, (container.usage.cpu / container.limits.cpu - 0.9) * 5);
      }
    }
  }
}

function playBehaviour(cluster: Cluster, pod: Pod, behaviour: PodBehaviour, nowSeconds: number): void {
  const container = pod.containers.find((candidate) => candidate.name === behaviour.container);
  if (!container) return;
  const now = cluster.simulatedSeconds;
  if (behaviour.kind === "crash-loop") {
    while (now >= behaviour.nextChangeAt) {
      if (container.status.state === "running") {
        // It crashes and the kubelet backs off before the next start.
        container.lastTermination = { reason: "Error", exitCode: 1 };
        container.status = { state: "waiting", reason: "CrashLoopBackOff" };
        container.ready = false;
        behaviour.nextChangeAt += CRASH_LOOP.backOffSeconds;
      } else {
        restartContainer(pod, container, nowSeconds);
        // Never passes its readiness probe before crashing again.
        container.ready = false;
        behaviour.nextChangeAt += CRASH_LOOP.runSeconds;
      }
    }
    return;
  }
  while (now >= behaviour.nextRestartAt) {
    container.lastTermination = { reason: "OOMKilled", exitCode: 137 };
    restartContainer(pod, container, nowSeconds);
    behaviour.nextRestartAt += behaviour.every;
  }
}

/** The kubelet starts the container again: a new container id, a fresh CPU counter, one more restart. */
export function restartContainer(pod: Pod, container: Container, nowSeconds: number): void {
  container.restarts += 1;
  container.id = stableHex(
    `container:${pod.namespace}/${pod.name}:${container.name}:${container.restarts}`,
    64,
  );
  container.cpuSeconds = 0;
  container.cfsPeriods = 0;
  container.cfsThrottledPeriods = 0;
  container.status = { state: "running", startedAt: Math.floor(nowSeconds) };
  container.ready = true;
}

export function findPod(cluster: Cluster, predicate: (pod: Pod) => boolean, what: string): Pod {
  const pod = cluster.pods.find(predicate);
  if (!pod) throw new Error(`the simulated cluster has no ${what}`);
  return pod;
}

export function findDeployment(cluster: Cluster, namespace: string, name: string): Deployment {
  const deployment = cluster.deployments.find(
    (candidate) => candidate.namespace === namespace && candidate.name === name,
  );
  if (!deployment) throw new Error(`the simulated cluster has no deployment ${namespace}/${name}`);
  return deployment;
}

export function findNode(cluster: Cluster, name: string): Node {
  const node = cluster.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new Error(`the simulated cluster has no node ${name}`);
  return node;
}

export function findVolume(cluster: Cluster, namespace: string, claim: string): Volume {
  const volume = cluster.volumes.find(
    (candidate) => candidate.namespace === namespace && candidate.claim === claim,
  );
  if (!volume) throw new Error(`the simulated cluster has no persistent volume claim ${namespace}/${claim}`);
  return volume;
}

/** The node a volume is mounted on: its kubelet reports the volume's usage. */
export function volumeNode(cluster: Cluster, volume: Volume): string | undefined {
  return cluster.pods.find(
    (pod) =>
      pod.namespace === volume.namespace && pod.claims.includes(volume.claim) && pod.phase === "Running",
  )?.node;
}
