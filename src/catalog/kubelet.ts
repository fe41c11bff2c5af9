// The kubelet's own /metrics: usage of every mounted persistent volume claim, per claim.
import type { CatalogMetric } from "./types.ts";

const labels = ["namespace", "persistentvolumeclaim"] as const;

export const kubeletMetrics: readonly CatalogMetric[] = [
  {
    name: "kubelet_volume_stats_used_bytes",
    type: "gauge",
    labels,
    jobs: ["kubelet"],
    help: "Bytes used on the volume",
  },
  {
    name: "kubelet_volume_stats_capacity_bytes",
    type: "gauge",
    labels,
    jobs: ["kubelet"],
    help: "Size of the volume's filesystem in bytes",
  },
  {
    name: "kubelet_volume_stats_available_bytes",
    type: "gauge",
    labels,
    jobs: ["kubelet"],
    help: "Bytes available to unprivileged users on the volume",
  },
];
