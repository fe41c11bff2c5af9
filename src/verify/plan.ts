// What `verify` expects of a live deployment, worked out from the config alone: each alert and the
// series it reads (with the labels it groups, joins or templates on, and the jobs that provide them),
// the recording rules behind recorded series, every rule group with its rule count, the scrape jobs
// and the Alertmanager receivers. Nothing here is written down by hand: it comes from the rule files,
// the metric catalog and the scrape jobs that `synth` writes, so a new alert is checked by itself.
import { alertmanagerConfig } from "../alertmanager/index.ts";
import { catalogOf, expandJobs, findMetric, readsOf } from "../catalog/index.ts";
import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import { groupingLabelsOf, type LabelMatcher } from "../catalog/promql.ts";
import { scrapeMetrics } from "../catalog/scrape.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";
import { jobSpecs, scrapeConfigs } from "../prometheus/index.ts";
import { ruleFiles } from "../rules/index.ts";
import { type AlertRule, isAlertRule, type RecordingRule } from "../rules/types.ts";

/** One series an expression needs: without it, or without one of its labels, the alert is blind. */
export interface SeriesNeed {
  /** The metric or recorded series name. */
  metric: string;
  /** The selector as written in the rule. */
  selector: string;
  /**
   * The instant query that finds its series, by job: the selector's name and job matchers only. A
   * matcher on another label's value (status=~"5..") selects what the condition is about, and may
   * rightly match nothing while all is well.
   */
  query: string;
  /** Labels its series must carry: matched on, grouped or joined on, or named in annotations. */
  labels: string[];
  /** Jobs that should provide it; empty for a recorded series or a metric the catalog lacks. */
  jobs: string[];
  /** A series recorded by one of our recording rules. */
  recorded: boolean;
  /** The exporter emits it only while the condition it reports holds. */
  onCondition: boolean;
  /** The metric is in neither the catalog nor our recording rules. */
  uncatalogued: boolean;
}

export interface AlertPlan {
  alert: string;
  /** The alert's name, told apart from same-named rules by its group or the job it watches. */
  title: string;
  group: string;
  severity: string | undefined;
  needs: SeriesNeed[];
}

export interface GroupPlan {
  name: string;
  file: string;
  rules: number;
}

export interface JobPlan {
  job: string;
  /** Zero targets is normal (annotated pods: there may be none). */
  optional: boolean;
}

export interface VerifyPlan {
  deployment: Deployment["kind"];
  alerts: AlertPlan[];
  /** The needs of each recording rule, by the name it records (several rules may record one name). */
  recordings: Map<string, SeriesNeed[]>;
  groups: GroupPlan[];
  /** The jobs prometheus.yml scrapes in this deployment. */
  jobs: JobPlan[];
  /** Jobs the config declares that this deployment does not scrape (the local stack runs no sidecars). */
  unscrapedJobs: string[];
  receivers: string[];
}

const TEMPLATED_LABEL = /\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g;

/** {{ with $labels.x }} or {{ if $labels.x }}: the text copes without the label. */
const OPTIONAL_LABEL = /\{\{-?\s*(?:with|if)\s+\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g;

/** Labels an alert's annotations print unconditionally, as {{ $labels.x }}. */
function templatedLabels(annotations: Record<string, string>): string[] {
  const texts = Object.values(annotations);
  const named = (pattern: RegExp) =>
    texts.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1] as string));
  const optional = new Set(named(OPTIONAL_LABEL));
  return [...new Set(named(TEMPLATED_LABEL))].filter((label) => !optional.has(label));
}

/** Series Prometheus writes for every target (up, scrape_*): their labels are each job's own. */
const WRITTEN_BY_PROMETHEUS: ReadonlySet<string> = new Set(scrapeMetrics.map((metric) => metric.name));

/** Whether a job name passes every job matcher of a selector. */
function jobMatches(job: string, matchers: readonly LabelMatcher[]): boolean {
  return matchers
    .filter((matcher) => matcher.label === "job")
    .every((matcher) => {
      const regex = () => new RegExp(`^(?:${matcher.value})$`).test(job);
      if (matcher.op === "=") return job === matcher.value;
      if (matcher.op === "!=") return job !== matcher.value;
      return matcher.op === "=~" ? regex() : !regex();
    });
}

/** What tells same-named rules apart: their group, or else the job the first selector watches. */
function qualifier(rule: AlertRule, group: string, groupHasTwins: boolean): string {
  if (!groupHasTwins) return group;
  const job = readsOf(rule.expr).selectors[0]?.matchers.find((m) => m.label === "job");
  if (job) return job.op === "=" ? job.value : "other jobs";
  return `${group}, ${rule.labels.severity ?? "no severity"}`;
}

/** Whether a matcher requires its label to be there: it cannot be satisfied by an empty value. */
function requiresLabel(matcher: LabelMatcher): boolean {
  if (matcher.label === "__name__") return false;
  if (matcher.op === "=") return matcher.value !== "";
  if (matcher.op === "=~") return !new RegExp(`^(?:${matcher.value})$`).test("");
  return false;
}

const quote = (value: string) => JSON.stringify(value);

/** {__name__="m", job=~"a|b"}: the selector reduced to what identifies its series. */
function presenceQuery(metric: string, matchers: readonly LabelMatcher[]): string {
  const job = matchers.filter((m) => m.label === "job").map((m) => `job${m.op}${quote(m.value)}`);
  return `{${[`__name__=${quote(metric)}`, ...job].join(", ")}}`;
}

export function verifyPlan(config: StackConfig, deployment: Deployment): VerifyPlan {
  const metrics = catalogOf(config);
  const specs = jobSpecs(config, deployment);
  // The catalog names every job that may provide a metric; this config declares some of them
  // (Grafana's is not scraped locally, a team's jobs only with their config).
  const declared = new Set(specs.map((spec) => spec.job));
  const files = ruleFiles(config);
  const recordingRules: RecordingRule[] = files
    .flatMap((file) => file.groups)
    .flatMap((group) => group.rules)
    .filter((rule): rule is RecordingRule => !isAlertRule(rule));
  const recordedNames = new Set(recordingRules.map((rule) => rule.record));

  const needsOf = (expr: string, extraLabels: readonly string[]): SeriesNeed[] => {
    const { selectors } = readsOf(expr);
    const grouping = groupingLabelsOf(expr);
    return selectors.flatMap((selector, index) => {
      const metric = selector.metric;
      if (!metric || selector.guard) return [];
      const recorded = recordedNames.has(metric);
      const entry = recorded ? undefined : findMetric(metrics, metric);
      const wanted = [...(grouping[index] ?? []), ...extraLabels];
      // A grouping label counts against this selector when its metric carries it: in a join, the
      // label may come from the other side.
      const fromGrouping =
        entry && !WRITTEN_BY_PROMETHEUS.has(metric)
          ? wanted.filter((label) => entry.labels.includes(label))
          : [];
      const fromMatchers = selector.matchers.filter(requiresLabel).map((m) => m.label);
      const providers = entry ? [...expandJobs(entry.jobs, PLUE_SERVICES)] : [];
      return [
        {
          metric,
          selector: selector.text,
          query: presenceQuery(metric, selector.matchers),
          labels: [...new Set([...fromMatchers, ...fromGrouping])].filter((label) => label !== "job"),
          jobs: providers.filter((job) => declared.has(job) && jobMatches(job, selector.matchers)),
          recorded,
          onCondition: entry?.presence === "on-condition",
          uncatalogued: !recorded && !entry,
        },
      ];
    });
  };

  const recordings = new Map<string, SeriesNeed[]>();
  for (const rule of recordingRules) {
    recordings.set(rule.record, [...(recordings.get(rule.record) ?? []), ...needsOf(rule.expr, [])]);
  }

  const alerts: AlertPlan[] = [];
  const groups: GroupPlan[] = [];
  for (const file of files) {
    for (const group of file.groups) {
      groups.push({ name: group.name, file: file.name, rules: group.rules.length });
      for (const rule of group.rules.filter(isAlertRule)) {
        const named = (candidates: readonly (AlertRule | RecordingRule)[]) =>
          candidates.filter((other) => isAlertRule(other) && other.alert === rule.alert).length;
        const twinsInGroup = named(group.rules) > 1;
        const twins = named(files.flatMap((f) => f.groups).flatMap((g) => g.rules)) > 1;
        alerts.push({
          alert: rule.alert,
          title: twins ? `${rule.alert} (${qualifier(rule, group.name, twinsInGroup)})` : rule.alert,
          group: group.name,
          severity: rule.labels.severity,
          needs: dedupe(needsOf(rule.expr, templatedLabels(rule.annotations))),
        });
      }
    }
  }

  const scraped = new Set(scrapeConfigs(config, deployment).map((job) => job.job_name));
  return {
    deployment: deployment.kind,
    alerts,
    recordings,
    groups,
    jobs: specs
      .filter((spec) => scraped.has(spec.job))
      .map((spec) => ({ job: spec.job, optional: spec.targets.kind === "annotated-pods" })),
    unscrapedJobs: specs.filter((spec) => !scraped.has(spec.job)).map((spec) => spec.job),
    receivers: alertmanagerConfig(config, deployment).receivers.map((receiver) => receiver.name),
  };
}

/** One need per query and label set: an alert may read a series in several places. */
function dedupe(needs: SeriesNeed[]): SeriesNeed[] {
  const byQuery = new Map<string, SeriesNeed>();
  for (const need of needs) {
    const known = byQuery.get(need.query);
    byQuery.set(
      need.query,
      known ? { ...known, labels: [...new Set([...known.labels, ...need.labels])] } : need,
    );
  }
  return [...byQuery.values()];
}
