// "Kubernetes Cluster": the cluster's resource usage and health — nodes, pods, volumes, restarts.
import type { StackConfig } from "../config/schema.ts";
import { recorded } from "../rules/recording.ts";
import { kubeStateMetrics as ksm, kubelet } from "../rules/selectors.ts";
import { alertLevels } from "./alert-levels.ts";
import {
  barGaugePanel,
  buildDashboard,
  datasourceVariable,
  fixedColor,
  labelVariable,
  PHASE_COLORS,
  statPanel,
  timeseriesPanel,
} from "./panels.ts";

export const KUBERNETES_CLUSTER_UID = "plue-kubernetes-cluster";

// Panels of one series per node or volume would draw hundreds in a large cluster: they show the
// ones nearest trouble. A time series' top is per moment, so a few more than N can appear over a range.
const TOP_NODES = 10;
const TOP_VOLUMES = 20;

const nodeCondition = (condition: string, status: string) =>
  `sum(kube_node_status_condition{${ksm}, condition="${condition}", status="${status}"})`;

/** Node states worth counting, and the colour that says whether a non-zero count is bad. */
const NODE_STATES = [
  { legend: "Ready", expr: nodeCondition("Ready", "true"), color: "green" },
  { legend: "NotReady", expr: nodeCondition("Ready", "false"), color: "red" },
  { legend: "Unknown", expr: nodeCondition("Ready", "unknown"), color: "orange" },
  { legend: "MemoryPressure", expr: nodeCondition("MemoryPressure", "true"), color: "orange" },
  { legend: "DiskPressure", expr: nodeCondition("DiskPressure", "true"), color: "orange" },
] as const;

export function kubernetesCluster(config: StackConfig): Record<string, unknown> {
  const levels = alertLevels(config);
  const inNamespaces = `namespace=~"$namespace"`;

  const nodeCpu = timeseriesPanel(config, {
    title: "Node CPU",
    description: `Share of CPU time spent busy (not idle, iowait or steal), for the ${TOP_NODES} busiest nodes at each moment.`,
    queries: [{ expr: `topk(${TOP_NODES}, ${recorded.nodeCpuUtilisation})`, legend: "{{node}}" }],
    unit: "percentunit",
    min: 0,
    max: 1,
  });
  const nodeMemory = timeseriesPanel(config, {
    title: "Node memory",
    description: `Share of memory not available to new work (1 − MemAvailable / MemTotal), for the ${TOP_NODES} fullest nodes at each moment.`,
    queries: [
      {
        expr: `topk(${TOP_NODES}, 1 - node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"})`,
        legend: "{{node}}",
      },
    ],
    unit: "percentunit",
    min: 0,
    max: 1,
    runbooks: ["NodeMemoryPressure"],
  });
  const nodesByStatus = statPanel(config, {
    title: "Nodes by status",
    description: "Nodes by Ready condition, and nodes reporting memory or disk pressure.",
    queries: NODE_STATES.map((state) => ({ expr: state.expr, legend: state.legend, instant: true })),
    unit: "none",
    width: 24,
    height: 5,
    runbooks: ["NodeNotReady", "NodeMemoryPressure", "NodeDiskPressure"],
  });
  for (const state of NODE_STATES) nodesByStatus.overrideByName(state.legend, fixedColor(state.color));

  const podsByStatus = statPanel(config, {
    title: "Pods by status",
    description: "Pods in the selected namespaces by phase.",
    queries: [
      {
        expr: `sum by (phase) (${recorded.podsByPhase}{${inNamespaces}})`,
        legend: "{{phase}}",
        instant: true,
      },
    ],
    unit: "none",
    width: 8,
    runbooks: ["PodNotReady"],
  });
  for (const [phase, color] of Object.entries(PHASE_COLORS))
    podsByStatus.overrideByName(phase, fixedColor(color));

  const containerRestarts = timeseriesPanel(config, {
    title: "Container restarts",
    description:
      "Container restarts over the past hour, the ten pods restarting most. PodFrequentRestarts fires above the dashed line.",
    queries: [
      {
        expr: `topk(10, ${recorded.podRestarts}{${inNamespaces}})`,
        legend: "{{namespace}}/{{pod}}",
      },
    ],
    unit: "short",
    min: 0,
    width: 16,
    alertLevels: levels.restarts,
    runbooks: ["PodCrashLooping"],
  });

  const volumeUsage = barGaugePanel(config, {
    title: "Persistent volume usage",
    description: `The ${TOP_VOLUMES} fullest persistent volume claims: the share the application can no longer write to (reserved blocks included), as its kubelet reports it. PersistentVolumeSpaceLow and PersistentVolumeSpaceCritical fire at the orange and red levels.`,
    queries: [
      {
        expr: `topk(${TOP_VOLUMES}, max by (namespace, persistentvolumeclaim) (1 - kubelet_volume_stats_available_bytes{${kubelet}, ${inNamespaces}} / kubelet_volume_stats_capacity_bytes{${kubelet}, ${inNamespaces}}))`,
        legend: "{{namespace}}/{{persistentvolumeclaim}}",
        instant: true,
      },
    ],
    unit: "percentunit",
    min: 0,
    max: 1,
    width: 24,
    alertLevels: levels.volume,
  });

  return buildDashboard(config, {
    uid: KUBERNETES_CLUSTER_UID,
    title: "Kubernetes Cluster",
    description: "Cluster resource usage and health: nodes, pods, persistent volumes and restarts.",
    variables: [
      datasourceVariable(),
      labelVariable({
        name: "namespace",
        label: "Namespace",
        selector: recorded.podsByPhase,
        labelName: "namespace",
        current: "all",
        multi: true,
      }),
    ],
    rows: [
      { title: "Nodes", panels: [nodeCpu, nodeMemory, nodesByStatus] },
      { title: "Workloads", panels: [podsByStatus, containerRestarts] },
      { title: "Storage", panels: [volumeUsage] },
    ],
  });
}
