// What kube-state-metrics, each node's kubelet and cAdvisor, each node-exporter and the apiservers
// serve for the simulated cluster. The families the rules read are generated from the cluster model
// with the label names, label order and vocabulary of the exporter corpus
// (test/fixtures/exporters/kube-state-metrics.prom, cadvisor.prom, kubelet.prom: kube-state-metrics
// v2.20.0, Kubernetes v1.37.0, cAdvisor v0.60.5), so that joins across exporters match. Every other
// family of the scale fixtures (bench/fixtures/ingestion) is served as bench:ingestion serves it, with
// made-up values: the keep-lists drop those, and they are there so each scrape is its real size.
import type { Scope } from "../../src/sizing/cluster-shape.ts";
import { scopeCounts } from "../../src/sizing/cluster-shape.ts";
import { exposition, type InstanceRanges, oneNode, type ShapeRow } from "../ingestion/shapes.ts";
import type { ClaimModel, ClusterModel, NodeModel, PodModel } from "./cluster.ts";
import { type Labels, MovingExposition, unitHash } from "./series.ts";

/** Families generated from the model, with the series per object the scale fixtures record for them. */
const GENERATED: Record<string, Partial<Record<Scope, number>>> = {
  container_cpu_usage_seconds_total: { node: 5, pod: 2, container: 1 },
  container_memory_working_set_bytes: { node: 5, pod: 2, container: 1 },
  kubelet_volume_stats_available_bytes: { persistentvolumeclaim: 1 },
  kubelet_volume_stats_capacity_bytes: { persistentvolumeclaim: 1 },
  kube_deployment_metadata_generation: { deployment: 1 },
  kube_deployment_spec_replicas: { deployment: 1 },
  kube_deployment_status_observed_generation: { deployment: 1 },
  kube_deployment_status_replicas_available: { deployment: 1 },
  kube_deployment_status_replicas_updated: { deployment: 1 },
  kube_node_spec_unschedulable: { node: 1 },
  kube_node_status_condition: { node: 12 },
  kube_persistentvolumeclaim_access_mode: { persistentvolumeclaim: 1 },
  // 0.83 per container in the fixture; the model's limits give about as many (cluster.ts). resource
  // "cpu" in unit "core", "memory" in "byte" (pod-metrics.md@v2.20.0, as above).
  kube_pod_container_resource_limits: { container: Number.NaN },
  kube_pod_container_status_restarts_total: { container: 1 },
  kube_pod_info: { pod: 1 },
  kube_pod_owner: { pod: 1 },
  kube_pod_status_phase: { pod: 5 },
  // Not in the fixture (its recording had no waiting container): served only while a container waits,
  // labels container, pod, namespace, reason, uid (kubernetes/kube-state-metrics
  // docs/metrics/workload/pod-metrics.md@v2.20.0).
  kube_pod_container_status_waiting_reason: {},
};

export const isGenerated = (name: string) => name in GENERATED;

/** Fails when a scale fixture no longer says what the generator assumes for a family. */
export function checkFixtureAgreement(rows: readonly ShapeRow[]): void {
  for (const row of rows) {
    const expected = GENERATED[row.name]?.[row.scope];
    if (expected === undefined || Number.isNaN(expected)) continue;
    if (Math.abs(row.series - expected) > 1e-6)
      throw new Error(
        `${row.name}: the fixture has ${row.series} series per ${row.scope}, the bench generates ${expected}`,
      );
  }
  for (const row of rows) {
    if (isGenerated(row.name) && GENERATED[row.name]?.[row.scope] === undefined)
      throw new Error(`${row.name}: the fixture has series per ${row.scope}, the bench generates none`);
  }
}

function wholeClusterRanges(nodes: number, pods: number): InstanceRanges {
  const ranges: InstanceRanges = {};
  for (const [scope, count] of Object.entries(scopeCounts(nodes, pods))) ranges[scope as Scope] = [0, count];
  return { ...ranges, target: [0, 1] };
}

const notGenerated = (rows: readonly ShapeRow[]) => rows.filter((row) => !isGenerated(row.name));

// ── kube-state-metrics ───────────────────────────────────────────────────────────────────────────
const PHASES = ["Pending", "Succeeded", "Failed", "Unknown", "Running"] as const;
const CONDITIONS = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"] as const;
const STATUSES = ["true", "false", "unknown"] as const;

export function kubeStateMetrics(
  cluster: ClusterModel,
  rows: readonly ShapeRow[],
  serves: (name: string) => boolean,
): MovingExposition {
  const out = new MovingExposition();
  const family = (name: string, labels: Labels, value: number, slope = 0) => {
    if (serves(name)) out.add(name, labels, { base: value, slope, whole: slope !== 0 });
  };
  for (const d of cluster.deployments) {
    const labels = { namespace: d.namespace, deployment: d.name };
    const generation = 1 + Math.floor(unitHash(`${d.name}/gen`) * 20);
    family("kube_deployment_spec_replicas", labels, d.replicas);
    family("kube_deployment_status_replicas_available", labels, d.replicas);
    family("kube_deployment_status_replicas_updated", labels, d.replicas);
    family("kube_deployment_metadata_generation", labels, generation);
    family("kube_deployment_status_observed_generation", labels, generation);
  }
  cluster.nodes.forEach((node, i) => {
    family("kube_node_spec_unschedulable", { node: node.name }, i === cluster.nodes.length - 1 ? 1 : 0);
    for (const condition of CONDITIONS) {
      const state = condition === "Ready" ? "true" : "false";
      for (const status of STATUSES)
        family(
          "kube_node_status_condition",
          { node: node.name, condition, status },
          status === state ? 1 : 0,
        );
    }
  });
  for (const claim of cluster.claims) {
    family(
      "kube_persistentvolumeclaim_access_mode",
      { namespace: claim.namespace, persistentvolumeclaim: claim.name, access_mode: claim.accessMode },
      1,
    );
  }
  for (const pod of cluster.pods) {
    const podLabels = { namespace: pod.namespace, pod: pod.name, uid: pod.uid };
    family(
      "kube_pod_info",
      {
        ...podLabels,
        host_ip: pod.node.ip,
        pod_ip: pod.ip,
        node: pod.node.name,
        created_by_kind: pod.owner.kind,
        created_by_name: pod.owner.name,
        priority_class: "",
        host_network: "false",
      },
      1,
    );
    family(
      "kube_pod_owner",
      { ...podLabels, owner_kind: pod.owner.kind, owner_name: pod.owner.name, owner_is_controller: "true" },
      1,
    );
    for (const phase of PHASES)
      family("kube_pod_status_phase", { ...podLabels, phase }, phase === pod.phase ? 1 : 0);
    for (const c of pod.containers) {
      const containerLabels = { ...podLabels, container: c.name };
      // A crash-looping container restarts every five minutes (the kubelet's longest back-off).
      family(
        "kube_pod_container_status_restarts_total",
        containerLabels,
        c.restarts,
        c.crashLooping ? 1 / 300 : 0,
      );
      if (c.crashLooping)
        family(
          "kube_pod_container_status_waiting_reason",
          { ...containerLabels, reason: "CrashLoopBackOff" },
          1,
        );
      const withNode = { ...containerLabels, node: pod.node.name };
      if (c.limits.cpu !== undefined)
        family(
          "kube_pod_container_resource_limits",
          { ...withNode, resource: "cpu", unit: "core" },
          c.limits.cpu,
        );
      if (c.limits.memory !== undefined)
        family(
          "kube_pod_container_resource_limits",
          { ...withNode, resource: "memory", unit: "byte" },
          c.limits.memory,
        );
    }
  }
  const nodes = cluster.nodes.length;
  const pods = cluster.pods.length;
  out.addFixed(
    exposition(
      notGenerated(rows).filter((row) => serves(row.name)),
      wholeClusterRanges(nodes, pods),
    ),
  );
  return out;
}

// ── the kubelet and its cAdvisor, per node ───────────────────────────────────────────────────────
const podsOn = (cluster: ClusterModel, node: NodeModel) => cluster.pods.filter((pod) => pod.node === node);

/** The pod's cgroup under the systemd driver (cgroup v2), as cAdvisor's `id` shows it. */
const podCgroup = (pod: PodModel) =>
  `/kubepods.slice/kubepods-${pod.qos}.slice/kubepods-${pod.qos}-pod${pod.uid.replaceAll("-", "_")}.slice`;

export function cadvisor(
  cluster: ClusterModel,
  nodeIndex: number,
  rows: readonly ShapeRow[],
): MovingExposition {
  const out = new MovingExposition();
  const node = cluster.nodes[nodeIndex] as NodeModel;
  type Cgroup = {
    container: string;
    id: string;
    image: string;
    name: string;
    namespace: string;
    pod: string;
  };
  const cgroup = (
    { container, id, image, name, namespace, pod }: Cgroup,
    cores: number,
    memoryBytes: number,
  ) => {
    out.add(
      "container_cpu_usage_seconds_total",
      { container, cpu: "total", id, image, name, namespace, pod },
      { base: 1000 * cores, slope: cores },
    );
    out.add(
      "container_memory_working_set_bytes",
      { container, id, image, name, namespace, pod },
      { base: memoryBytes, wave: memoryBytes * 0.05 },
    );
  };
  const running = podsOn(cluster, node).filter((pod) => pod.phase === "Running");
  const total = running.reduce(
    (sum, pod) => {
      for (const c of pod.containers) {
        sum.cpu += c.cpu;
        sum.memory += c.memoryBytes;
      }
      return sum;
    },
    { cpu: 0, memory: 0 },
  );
  const empty = { container: "", image: "", name: "", namespace: "", pod: "" };
  cgroup({ ...empty, id: "/" }, total.cpu + 0.3, total.memory + 1.5 * 2 ** 30);
  cgroup({ ...empty, id: "/kubepods.slice" }, total.cpu, total.memory);
  for (const qos of ["besteffort", "burstable"] as const) {
    const ofQos = running.filter((pod) => pod.qos === qos).flatMap((pod) => pod.containers);
    cgroup(
      { ...empty, id: `/kubepods.slice/kubepods-${qos}.slice` },
      ofQos.reduce((sum, c) => sum + c.cpu, 0),
      ofQos.reduce((sum, c) => sum + c.memoryBytes, 0),
    );
  }
  cgroup({ ...empty, id: "/system.slice/kubelet.service" }, 0.08, 180 * 2 ** 20);
  for (const pod of running) {
    const podLabels = { namespace: pod.namespace, pod: pod.name };
    const cpu = pod.containers.reduce((sum, c) => sum + c.cpu, 0);
    const memory = pod.containers.reduce((sum, c) => sum + c.memoryBytes, 0);
    cgroup({ ...podLabels, container: "", id: podCgroup(pod), image: "", name: "" }, cpu, memory);
    // The sandbox: under containerd container="" with the pause image.
    const sandbox = `${pod.uid.replaceAll("-", "")}${pod.uid.replaceAll("-", "")}`;
    cgroup(
      {
        ...podLabels,
        container: "",
        id: `${podCgroup(pod)}/cri-containerd-${sandbox}.scope`,
        image: "registry.k8s.io/pause:3.10",
        name: sandbox,
      },
      0.0001,
      400 * 2 ** 10,
    );
    for (const c of pod.containers) {
      cgroup(
        {
          ...podLabels,
          container: c.name,
          id: `${podCgroup(pod)}/cri-containerd-${c.id}.scope`,
          image: c.image,
          name: c.id,
        },
        c.cpu,
        c.memoryBytes,
      );
    }
  }
  out.addFixed(exposition(notGenerated(rows), oneNode(nodeIndex, cluster.nodes.length, cluster.pods.length)));
  return out;
}

export function kubelet(
  cluster: ClusterModel,
  nodeIndex: number,
  rows: readonly ShapeRow[],
): MovingExposition {
  const out = new MovingExposition();
  const node = cluster.nodes[nodeIndex] as NodeModel;
  for (const claim of cluster.claims.filter((c: ClaimModel) => c.node === node)) {
    const labels = { namespace: claim.namespace, persistentvolumeclaim: claim.name };
    // Between 5% and 95% free, filling up by about 1% an hour.
    const free = 0.05 + 0.9 * unitHash(`${claim.name}/free`);
    out.add("kubelet_volume_stats_capacity_bytes", labels, { base: claim.capacityBytes });
    out.add("kubelet_volume_stats_available_bytes", labels, {
      base: free * claim.capacityBytes,
      slope: (-0.01 * claim.capacityBytes) / 3600,
    });
  }
  out.addFixed(exposition(notGenerated(rows), oneNode(nodeIndex, cluster.nodes.length, cluster.pods.length)));
  return out;
}

/** A static exposition (the apiservers: nothing of theirs is kept, only the scrape is real). */
export function fixedExposition(rows: readonly ShapeRow[]): MovingExposition {
  const out = new MovingExposition();
  out.addFixed(exposition(rows, { target: [0, 1] }));
  return out;
}

// ── node-exporter ────────────────────────────────────────────────────────────────────────────────
/**
 * This machine's node-exporter output for every node, its CPU counters moving as a node's do (busy
 * about a third of the time): the other families are left as captured.
 */
export function nodeExporter(capturedText: string, node: NodeModel): MovingExposition {
  const out = new MovingExposition();
  const fixed: string[] = [];
  const busy = 0.15 + 0.4 * unitHash(`${node.name}/busy`);
  for (const line of capturedText.split("\n")) {
    const match = /^node_cpu_seconds_total\{(.*)\} (\S+)$/.exec(line);
    if (!match) {
      // Its HELP and TYPE go with it: the moving samples are written apart from the rest.
      if (line !== "" && !/^# (HELP|TYPE) node_cpu_seconds_total /.test(line)) fixed.push(line);
      continue;
    }
    const labels = Object.fromEntries(
      [...(match[1] as string).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    );
    const share = labels.mode === "idle" ? 1 - busy : labels.mode === "user" ? busy * 0.7 : busy * 0.05;
    out.add("node_cpu_seconds_total", labels, { base: Number(match[2]), slope: share });
  }
  out.addFixed(`${fixed.join("\n")}\n`);
  return out;
}
