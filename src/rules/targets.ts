// TargetDown: the targets of a scrape job stopped answering. Its severity is what goes blind: a job
// whose metrics some alert reads is critical, since while its targets are down those alerts cannot
// fire for what they watch (kube-state-metrics down silences every pod, deployment and node alert);
// any other job only leaves dashboards with gaps, a warning.
//
// Which alerts read from which job is not written down here but computed from the built rules, so a
// new alert or job is accounted for by itself: each selector's metric and `job` matcher (or, without
// one, the jobs the catalog says provide the metric). Series Prometheus writes itself (`up`) are not
// fed by a target: ServiceDown and AlertmanagerClusterDown fire precisely when their targets are down.
// A selector that can only silence its alert (under `unless`, or in absent()) does not count either:
// without it the alert fires more, not less.
import { catalog, catalogOf, expandJobs, type MetricEntry, readsOf } from "../catalog/index.ts";
import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import { scrapeMetrics } from "../catalog/scrape.ts";
import { findMetric } from "../catalog/types.ts";
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import type { Timing } from "./timing.ts";
import { type AlertRule, isAlertRule, type RuleGroup } from "./types.ts";

const WRITTEN_BY_PROMETHEUS: ReadonlySet<string> = new Set(scrapeMetrics.map((metric) => metric.name));

/**
 * Each scrape job whose metrics some alert reads, with those alerts (each once, in rule order). An
 * alert reading a recorded series reads what the recording rule reads.
 */
export function alertsByJob(
  groups: readonly RuleGroup[],
  metrics: readonly MetricEntry[] = catalog,
): Map<string, string[]> {
  const recordings = new Map<string, string[]>();
  for (const rule of groups.flatMap((group) => group.rules)) {
    if (!isAlertRule(rule)) recordings.set(rule.record, [...(recordings.get(rule.record) ?? []), rule.expr]);
  }
  // The jobs behind each recorded name, worked out once: many rules record one name (one per SLO),
  // and chains of records would otherwise be followed once per path, exponentially.
  const recordedJobs = new Map<string, readonly string[]>();
  const jobsOfRecord = (metric: string, sources: readonly string[]): readonly string[] => {
    const known = recordedJobs.get(metric);
    if (known) return known;
    recordedJobs.set(metric, []); // a cycle of records reads nothing more
    const jobs = [...new Set(sources.flatMap((source) => jobsRead(source)))];
    recordedJobs.set(metric, jobs);
    return jobs;
  };
  const jobsRead = (expr: string): string[] =>
    readsOf(expr).selectors.flatMap((selector) => {
      const metric = selector.metric;
      if (!metric || selector.guard || WRITTEN_BY_PROMETHEUS.has(metric)) return [];
      const recorded = recordings.get(metric);
      if (recorded) return [...jobsOfRecord(metric, recorded)];
      return selector.jobs ?? [...expandJobs(findMetric(metrics, metric)?.jobs ?? [], PLUE_SERVICES)];
    });
  const byJob = new Map<string, string[]>();
  for (const rule of groups.flatMap((group) => group.rules).filter(isAlertRule)) {
    for (const job of jobsRead(rule.expr)) {
      const alerts = byJob.get(job) ?? [];
      if (!alerts.includes(rule.alert)) alerts.push(rule.alert);
      byJob.set(job, alerts);
    }
  }
  return byJob;
}

/**
 * TargetDown for every job: one critical rule per job that feeds alerts, naming them, and one warning
 * rule for every other job (any job prometheus.yml may gain included). `watched` are the other
 * groups, whose alerts the jobs feed.
 */
export function targetRules(config: StackConfig, timing: Timing, watched: readonly RuleGroup[]): RuleGroup {
  const fed = alertsByJob(watched, catalogOf(config));
  const critical = [...fed.keys()].sort();
  // A target counts as down when it answered fewer than half its scrapes over 5 minutes: a flapping
  // one counts, a single missed scrape does not. The share of a job's targets down (per namespace and
  // Service where the job has them) must reach half: one replica of many down is not an outage, a
  // job's only target down is. A rollout replaces targets one by one, and a new pod may take a minute
  // or two before it answers; the 15-minute `for` rides that out. Locally the window keeps four scrapes
  // of the slowest job (postgres-exporter's), whichever job it reads.
  const shareDown = (selector: string) => promql`
    avg by (job, namespace, service) (
      avg_over_time(up{${selector}}[${timing.anyJobWindow("5m")}]) < bool 0.5
    ) >= 0.5`;
  const targets =
    "the targets of {{ $labels.job }}{{ with $labels.namespace }} in {{ . }}{{ end }}{{ with $labels.service }} (Service {{ . }}){{ end }}";
  const down = `{{ $value | humanizePercentage }} of ${targets} have answered fewer than half their scrapes over the last 5 minutes, for 15 minutes now.`;
  const rule = (selector: string, severity: "critical" | "warning", consequence: string): AlertRule =>
    alertRule(config, {
      name: "TargetDown",
      expr: shareDown(selector),
      for: timing.duration("15m"),
      severity,
      summary: "{{ $value | humanizePercentage }} of the {{ $labels.job }} targets are down",
      description: `${down} ${consequence}`,
    });
  return {
    name: "targets",
    rules: [
      ...critical.map((job) =>
        rule(
          `job="${job}"`,
          "critical",
          `Until they answer, these alerts cannot fire for what they watch: ${(fed.get(job) ?? []).join(", ")}.`,
        ),
      ),
      rule(
        critical.length > 0 ? `job!~"${critical.join("|")}"` : 'job!=""',
        "warning",
        "No alert reads their metrics: dashboards show gaps until they answer.",
      ),
    ],
  };
}
