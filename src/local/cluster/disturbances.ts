// Changes to the simulated cluster that faults are made of, each with its way back to health. They
// change state the way Kubernetes would, and the exporter views follow.
import {
  type Cluster,
  type ConditionStatus,
  type Container,
  type Deployment,
  deploymentPodName,
  deploymentTemplateHash,
  type Node,
  type NodeCondition,
  type Pod,
  restartContainer,
  stableHex,
  uidFor,
  type Volume,
} from "./model.ts";

/** Usage of every limited container of the pod set to `share` of its limit. */
export function setCpuShare(pod: Pod, share: number): void {
  for (const container of pod.containers) {
    if (container.limits) container.usage.cpu = container.limits.cpu * share;
  }
}

export function setMemoryShare(pod: Pod, share: number): void {
  for (const container of pod.containers) {
    if (container.limits) container.usage.memory = Math.round(container.limits.memory * share);
  }
}

export function restoreUsage(pod: Pod): void {
  for (const container of pod.containers) container.usage = { ...container.healthyUsage };
}

export function setVolumeShare(volume: Volume, share: number): void {
  volume.usedBytes = Math.round(volume.capacityBytes * share);
}

export function restoreVolume(volume: Volume): void {
  volume.usedBytes = volume.healthyUsedBytes;
}

const firstContainer = (pod: Pod): Container => {
  const container = pod.containers[0];
  if (!container) throw new Error(`pod ${pod.namespace}/${pod.name} has no container`);
  return container;
};

/** The pod's first container starts crashing on the next tick, then flaps per CRASH_LOOP. */
export function startCrashLoop(cluster: Cluster, pod: Pod): void {
  pod.behaviour = {
    kind: "crash-loop",
    container: firstContainer(pod).name,
    nextChangeAt: cluster.simulatedSeconds,
  };
}

/** Keeps the container running (restarting it once more if it was backing off). */
export function stopCrashLoop(pod: Pod, nowSeconds: number): void {
  const behaviour = pod.behaviour;
  delete pod.behaviour;
  const container = pod.containers.find((candidate) => candidate.name === behaviour?.container);
  if (!container) return;
  if (container.status.state !== "running") restartContainer(pod, container, nowSeconds);
  container.ready = true;
}

/** The first container is killed (OOMKilled) and restarted every `everySeconds` of simulated time. */
export function startRestarting(cluster: Cluster, pod: Pod, everySeconds: number): void {
  pod.behaviour = {
    kind: "restarting",
    container: firstContainer(pod).name,
    every: everySeconds,
    nextRestartAt: cluster.simulatedSeconds,
  };
}

export function stopRestarting(pod: Pod): void {
  delete pod.behaviour;
}

/**
 * A Job's pod the scheduler cannot place: it requests more CPU and memory than any node has, so it
 * stays Pending (PodScheduled=False, Unschedulable) with no node and no container status.
 */
export function addUnschedulablePod(
  cluster: Cluster,
  namespace: string,
  job: string,
  nowSeconds: number,
): Pod {
  const attempt = cluster.pods.filter((pod) => pod.owner?.kind === "Job" && pod.owner.name === job).length;
  const name = `${job}-${stableHex(`job:${namespace}/${job}/${attempt}`, 5)}`;
  const biggest = Math.max(...cluster.nodes.map((node) => node.allocatable.cpu));
  const request = { cpu: biggest * 2, memory: 64 * 1024 ** 3 };
  const pod: Pod = {
    namespace,
    name,
    uid: uidFor(`${namespace}/${name}`),
    phase: "Pending",
    unschedulable: true,
    owner: { kind: "Job", name: job },
    createdAt: Math.floor(nowSeconds),
    sandboxId: stableHex(`sandbox:${namespace}/${name}`, 64),
    cgroupCpuSeconds: 0,
    sandboxCpuSeconds: 0,
    claims: [],
    containers: [
      {
        name: "migrate",
        image: "ghcr.io/plue/api:1.4.2",
        imageId: "",
        id: "",
        requests: request,
        limits: request,
        usage: { cpu: 0, memory: 0, cache: 0 },
        healthyUsage: { cpu: 0, memory: 0, cache: 0 },
        cpuSeconds: 0,
        cfsPeriods: 0,
        cfsThrottledPeriods: 0,
        restarts: 0,
        status: { state: "waiting", reason: "ContainerCreating" },
        ready: false,
      },
    ],
  };
  cluster.pods.push(pod);
  return pod;
}

export function removePod(cluster: Cluster, pod: Pod): void {
  cluster.pods = cluster.pods.filter((candidate) => candidate !== pod);
}

/** A pod of the deployment's current template, on the node `like` ran on, started now. */
function replacementPod(cluster: Cluster, deployment: Deployment, like: Pod, nowSeconds: number): Pod {
  const attempt = cluster.pods.length;
  const name = deploymentPodName(deployment, 0, attempt);
  const seed = `${deployment.namespace}/${name}`;
  const startedAt = Math.floor(nowSeconds);
  return {
    ...like,
    name,
    uid: uidFor(seed),
    owner: { kind: "ReplicaSet", name: `${deployment.name}-${deployment.templateHash}` },
    deployment: { name: deployment.name, templateHash: deployment.templateHash },
    createdAt: startedAt,
    startedAt,
    sandboxId: stableHex(`sandbox:${seed}`, 64),
    cgroupCpuSeconds: 0,
    sandboxCpuSeconds: 0,
    claims: [...like.claims],
    containers: like.containers.map((container) => ({
      ...container,
      id: stableHex(`container:${seed}:${container.name}:0`, 64),
      usage: { ...container.healthyUsage },
      cpuSeconds: 0,
      cfsPeriods: 0,
      cfsThrottledPeriods: 0,
      restarts: 0,
      status: { state: "running" as const, startedAt },
      ready: true,
    })),
  };
}

/**
 * A rollout that cannot finish: a new template (generation + 1, observed), one old pod replaced by a
 * new one whose readiness probe never passes. With maxUnavailable 1 the deployment runs a replica
 * short, and updated replicas stop changing.
 */
export function stallRollout(cluster: Cluster, deployment: Deployment, nowSeconds: number): void {
  if (deployment.rolloutStuck) return;
  deployment.generation += 1;
  deployment.observedGeneration = deployment.generation;
  deployment.templateHash = deploymentTemplateHash(
    deployment.namespace,
    deployment.name,
    deployment.generation,
  );
  deployment.rolloutStuck = true;
  deployment.lastProgressAt = cluster.simulatedSeconds;
  const old = cluster.pods.filter(
    (pod) => pod.namespace === deployment.namespace && pod.deployment?.name === deployment.name,
  );
  const replaced = old[old.length - 1];
  if (!replaced) throw new Error(`deployment ${deployment.namespace}/${deployment.name} has no pods`);
  const fresh = replacementPod(cluster, deployment, replaced, nowSeconds);
  for (const container of fresh.containers) container.ready = false;
  cluster.pods = cluster.pods.map((pod) => (pod === replaced ? fresh : pod));
}

/** The rollout completes: every pod runs the current template and is ready. */
export function completeRollout(cluster: Cluster, deployment: Deployment, nowSeconds: number): void {
  deployment.rolloutStuck = false;
  deployment.lastProgressAt = cluster.simulatedSeconds;
  cluster.pods = cluster.pods.map((pod) => {
    if (pod.namespace !== deployment.namespace || pod.deployment?.name !== deployment.name) return pod;
    if (pod.deployment.templateHash !== deployment.templateHash) {
      return replacementPod(cluster, deployment, pod, nowSeconds);
    }
    for (const container of pod.containers) container.ready = true;
    return pod;
  });
}

/** A spec change the deployment controller does not pick up: generation moves, observed does not. */
export function changeUnobserved(deployment: Deployment): void {
  deployment.generation = deployment.observedGeneration + 1;
}

export function observeGeneration(deployment: Deployment): void {
  deployment.observedGeneration = deployment.generation;
}

export function setNodeCondition(node: Node, condition: NodeCondition, status: ConditionStatus): void {
  node.conditions[condition] = status;
}

export const HEALTHY_NODE_CONDITIONS: Record<NodeCondition, ConditionStatus> = {
  Ready: "true",
  MemoryPressure: "false",
  DiskPressure: "false",
  PIDPressure: "false",
  NetworkUnavailable: "false",
};
