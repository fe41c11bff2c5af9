// cAdvisor, served by each kubelet at /metrics/cadvisor. Besides one series per container it exports a
// pod-level cgroup series (container="") and the sandbox: container="POD" under dockershim, and
// container="" with the pause image under containerd. Rules keep container!="" and container!="POD".
import type { CatalogMetric } from "./types.ts";

const labels = ["namespace", "pod", "container", "id", "image", "name"] as const;

export const cadvisorMetrics: readonly CatalogMetric[] = [
  {
    name: "container_cpu_usage_seconds_total",
    type: "counter",
    labels: [...labels, "cpu"],
    jobs: ["cadvisor"],
    help: "CPU time consumed, in core-seconds",
  },
  {
    name: "container_memory_working_set_bytes",
    type: "gauge",
    labels,
    jobs: ["cadvisor"],
    help: "Working set: the memory the OOM killer and memory limits act on",
  },
];
