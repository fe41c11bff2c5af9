// Ingestion keep-lists: the infrastructure exporters expose thousands of series per node that no rule
// or panel of ours reads (cAdvisor alone 100–230 per container). For their jobs Prometheus keeps only
// the metric names the catalog lists for that job — the catalog holds exactly what rules, panels and
// SLOs read (test/catalog/catalog.test.ts holds it to that) — plus the team's declared metrics and
// ingestion.extraKeep. `up` and the other scrape_* series are written after metric relabeling, so
// target health survives whatever is kept.
import { catalogOf } from "../catalog/index.ts";
import { scrapeMetrics } from "../catalog/scrape.ts";
import type { MetricEntry } from "../catalog/types.ts";
import type { StackConfig } from "../config/schema.ts";
import type { RelabelConfig } from "./types.ts";

/** The jobs whose exporters expose far more than we read, and whose ingestion is cut to what we read. */
export const INFRASTRUCTURE_JOBS = [
  "apiserver",
  "kubelet",
  "cadvisor",
  "kube-state-metrics",
  "node-exporter",
] as const;
export type InfrastructureJob = (typeof INFRASTRUCTURE_JOBS)[number];

const SYNTHETIC = new Set(scrapeMetrics.map((metric) => metric.name));

/** The series names a catalog entry stands for: a histogram's or summary's are its suffixed ones. */
function seriesNames(metric: MetricEntry): string[] {
  switch (metric.type) {
    case "histogram":
      return ["_bucket", "_count", "_sum"].map((suffix) => metric.name + suffix);
    case "summary":
      return [metric.name, `${metric.name}_count`, `${metric.name}_sum`];
    default:
      return [metric.name];
  }
}

/**
 * The metric names kept from one infrastructure job, sorted; undefined when everything is kept
 * (ingestion.keep "all"). May be empty: nothing of the apiserver's /metrics is read, only its `up`.
 */
export function keptMetricNames(config: StackConfig, job: InfrastructureJob): string[] | undefined {
  if (config.ingestion.keep === "all") return undefined;
  const read = catalogOf(config)
    .filter((metric) => metric.jobs.includes(job) && !SYNTHETIC.has(metric.name))
    .flatMap(seriesNames);
  return [...new Set([...read, ...config.ingestion.extraKeep])].sort();
}

const isInfrastructureJob = (job: string): job is InfrastructureJob =>
  (INFRASTRUCTURE_JOBS as readonly string[]).includes(job);

/** A scrape config's metric_relabel_configs for a job: its keep-list, or nothing. */
export function ingestionRelabeling(config: StackConfig, job: string): RelabelConfig[] {
  if (!isInfrastructureJob(job)) return [];
  const kept = keptMetricNames(config, job);
  if (kept === undefined) return [];
  // Metric names hold no regex metacharacters ([a-zA-Z_:][a-zA-Z0-9_:]*): joined, they match exactly,
  // since Prometheus anchors relabeling regexes at both ends.
  if (kept.length === 0) return [{ source_labels: ["__name__"], regex: ".+", action: "drop" }];
  return [{ source_labels: ["__name__"], regex: kept.join("|"), action: "keep" }];
}

/**
 * kube-state-metrics' --metric-allowlist: the same names, so it never builds the families Prometheus
 * would drop. Its entries are unanchored ECMAScript regexes (kubernetes/kube-state-metrics
 * pkg/allowdenylist/allowdenylist.go@v2.20.0, dlclark/regexp2 MatchString), so each is anchored here.
 */
export function kubeStateMetricsAllowlist(config: StackConfig): string | undefined {
  const kept = keptMetricNames(config, "kube-state-metrics");
  if (kept === undefined) return undefined;
  return kept.map((name) => `^${name}$`).join(",");
}
