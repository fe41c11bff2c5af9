// The metric catalog: every metric a rule or dashboard reads, with the labels it relies on and the
// scrape job that provides it. A rule reading anything else is a bug (a test enforces it).
export type MetricType = "counter" | "gauge" | "histogram" | "summary";

/** Scrape jobs of DESIGN.md "Target labels"; `plue` stands for the api, web and electric jobs. */
export type ProviderJob =
  | "apiserver"
  | "kubelet"
  | "cadvisor"
  | "kube-state-metrics"
  | "node-exporter"
  | "blackbox"
  | "postgres-exporter"
  | "plue"
  | "kubernetes-pods"
  | "prometheus"
  | "alertmanager"
  | "config-reloader"
  | "grafana";

export interface CatalogMetric {
  /** The exposed name; for histograms the base name (rules read _bucket, _count, _sum). */
  name: string;
  type: MetricType;
  /** Labels the stack's rules and dashboards use, as the exporter (after relabeling) attaches them. */
  labels: readonly string[];
  /** Jobs that provide it. */
  jobs: readonly ProviderJob[];
  help: string;
  /**
   * "on-condition": the exporter emits the metric only while what it reports holds (a container
   * waiting, a failed job), so a healthy cluster has no series of it. Unset: always present.
   */
  presence?: "on-condition";
}

/** A catalog entry of any origin: ours, or a team's (config.metrics), whose jobs are its scrape jobs. */
export type MetricEntry = Omit<CatalogMetric, "jobs"> & { jobs: readonly string[] };

const HISTOGRAM_SUFFIXES = ["_bucket", "_count", "_sum"];

/** The catalog entry behind a series name (http_..._bucket → the histogram). */
export function findMetric<Entry extends MetricEntry>(
  catalog: readonly Entry[],
  series: string,
): Entry | undefined {
  const exact = catalog.find((metric) => metric.name === series);
  if (exact) return exact;
  const suffix = HISTOGRAM_SUFFIXES.find((candidate) => series.endsWith(candidate));
  if (!suffix) return undefined;
  const base = series.slice(0, -suffix.length);
  return catalog.find(
    (metric) => metric.name === base && (metric.type === "histogram" || metric.type === "summary"),
  );
}
