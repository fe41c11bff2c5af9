// What each node's kubelet serves for the simulated cluster: /metrics (volume usage of the claims
// mounted there) and /metrics/cadvisor (per-container CPU and memory). cAdvisor's series carry the
// labels the kubelet gives them (container, id, image, name, namespace, pod) and include what trips
// naive rules: the root cgroup (id="/"), the kubepods and QoS slices, each pod's cgroup (all of them
// container=""), and the sandbox — under containerd container="" with the pause image, under CRI-O
// container="POD".
// Label names and values follow test/fixtures/exporters/kubelet.prom and cadvisor.prom (Kubernetes
// v1.37.0, cAdvisor v0.60.5), nodes on cgroup v2 with the systemd driver. What prom-client cannot
// reproduce: the real kubelet puts a timestamp (the cgroup's last housekeeping) on every container_*
// stats sample, and sorts families by name and series by label values.
import { type Emit, Exposition, type Labels } from "./exposition.ts";
import {
  type Cluster,
  type Container,
  type Node,
  type Pod,
  SANDBOX_USAGE,
  stableHex,
  volumeNode,
} from "./model.ts";

const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";
const CFS_PERIOD_US = 100_000;

function qosClass(pod: Pod): "guaranteed" | "burstable" | "besteffort" {
  const all = pod.containers;
  if (all.every((container) => !container.requests && !container.limits)) return "besteffort";
  const guaranteed = all.every(
    (container) =>
      container.limits &&
      container.requests &&
      container.limits.cpu === container.requests.cpu &&
      container.limits.memory === container.requests.memory,
  );
  return guaranteed ? "guaranteed" : "burstable";
}

/** The pod's cgroup under the systemd driver, as the id label shows it. */
export function podCgroup(pod: Pod): string {
  const uid = pod.uid.replaceAll("-", "_");
  const qos = qosClass(pod);
  return qos === "guaranteed"
    ? `/kubepods.slice/kubepods-pod${uid}.slice`
    : `/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${uid}.slice`;
}

const CADVISOR_LABELS = ["container", "id", "image", "name", "namespace", "pod"];
// cAdvisor's machine collector labels every machine_* series with the node's identity.
const MACHINE_LABELS = ["boot_id", "machine_id", "system_uuid"];
/** The QoS slices the kubelet creates at start, whether or not a pod runs in them. */
const QOS_SLICES = ["burstable", "besteffort"] as const;

/** client_golang writes label pairs sorted by name; prom-client keeps insertion order. */
function sortedLabels(emit: Emit): Emit {
  return (labels, value) =>
    emit(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))), value);
}

function uuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** /etc/machine-id, the DMI product UUID and the boot id, stable per node name. */
function machineLabels(node: Node): Labels {
  return {
    boot_id: uuid(stableHex(`boot-id:${node.name}`, 32)),
    machine_id: stableHex(`machine-id:${node.name}`, 32),
    system_uuid: uuid(stableHex(`system-uuid:${node.name}`, 32)),
  };
}

export class NodeMetrics {
  private readonly kubelet = new Exposition();
  private readonly cadvisor = new Exposition();
  private readonly renderKubelet: (cluster: Cluster) => void;
  private readonly renderCadvisor: (cluster: Cluster) => void;

  constructor(readonly nodeName: string) {
    // Registered in name order, as the kubelet's registry writes families.
    const k = this.kubelet;
    const volumeLabels = ["namespace", "persistentvolumeclaim"];
    const kubeletNodeName = k.gauge("kubelet_node_name", "[ALPHA] The node's name. The count is always 1.", [
      "node",
    ]);
    // container_state is one of created, running, exited, unknown.
    const runningContainers = k.gauge(
      "kubelet_running_containers",
      "[ALPHA] Number of containers currently running",
      ["container_state"],
    );
    const runningPods = k.gauge(
      "kubelet_running_pods",
      "[ALPHA] Number of pods that have a running pod sandbox",
      [],
    );
    const available = k.gauge(
      "kubelet_volume_stats_available_bytes",
      "[ALPHA] Number of available bytes in the volume",
      volumeLabels,
    );
    const capacity = k.gauge(
      "kubelet_volume_stats_capacity_bytes",
      "[ALPHA] Capacity in bytes of the volume",
      volumeLabels,
    );
    const inodes = k.gauge(
      "kubelet_volume_stats_inodes",
      "[ALPHA] Maximum number of inodes in the volume",
      volumeLabels,
    );
    const inodesFree = k.gauge(
      "kubelet_volume_stats_inodes_free",
      "[ALPHA] Number of free inodes in the volume",
      volumeLabels,
    );
    const inodesUsed = k.gauge(
      "kubelet_volume_stats_inodes_used",
      "[ALPHA] Number of used inodes in the volume",
      volumeLabels,
    );
    const used = k.gauge(
      "kubelet_volume_stats_used_bytes",
      "[ALPHA] Number of used bytes in the volume",
      volumeLabels,
    );

    this.renderKubelet = (cluster) => {
      kubeletNodeName({ node: this.nodeName }, 1);
      const pods = podsOn(cluster, this.nodeName);
      runningPods({}, pods.length);
      const containers = pods.flatMap((pod) => pod.containers);
      runningContainers(
        { container_state: "running" },
        containers.filter((container) => container.status.state === "running").length,
      );
      runningContainers(
        { container_state: "exited" },
        containers.filter((container) => container.status.state !== "running").length,
      );
      for (const volume of cluster.volumes) {
        if (volumeNode(cluster, volume) !== this.nodeName) continue;
        const labels = { namespace: volume.namespace, persistentvolumeclaim: volume.claim };
        capacity(labels, volume.capacityBytes);
        // statfs Bavail: a filesystem without root-reserved blocks (XFS). On ext4 the kubelet reports
        // ~5% of the capacity less than capacity - used.
        available(labels, volume.capacityBytes - volume.usedBytes);
        used(labels, volume.usedBytes);
        inodes(labels, volume.inodes);
        inodesFree(labels, volume.inodes - volume.inodesUsed);
        inodesUsed(labels, volume.inodesUsed);
      }
    };

    // Registered in name order, as the kubelet's registry writes families.
    const c = this.cadvisor;
    const cadvisorCounter = (name: string, help: string, labels: string[]) =>
      sortedLabels(c.counter(name, help, labels));
    const cadvisorGauge = (name: string, help: string, labels: string[]) =>
      sortedLabels(c.gauge(name, help, labels));
    const cfsPeriods = cadvisorCounter(
      "container_cpu_cfs_periods_total",
      "Number of elapsed enforcement period intervals.",
      CADVISOR_LABELS,
    );
    const cfsThrottled = cadvisorCounter(
      "container_cpu_cfs_throttled_periods_total",
      "Number of throttled period intervals.",
      CADVISOR_LABELS,
    );
    // cpu is always "total" through the kubelet: it does not collect per-CPU usage.
    const cpuUsage = cadvisorCounter(
      "container_cpu_usage_seconds_total",
      "Cumulative cpu time consumed in seconds.",
      [...CADVISOR_LABELS, "cpu"],
    );
    const memoryCache = cadvisorGauge(
      "container_memory_cache",
      "Number of bytes of page cache memory.",
      CADVISOR_LABELS,
    );
    const memoryRss = cadvisorGauge("container_memory_rss", "Size of RSS in bytes.", CADVISOR_LABELS);
    const memoryUsage = cadvisorGauge(
      "container_memory_usage_bytes",
      "Current memory usage in bytes, including all memory regardless of when it was accessed",
      CADVISOR_LABELS,
    );
    const workingSet = cadvisorGauge(
      "container_memory_working_set_bytes",
      "Current working set in bytes.",
      CADVISOR_LABELS,
    );
    const cpuPeriod = cadvisorGauge(
      "container_spec_cpu_period",
      "CPU period of the container.",
      CADVISOR_LABELS,
    );
    const cpuQuota = cadvisorGauge(
      "container_spec_cpu_quota",
      "CPU quota of the container.",
      CADVISOR_LABELS,
    );
    const memoryLimit = cadvisorGauge(
      "container_spec_memory_limit_bytes",
      "Memory limit for the container.",
      CADVISOR_LABELS,
    );
    const machineCores = cadvisorGauge("machine_cpu_cores", "Number of logical CPU cores.", MACHINE_LABELS);
    const machineMemory = cadvisorGauge(
      "machine_memory_bytes",
      "Amount of memory installed on the machine.",
      MACHINE_LABELS,
    );

    const emitMemory = (labels: Labels, memory: { workingSet: number; cache: number }, limit: number) => {
      workingSet(labels, memory.workingSet);
      memoryUsage(labels, memory.workingSet + memory.cache);
      memoryRss(labels, Math.round(memory.workingSet * 0.9));
      memoryCache(labels, memory.cache);
      memoryLimit(labels, limit);
    };

    this.renderCadvisor = (cluster) => {
      const node = cluster.nodes.find((candidate) => candidate.name === this.nodeName) as Node;
      const machine = machineLabels(node);
      machineCores(machine, node.capacity.cpu);
      machineMemory(machine, node.capacity.memory);
      const pods = podsOn(cluster, this.nodeName);
      const running = (pod: Pod) =>
        pod.containers.filter((container) => container.status.state === "running");
      const podMemory = (pod: Pod) =>
        running(pod).reduce(
          (sum, container) => ({
            workingSet: sum.workingSet + container.usage.memory,
            cache: sum.cache + container.usage.cache,
          }),
          { workingSet: SANDBOX_USAGE.memory, cache: 0 },
        );

      // The root cgroup: the whole machine.
      const root = { container: "", id: "/", image: "", name: "", namespace: "", pod: "" };
      const podsCpu = pods.reduce((sum, pod) => sum + pod.cgroupCpuSeconds, 0);
      cpuUsage({ ...root, cpu: "total" }, node.systemCpuSeconds + podsCpu);
      const allPods = pods.map(podMemory).reduce(
        (sum, memory) => ({
          workingSet: sum.workingSet + memory.workingSet,
          cache: sum.cache + memory.cache,
        }),
        { workingSet: 0, cache: 0 },
      );
      emitMemory(
        root,
        { workingSet: node.systemUsage.memory + allPods.workingSet, cache: allPods.cache },
        node.capacity.memory,
      );
      // cgroup v2 has no cpu.max at the root, so cAdvisor reads a period of 0.
      cpuPeriod(root, 0);

      // The slices above the pods: kubepods and one per QoS class; Guaranteed pods sit directly in
      // kubepods. The kubelet limits kubepods to capacity minus the kube/system reservations (here
      // allocatable: the model keeps no separate eviction threshold) and leaves the QoS slices unlimited.
      const slices: { id: string; pods: Pod[]; memoryLimit: number }[] = [
        { id: "/kubepods.slice", pods, memoryLimit: node.allocatable.memory },
        ...QOS_SLICES.map((qos) => ({
          id: `/kubepods.slice/kubepods-${qos}.slice`,
          pods: pods.filter((pod) => qosClass(pod) === qos),
          memoryLimit: 0,
        })),
      ];
      for (const slice of slices) {
        const labels = { ...root, id: slice.id };
        cpuUsage(
          { ...labels, cpu: "total" },
          slice.pods.reduce((sum, pod) => sum + pod.cgroupCpuSeconds, 0),
        );
        const memory = slice.pods
          .map(podMemory)
          .reduce(
            (sum, pod) => ({ workingSet: sum.workingSet + pod.workingSet, cache: sum.cache + pod.cache }),
            { workingSet: 0, cache: 0 },
          );
        emitMemory(labels, memory, slice.memoryLimit);
        cpuPeriod(labels, CFS_PERIOD_US);
      }

      for (const pod of pods) {
        const cgroup = podCgroup(pod);
        const base = { namespace: pod.namespace, pod: pod.name };
        // The pod's own cgroup: every container of the pod together.
        const podLabels = { ...base, container: "", id: cgroup, image: "", name: "" };
        cpuUsage({ ...podLabels, cpu: "total" }, pod.cgroupCpuSeconds);
        const limits = pod.containers.every((container) => container.limits)
          ? pod.containers.reduce((sum, container) => sum + (container.limits?.memory ?? 0), 0)
          : 0;
        emitMemory(podLabels, podMemory(pod), limits);
        // The kubelet also gives the pod's cgroup a CPU quota (the sum of its containers' limits) when
        // every container has one; the model keeps no pod-level CFS counters, so that quota and its
        // cfs series are left out here.
        cpuPeriod(podLabels, CFS_PERIOD_US);

        const sandbox = sandboxLabels(node, pod, cgroup);
        cpuUsage({ ...sandbox, cpu: "total" }, pod.sandboxCpuSeconds);
        emitMemory(sandbox, { workingSet: SANDBOX_USAGE.memory, cache: 0 }, 0);
        cpuPeriod(sandbox, CFS_PERIOD_US);

        for (const container of running(pod)) {
          const labels = containerLabels(node, pod, container, cgroup);
          cpuUsage({ ...labels, cpu: "total" }, container.cpuSeconds);
          emitMemory(
            labels,
            { workingSet: container.usage.memory, cache: container.usage.cache },
            container.limits?.memory ?? 0,
          );
          cpuPeriod(labels, CFS_PERIOD_US);
          if (container.limits) {
            cpuQuota(labels, Math.round(container.limits.cpu * CFS_PERIOD_US));
            cfsPeriods(labels, Math.floor(container.cfsPeriods));
            cfsThrottled(labels, Math.floor(container.cfsThrottledPeriods));
          }
        }
      }
    };
  }

  get contentType(): string {
    return this.kubelet.contentType;
  }

  kubeletMetrics(cluster: Cluster): Promise<string> {
    this.kubelet.reset();
    this.renderKubelet(cluster);
    return this.kubelet.text();
  }

  cadvisorMetrics(cluster: Cluster): Promise<string> {
    this.cadvisor.reset();
    this.renderCadvisor(cluster);
    return this.cadvisor.text();
  }
}

/** Pods with a sandbox on the node: scheduled there and not finished. */
function podsOn(cluster: Cluster, node: string): Pod[] {
  return cluster.pods.filter((pod) => pod.node === node && pod.phase === "Running");
}

function sandboxLabels(node: Node, pod: Pod, cgroup: string): Labels {
  const base = { namespace: pod.namespace, pod: pod.name, image: PAUSE_IMAGE };
  return node.runtime === "containerd"
    ? { ...base, container: "", id: `${cgroup}/cri-containerd-${pod.sandboxId}.scope`, name: pod.sandboxId }
    : {
        ...base,
        container: "POD",
        id: `${cgroup}/crio-${pod.sandboxId}.scope`,
        name: `k8s_POD_${pod.name}_${pod.namespace}_${pod.uid}_0`,
      };
}

function containerLabels(node: Node, pod: Pod, container: Container, cgroup: string): Labels {
  const base = { namespace: pod.namespace, pod: pod.name, container: container.name, image: container.image };
  return node.runtime === "containerd"
    ? { ...base, id: `${cgroup}/cri-containerd-${container.id}.scope`, name: container.id }
    : {
        ...base,
        id: `${cgroup}/crio-${container.id}.scope`,
        name: `k8s_${container.name}_${pod.name}_${pod.namespace}_${pod.uid}_${container.restarts}`,
      };
}
