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
import type { CatalogMetric, MetricEntry } from "./types.ts";

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

/**
 * What a config's rules, panels and SLOs may read: our catalog, and the team's metrics
 * (config.metrics). A team entry for one of our metrics (same type) adds its jobs and labels to ours:
 * a team's service exporting the HTTP histogram is read like api's.
 */
export function catalogOf(config: { metrics: readonly MetricEntry[] }): readonly MetricEntry[] {
  const merged = new Map<string, MetricEntry>(catalog.map((metric) => [metric.name, metric]));
  for (const metric of config.metrics) {
    const ours = merged.get(metric.name);
    merged.set(
      metric.name,
      ours && ours.type === metric.type
        ? {
            ...ours,
            jobs: [...new Set([...ours.jobs, ...metric.jobs])],
            labels: [...new Set([...ours.labels, ...metric.labels])],
          }
        : (ours ?? metric),
    );
  }
  return [...merged.values()];
}

export { expandJobs, expressionProblems, readsOf } from "./promql.ts";
export type { CatalogMetric, MetricEntry, MetricType, ProviderJob } from "./types.ts";
export { findMetric } from "./types.ts";
