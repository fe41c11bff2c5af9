// The shape of a cluster the sizing works with: how many of each thing an exporter reports on, for a
// given number of nodes and pods. Everything but nodes and pods follows from pods at the ratios of a
// reference cluster (100 nodes, 3,000 pods, 3,537 containers, 500 claims), so `size --nodes --pods`
// needs nothing more. The object counts besides pods are this project's assumptions for such a
// cluster, not measurements; docs/sizing.md lists them.

/** What a series is reported per: a scrape target, or one object of the cluster. */
export type Scope =
  | "target"
  | "node"
  | "pod"
  | "container"
  | "persistentvolumeclaim"
  | "persistentvolume"
  | "namespace"
  | "deployment"
  | "replicaset"
  | "statefulset"
  | "daemonset"
  | "service"
  | "job"
  | "cronjob"
  | "horizontalpodautoscaler"
  | "resourcequota"
  | "storageclass";

export const SCOPES: readonly Scope[] = [
  "target",
  "node",
  "pod",
  "container",
  "persistentvolumeclaim",
  "persistentvolume",
  "namespace",
  "deployment",
  "replicaset",
  "statefulset",
  "daemonset",
  "service",
  "job",
  "cronjob",
  "horizontalpodautoscaler",
  "resourcequota",
  "storageclass",
];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

/** The reference cluster: every count the bench generates expositions for. */
export const REFERENCE_CLUSTER = {
  nodes: 100,
  pods: 3000,
  objects: {
    container: 3537,
    persistentvolumeclaim: 500,
    // One bound volume per claim.
    persistentvolume: 500,
    namespace: 40,
    // 2,000 pods in Deployments of 5 replicas; three ReplicaSets kept per Deployment on average.
    deployment: 400,
    replicaset: 1200,
    // 500 pods in StatefulSets of 5, each pod with its claim.
    statefulset: 100,
    // 5 DaemonSets on 100 nodes: the other 500 pods.
    daemonset: 5,
    service: 450,
    job: 30,
    cronjob: 10,
    horizontalpodautoscaler: 50,
    resourcequota: 40,
    storageclass: 3,
  },
} as const;

type ObjectScope = keyof typeof REFERENCE_CLUSTER.objects;

/** Objects whose number does not grow with the workload. */
const CONSTANT: ReadonlySet<ObjectScope> = new Set(["daemonset", "storageclass"]);

/** How many of each scope a cluster of `nodes` and `pods` has (`target` is per job, so 0 here). */
export function scopeCounts(nodes: number, pods: number): Record<Scope, number> {
  const counts = { target: 0, node: nodes, pod: pods } as Record<Scope, number>;
  for (const [scope, reference] of Object.entries(REFERENCE_CLUSTER.objects) as [ObjectScope, number][]) {
    counts[scope] = CONSTANT.has(scope) ? reference : Math.round((reference * pods) / REFERENCE_CLUSTER.pods);
  }
  return counts;
}

/** Series per [cluster, node, pod] that one instance of a scope adds (`target` is the job's business). */
export function scopeCoefficients(scope: Exclude<Scope, "target">): [number, number, number] {
  if (scope === "node") return [0, 1, 0];
  if (scope === "pod") return [0, 0, 1];
  const reference = REFERENCE_CLUSTER.objects[scope];
  return CONSTANT.has(scope) ? [reference, 0, 0] : [0, 0, reference / REFERENCE_CLUSTER.pods];
}
