// node-exporter on every node; the scrape attaches `node`, the Kubernetes node name.
import type { CatalogMetric } from "./types.ts";

const job = ["node-exporter"] as const;
const filesystem = ["node", "device", "fstype", "mountpoint"] as const;

export const nodeExporterMetrics: readonly CatalogMetric[] = [
  {
    name: "node_cpu_seconds_total",
    type: "counter",
    labels: ["node", "cpu", "mode"],
    jobs: job,
    help: "Seconds each CPU spent in each mode (idle, user, system, iowait, …)",
  },
  {
    name: "node_memory_MemTotal_bytes",
    type: "gauge",
    labels: ["node"],
    jobs: job,
    help: "Physical memory",
  },
  {
    name: "node_memory_MemAvailable_bytes",
    type: "gauge",
    labels: ["node"],
    jobs: job,
    help: "Memory available for new work without swapping",
  },
  {
    name: "node_filesystem_size_bytes",
    type: "gauge",
    labels: filesystem,
    jobs: job,
    help: "Filesystem size",
  },
  {
    name: "node_filesystem_avail_bytes",
    type: "gauge",
    labels: filesystem,
    jobs: job,
    help: "Filesystem space available to unprivileged users",
  },
];
