// The kubelet's own /metrics: usage of every mounted persistent volume claim, per claim. The rules read
// capacity and available bytes; used bytes (capacity minus available, less the filesystem's reserve)
// is not read, so not kept.
import type { CatalogMetric } from "./types.ts";

const labels = ["namespace", "persistentvolumeclaim"] as const;

export const kubeletMetrics: readonly CatalogMetric[] = [
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
