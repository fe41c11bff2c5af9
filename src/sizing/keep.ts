// What the synthesized stack keeps of each infrastructure job, read from its outputs rather than from
// the config: the job's metric_relabel_configs in prometheus.yml, and kube-state-metrics'
// --metric-allowlist. Whatever builds those, the sizing and the bench follow it.
import type { StackConfig } from "../config/schema.ts";
import { cluster } from "../deployment.ts";
import { kubeStateMetrics } from "../kubernetes/kube-state-metrics.ts";
import { scrapeConfigs } from "../prometheus/index.ts";
import type { RelabelConfig } from "../prometheus/types.ts";

/** Decides, by metric name alone, whether a series survives. */
export type NameFilter = (name: string) => boolean;

const keepAll: NameFilter = () => true;

/**
 * A job's metric_relabel_configs as a filter on the metric name. Only keep and drop on `__name__`
 * can be judged by name; any other rule is refused, so a change in the keep-lists' shape shows up
 * here instead of as a wrong estimate. Prometheus anchors the regex at both ends.
 */
export function relabelNameFilter(rules: readonly RelabelConfig[] | undefined): NameFilter {
  if (!rules || rules.length === 0) return keepAll;
  const steps = rules.map((rule) => {
    const action = rule.action ?? "replace";
    const onName = rule.source_labels?.length === 1 && rule.source_labels[0] === "__name__";
    if ((action !== "keep" && action !== "drop") || !onName) {
      throw new Error(
        `cannot size a metric relabel rule that is not keep/drop on __name__: ${JSON.stringify(rule)}`,
      );
    }
    const regex = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    return { keep: action === "keep", regex };
  });
  return (name) => steps.every(({ keep, regex }) => regex.test(name) === keep);
}

/**
 * kube-state-metrics' --metric-allowlist as a filter: a family is built when any entry matches it
 * unanchored (kubernetes/kube-state-metrics pkg/allowdenylist/allowdenylist.go@v2.20.0).
 */
export function allowlistFilter(allowlist: string | undefined): NameFilter {
  if (allowlist === undefined) return keepAll;
  const entries = allowlist.split(",").map((entry) => new RegExp(entry));
  return (name) => entries.some((entry) => entry.test(name));
}

/** The value of a container's `--flag=value` argument, if present. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const prefix = `--${flag}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** kube-state-metrics' --metric-allowlist as the manifests pass it, or undefined without one. */
export function kubeStateMetricsAllowlist(config: StackConfig): string | undefined {
  for (const object of kubeStateMetrics(config)) {
    if (object.kind !== "Deployment") continue;
    const containers = (object as { spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } } })
      .spec?.template?.spec?.containers;
    for (const container of containers ?? []) {
      const value = flagValue(container.args ?? [], "metric-allowlist");
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

export interface JobKeep {
  /** Whether the cluster's prometheus.yml scrapes this job at all. */
  scraped: boolean;
  /** The job's metric_relabel_configs, as written. */
  rules: RelabelConfig[];
  /** What Prometheus stores of what the exporter serves. */
  stored: NameFilter;
  /** What the exporter serves of its families (kube-state-metrics' allowlist; everything elsewhere). */
  served: NameFilter;
}

/** For each job name, what the cluster's synthesized config keeps of it. */
export function jobKeeps<Job extends string>(
  config: StackConfig,
  jobs: readonly Job[],
): Record<Job, JobKeep> {
  const configs = scrapeConfigs(config, cluster);
  const allowlist = allowlistFilter(kubeStateMetricsAllowlist(config));
  return Object.fromEntries(
    jobs.map((job): [Job, JobKeep] => {
      const scrape = configs.find((candidate) => candidate.job_name === job);
      const rules = scrape?.metric_relabel_configs ?? [];
      return [
        job,
        {
          scraped: scrape !== undefined,
          rules,
          stored: relabelNameFilter(rules),
          served: job === "kube-state-metrics" ? allowlist : keepAll,
        },
      ];
    }),
  ) as Record<Job, JobKeep>;
}
