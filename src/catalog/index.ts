// The metric catalog: every metric the stack's rules and dashboards read, from the exporters the
// stack deploys or scrapes. One file per exporter.
import { alertmanagerMetrics } from "./alertmanager.ts";
import { blackboxExporterMetrics } from "./blackbox-exporter.ts";
import { cadvisorMetrics } from "./cadvisor.ts";
import { certManagerMetrics } from "./cert-manager.ts";
import { configReloaderMetrics } from "./config-reloader.ts";
import { kubeStateMetrics } from "./kube-state-metrics.ts";
import { kubeletMetrics } from "./kubelet.ts";
import { nodeExporterMetrics } from "./node-exporter.ts";
import { plueServiceMetrics } from "./plue-services.ts";
import { postgresExporterMetrics } from "./postgres-exporter.ts";
import { prometheusMetrics } from "./prometheus.ts";
import { scrapeMetrics } from "./scrape.ts";
import type { CatalogMetric } from "./types.ts";

export const catalog: readonly CatalogMetric[] = [
  ...scrapeMetrics,
  ...kubeStateMetrics,
  ...cadvisorMetrics,
  ...kubeletMetrics,
  ...nodeExporterMetrics,
  ...blackboxExporterMetrics,
  ...postgresExporterMetrics,
  ...certManagerMetrics,
  ...plueServiceMetrics,
  ...prometheusMetrics,
  ...alertmanagerMetrics,
  ...configReloaderMetrics,
];

export { expandJobs, expressionProblems, readsOf } from "./promql.ts";
export type { CatalogMetric, MetricType, ProviderJob } from "./types.ts";
export { findMetric } from "./types.ts";
