// What keeps the bench honest: rules that matched nothing cost nothing, so a run whose central
// recordings are empty, whose rules fail, or whose exporters disagree on the objects they report must
// fail instead of printing a flattering number.
import { type ClusterModel, PLUE_SERVICES } from "./cluster.ts";
import type { GroupCost } from "./evaluation.ts";

export type Query = (expr: string) => Promise<{ labels: Record<string, string>; value: number }[]>;

/** The recordings dashboards and alerts lean on (keys of src/rules/recording.ts `recorded`). */
export const CENTRAL_RECORDINGS = [
  "latencyBuckets",
  "serverErrorRatio",
  "requestRate",
  "podRestarts",
  "containerCpu",
  "containerMemory",
  "serviceCpu",
  "serviceMemory",
  "serviceCpuOfLimit",
  "serviceMemoryOfLimit",
  "podsByPhase",
  "nodeCpuUtilisation",
] as const;

export interface RecordingOutput {
  /** Per group: how many recording rules it has and which produced no series. */
  byGroup: Map<GroupCost, { recordings: number; empty: string[] }>;
  problems: string[];
}

export async function recordingOutput(
  groups: readonly GroupCost[],
  recorded: Record<string, string>,
  query: Query,
): Promise<RecordingOutput> {
  const byGroup = new Map<GroupCost, { recordings: number; empty: string[] }>();
  const seriesOfRecord = new Map<string, number>();
  const problems: string[] = [];
  for (const group of groups) {
    const recordingRules = group.rules.filter((rule) => rule.type === "recording");
    const empty: string[] = [];
    for (const rule of recordingRules) {
      const matchers = [
        `__name__="${rule.name}"`,
        ...Object.entries(rule.labels).map(([k, v]) => `${k}="${v}"`),
      ];
      const count = (await query(`count({${matchers.join(", ")}})`))[0]?.value ?? 0;
      seriesOfRecord.set(rule.name, (seriesOfRecord.get(rule.name) ?? 0) + count);
      if (count === 0) empty.push(rule.name);
    }
    for (const rule of group.rules.filter((r) => r.health !== "ok"))
      problems.push(`${group.name}: ${rule.name} is ${rule.health}: ${rule.lastError ?? ""}`);
    byGroup.set(group, { recordings: recordingRules.length, empty });
  }
  for (const key of CENTRAL_RECORDINGS) {
    const record = recorded[key];
    if (record !== undefined && (seriesOfRecord.get(record) ?? 0) === 0)
      problems.push(`central recording ${key} (${record}) produced no series`);
  }
  return { byGroup, problems };
}

/** Joins across exporters the rules make, each with the number of matches the model says it must have. */
function exporterJoins(cluster: ClusterModel): { what: string; expr: string; expected: number }[] {
  const ksm = 'job="kube-state-metrics"';
  const running = cluster.pods.filter((pod) => pod.phase === "Running");
  return [
    {
      what: "cAdvisor containers with kube-state-metrics' pod",
      expr: `count(container_memory_working_set_bytes{job="cadvisor", container!="", container!="POD"} * on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info{${ksm}}))`,
      expected: running.reduce((sum, pod) => sum + pod.containers.length, 0),
    },
    {
      what: "Plue pods scraped and known to kube-state-metrics",
      expr: `count(up{job=~"${PLUE_SERVICES.join("|")}"} * on (namespace, pod) group_left max by (namespace, pod) (kube_pod_info{${ksm}}))`,
      expected: cluster.pods.filter((pod) => pod.service).length,
    },
    {
      what: "kubelet volumes with kube-state-metrics' claim",
      expr: `count(kubelet_volume_stats_capacity_bytes{job="kubelet"} * on (namespace, persistentvolumeclaim) group_left max by (namespace, persistentvolumeclaim) (kube_persistentvolumeclaim_access_mode{${ksm}}))`,
      expected: cluster.claims.length,
    },
    {
      what: "node-exporter nodes known to kube-state-metrics",
      expr: `count(count by (node) (node_cpu_seconds_total{job="node-exporter"}) * on (node) group_left max by (node) (kube_node_spec_unschedulable{${ksm}}))`,
      expected: cluster.nodes.length,
    },
  ];
}

export async function checkJoins(
  cluster: ClusterModel,
  query: Query,
): Promise<{ lines: string[]; problems: string[] }> {
  const lines: string[] = [];
  const problems: string[] = [];
  for (const { what, expr, expected } of exporterJoins(cluster)) {
    const found = (await query(expr))[0]?.value ?? 0;
    lines.push(`  ${what}: ${found} of ${expected}`);
    if (found !== expected) problems.push(`join "${what}" matched ${found}, expected ${expected}`);
  }
  return { lines, problems };
}
