// Series Prometheus itself writes for every target it scrapes.
import type { CatalogMetric } from "./types.ts";

export const scrapeMetrics: readonly CatalogMetric[] = [
  {
    name: "up",
    type: "gauge",
    // namespace, service and pod as the Plue jobs' and the monitoring stack's target labels carry them.
    labels: ["job", "instance", "namespace", "service", "pod"],
    jobs: [
      "apiserver",
      "kubelet",
      "cadvisor",
      "kube-state-metrics",
      "node-exporter",
      "blackbox",
      "postgres-exporter",
      "plue",
      "kubernetes-pods",
      "prometheus",
      "alertmanager",
      "config-reloader",
      "grafana",
    ],
    help: "1 when the last scrape of the target succeeded, 0 when it failed",
  },
];
