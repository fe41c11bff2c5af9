// The cluster's own components: the API server, and every node's kubelet and cAdvisor.
import type { JobSpec } from "./types.ts";

export function kubernetesJobs(): JobSpec[] {
  return [
    { job: "apiserver", targets: { kind: "apiserver" } },
    // kubelet_volume_stats_* (volume usage) come from here; the kubelet adds namespace and
    // persistentvolumeclaim itself, so only `node` is attached.
    { job: "kubelet", targets: { kind: "nodes", path: "/metrics" } },
    // cAdvisor's container_* series carry namespace, pod and container already.
    { job: "cadvisor", targets: { kind: "nodes", path: "/metrics/cadvisor" } },
  ];
}
