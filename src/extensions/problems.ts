// A team's extensions are held to what the built-ins are held to, before anything is written: every
// expression loads in Prometheus, every metric it reads is in the catalog (ours or declared under
// `metrics`) and comes from a job prometheus.yml scrapes, names do not shadow ours, and dashboards
// provision. Each problem names the key, the alert, rule or panel, and what is accepted.
import { parser } from "@prometheus-io/lezer-promql";
import { closest, distance } from "fastest-levenshtein";
import { catalog, catalogOf, expandJobs, findMetric, type MetricEntry, readsOf } from "../catalog/index.ts";
import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import { promqlErrors } from "../catalog/promql-check.ts";
import type { ConfigProblem } from "../config/errors.ts";
import { yamlTextProblem } from "../config/extensions.ts";
import type { StackConfig } from "../config/schema.ts";
import { dashboards, queriesOfDashboard } from "../dashboards/index.ts";
import { cluster } from "../deployment.ts";
import { dashboardConfigMapName } from "../kubernetes/grafana.ts";
import { jobSpecs } from "../prometheus/index.ts";
import { promqlFindings, unquotePromqlString } from "../prometheus/v3-compat.ts";
import { toYaml } from "../render.ts";
import { ALERT_NAMES } from "../rules/index.ts";
import { recordingRules } from "../rules/recording.ts";
import { clusterTiming } from "../rules/timing.ts";
import { isAlertRule, type RuleGroup } from "../rules/types.ts";
import { sloProblems, sloRuleGroups } from "../slo/index.ts";
import { customDashboards } from "./dashboards.ts";
import { customAlertGroup, customRecordingGroup } from "./rules.ts";

/** Namespaces Kubernetes owns; the stack's scrape NetworkPolicy for one would select all its pods. */
const SYSTEM_NAMESPACE = /^kube-/;

/** What the checks compare against, computed once per config. */
interface Context {
  config: StackConfig;
  catalog: readonly MetricEntry[];
  /** Jobs prometheus.yml scrapes in the cluster, the team's included. */
  scraped: ReadonlySet<string>;
  /** Series recorded by any rule, ours or the team's (computed when first needed). */
  readonly recorded: ReadonlySet<string>;
  source: (key: string) => string;
}

function suggest(name: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const best = closest(name, candidates as string[]);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 4)) ? `; did you mean ${best}?` : "";
}

/** The series a catalog entry stands for: a histogram's or summary's under their suffixes too. */
function seriesNames(metric: MetricEntry): string[] {
  if (metric.type === "histogram")
    return [metric.name, ...["_bucket", "_count", "_sum"].map((s) => metric.name + s)];
  if (metric.type === "summary") return [metric.name, `${metric.name}_count`, `${metric.name}_sum`];
  return [metric.name];
}

/** user:password@ in a URL anywhere in a text, as showValue hides it: up to the authority's last "@". */
const URL_CREDENTIALS = /\/\/[^/?#\s"]*@/g;

/** A text as a message may hold it: credentials in URLs hidden, and at most `max` characters. */
function clip(text: string, max = 200): string {
  const masked = text.replace(URL_CREDENTIALS, "//***@");
  return masked.length > max ? `${masked.slice(0, max)}… (${masked.length} characters)` : masked;
}

/** A problem at a key of a list entry: `alerts.2.expr`. What a user wrote is shown clipped, never a credential. */
function at(context: Context, key: string, shown: unknown, message: string): ConfigProblem {
  return {
    key,
    ...(shown === undefined ? {} : { shown: clip(JSON.stringify(shown)) }),
    message: clip(message, 1_000),
    source: context.source(key.split(".")[0] as string),
  };
}

/**
 * What is wrong with what an expression reads: it must load, and each metric must be in the catalog
 * or recorded, from a job that provides it and is scraped. Each message starts with `what`.
 */
export function readProblems(context: Context, what: string, expr: string, rule = true): string[] {
  const errors = promqlErrors(expr, { rule });
  if (errors.length === 0) errors.push(...portabilityProblems(expr));
  if (errors.length > 0) return errors.map((error) => `${what} does not parse: ${error}`);
  const problems: string[] = [];
  const known = [...context.catalog.flatMap(seriesNames), ...context.recorded];
  for (const selector of readsOf(expr).selectors) {
    const metric = selector.metric;
    if (!metric) {
      problems.push(`${what}: ${clip(selector.text)} selects no metric by name`);
      continue;
    }
    if (context.recorded.has(metric)) continue;
    const entry = findMetric(context.catalog, metric);
    if (!entry) {
      problems.push(
        `${what} reads ${clip(metric)}, which is in no exporter's catalog and no rule records it${suggest(metric, known)}; a team's own metric is declared under metrics`,
      );
      continue;
    }
    const providers = expandJobs(entry.jobs, PLUE_SERVICES);
    for (const job of selector.jobs ?? []) {
      if (!providers.has(job)) {
        problems.push(
          `${what}: ${clip(selector.text)} selects job "${clip(job)}", which does not provide ${entry.name} (${[...providers].join(", ")} do)`,
        );
      }
    }
    if (![...providers].some((job) => context.scraped.has(job))) {
      problems.push(
        `${what} reads ${entry.name}, which only ${[...providers].join(", ")} provide${providers.size === 1 ? "s" : ""}, and prometheus.yml scrapes none of them under this config`,
      );
    }
  }
  return problems;
}

function metricProblems(context: Context): ConfigProblem[] {
  const { config } = context;
  const ours = new Map(catalog.map((metric) => [metric.name, metric]));
  // What each series name already stands for: a rule reading it would find that, not the team's metric.
  const taken = new Map<string, string>();
  for (const metric of catalog) {
    for (const series of seriesNames(metric)) taken.set(series, `a series of the built-in ${metric.name}`);
  }
  for (const series of context.recorded) taken.set(series, "a series a recording rule writes");
  const problems: ConfigProblem[] = [];
  config.metrics.forEach((metric, index) => {
    const clash = seriesNames(metric).find((series) => taken.has(series));
    const builtIn = ours.get(metric.name);
    if (builtIn !== undefined && builtIn.type !== metric.type) {
      problems.push(
        at(
          context,
          `metrics.${index}.name`,
          metric.name,
          `is a ${builtIn.type} in the built-in catalog; declare it as a ${builtIn.type} to add jobs that export it too`,
        ),
      );
    } else if (builtIn !== undefined) {
      // Ours, exported by a team's job as well (a service with the HTTP histogram): its jobs join ours.
    } else if (config.metrics.findIndex((other) => other.name === metric.name) < index) {
      problems.push(at(context, `metrics.${index}.name`, metric.name, "is declared twice; keep one entry"));
    } else if (clash !== undefined) {
      problems.push(
        at(
          context,
          `metrics.${index}.name`,
          metric.name,
          `${clash === metric.name ? "is" : `makes the series ${clash}, which is`} ${taken.get(clash)}; choose another name`,
        ),
      );
    }
    for (const series of seriesNames(metric)) {
      if (!taken.has(series)) taken.set(series, `a series of metrics.${index} (${metric.name})`);
    }
    metric.jobs.forEach((job, jobIndex) => {
      if (context.scraped.has(job)) return;
      problems.push(
        at(
          context,
          `metrics.${index}.jobs.${jobIndex}`,
          job,
          `is no job prometheus.yml scrapes${suggest(job, [...context.scraped])}; accepted: a job of scrapeJobs or one of ${[...context.scraped].join(", ")}`,
        ),
      );
    });
  });
  return problems;
}

function scrapeJobProblems(context: Context): ConfigProblem[] {
  const { config } = context;
  const builtIn = jobSpecs({ ...config, scrapeJobs: [] }, cluster);
  // The catalog's jobs too, whether or not this config scrapes them: a team job named postgres-exporter
  // would pass for the exporter, and "plue" stands for api, web and electric.
  const reserved = new Set([...builtIn.map((spec) => spec.job), ...catalog.flatMap((metric) => metric.jobs)]);
  const problems: ConfigProblem[] = [];
  config.scrapeJobs.forEach((job, index) => {
    const key = (field: string) => `scrapeJobs.${index}.${field}`;
    if (reserved.has(job.name)) {
      problems.push(
        at(
          context,
          key("name"),
          job.name,
          `is the name of a built-in job; choose another (${[...reserved].sort().join(", ")} are built in)`,
        ),
      );
    } else if (config.scrapeJobs.findIndex((other) => other.name === job.name) < index) {
      problems.push(at(context, key("name"), job.name, "names two scrape jobs; job names are unique"));
    }
    if (job.namespace === config.namespace) {
      problems.push(
        at(
          context,
          key("namespace"),
          job.namespace,
          "is the stack's own namespace, whose NetworkPolicies admit only the stack's pods; run the service in its own namespace",
        ),
      );
    } else if (SYSTEM_NAMESPACE.test(job.namespace)) {
      problems.push(
        at(
          context,
          key("namespace"),
          job.namespace,
          "is a system namespace; the scrape NetworkPolicy for it would select every pod there and cut off their other ingress",
        ),
      );
    }
    const same = builtIn.find(
      ({ targets }) =>
        targets.kind === "service" &&
        targets.namespace === job.namespace &&
        targets.service === job.service &&
        targets.port === job.port,
    );
    if (same) {
      problems.push(
        at(
          context,
          key("service"),
          job.service,
          `on port ${job.port} is scraped already, by job ${same.job}`,
        ),
      );
    }
  });
  return problems;
}

function ruleProblems(context: Context): ConfigProblem[] {
  const { config } = context;
  const problems: ConfigProblem[] = [];
  const builtInAlerts = new Set<string>(ALERT_NAMES);
  config.alerts.forEach((alert, index) => {
    if (builtInAlerts.has(alert.name)) {
      problems.push(
        at(context, `alerts.${index}.name`, alert.name, "is a built-in alert's name; choose another"),
      );
    }
    for (const problem of readProblems(context, `alert ${alert.name}`, alert.expr)) {
      problems.push(at(context, `alerts.${index}.expr`, undefined, problem));
    }
  });
  const ownRecords = new Set(
    config.recordingRules.length > 0 ? recordedSeries({ ...config, recordingRules: [] }) : [],
  );
  const catalogued = new Set(context.catalog.map((metric) => metric.name));
  config.recordingRules.forEach((rule, index) => {
    if (ownRecords.has(rule.record) || catalogued.has(rule.record)) {
      problems.push(
        at(
          context,
          `recordingRules.${index}.record`,
          rule.record,
          "is a series the stack records or scrapes already; choose another name",
        ),
      );
    }
    for (const problem of readProblems(context, `rule ${rule.record}`, rule.expr)) {
      problems.push(at(context, `recordingRules.${index}.expr`, undefined, problem));
    }
  });
  return problems;
}

function dashboardProblems(context: Context): ConfigProblem[] {
  const { config } = context;
  const problems: ConfigProblem[] = [];
  const custom = customDashboards(config);
  if (custom.length === 0) return [];
  const ours = dashboards({ ...config, dashboards: [] });
  // Each dashboard's ConfigMap is named after its uid made a Kubernetes name (lowercase, '_' as '-').
  const mapOf = (uid: string) => dashboardConfigMapName(`${uid}.json`);
  custom.forEach((dashboard, index) => {
    const title = String(dashboard.json.title);
    const key = `dashboards.${index}`;
    const uidTaken =
      ours.some((other) => other.uid === dashboard.uid) ||
      custom.findIndex((other) => other.uid === dashboard.uid) < index;
    const sameMap = [...ours, ...custom.slice(0, index)].find(
      (other) => mapOf(other.uid) === mapOf(dashboard.uid),
    );
    if (uidTaken) {
      problems.push(
        at(context, `${key}.uid`, dashboard.uid, "is another dashboard's uid; each dashboard needs its own"),
      );
    } else if (sameMap) {
      problems.push(
        at(
          context,
          `${key}.uid`,
          dashboard.uid,
          `names the same ConfigMap (${mapOf(dashboard.uid)}) as the uid ${sameMap.uid}: uids must differ in more than case and '_' or '-'`,
        ),
      );
    }
    const bytes = sizeInConfigMap(`${JSON.stringify(dashboard.json, null, 2)}\n`);
    if (bytes > CONFIGMAP_DATA_BYTES) {
      problems.push(
        at(
          context,
          key,
          undefined,
          `dashboard "${clip(title)}" takes ${kib(bytes)} in its ConfigMap, which holds at most ${kib(CONFIGMAP_DATA_BYTES)} (Kubernetes keeps an object to 1 MiB); split it or shorten it`,
        ),
      );
    }
    // Grafana refuses to provision two dashboards of one title into one folder.
    const titleTaken =
      ours.some((other) => other.json.title === title) ||
      custom.findIndex((other) => other.json.title === title) < index;
    if (titleTaken) {
      problems.push(
        at(
          context,
          `${key}.title`,
          title,
          "is another dashboard's title; Grafana needs titles unique in a folder",
        ),
      );
    }
    let queries: ReturnType<typeof queriesOfDashboard>;
    try {
      queries = queriesOfDashboard(dashboard.json, config);
    } catch (error) {
      problems.push(
        at(
          context,
          key,
          undefined,
          `dashboard "${clip(title)}": ${(error as Error).message}; give each variable a current value`,
        ),
      );
      return;
    }
    for (const query of queries) {
      const what = `dashboard "${clip(title)}", ${query.source.startsWith("variable ") ? clip(query.source) : `panel "${clip(String(query.source))}"`}`;
      for (const problem of readProblems(context, what, query.expr, false)) {
        problems.push(at(context, key, undefined, problem));
      }
    }
  });
  return problems;
}

const MAX_SELECTOR = 1_000;

/** The ratio SLOs' selectors: each one counter selector that the catalog has, from a scraped job. */
function sloSelectorProblems(context: Context): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  context.config.slos.forEach((slo, index) => {
    if (slo.indicator.kind !== "ratio") return;
    for (const field of ["errors", "total"] as const) {
      const selector = slo.indicator[field];
      const key = `slos.${index}.indicator.${field}`;
      if (selector.length > MAX_SELECTOR) {
        problems.push(
          at(
            context,
            key,
            selector,
            `a vector selector of at most ${MAX_SELECTOR} characters: every SLO rule and panel repeats it`,
          ),
        );
        continue;
      }
      const reads = readsOf(selector);
      const whole = reads.selectors.length === 1 && reads.selectors[0]?.text === selector.trim();
      if (reads.syntaxErrors.length > 0 || !whole) {
        problems.push(
          at(
            context,
            key,
            selector,
            'a single vector selector of a counter (worker_jobs_total{outcome="failed"})',
          ),
        );
        continue;
      }
      const what = `SLO ${slo.service}/${slo.name ?? slo.indicator.kind} ${field}`;
      for (const problem of readProblems(context, what, `rate(${selector}[5m])`)) {
        problems.push(at(context, key, undefined, problem));
      }
      const entry = findMetric(context.catalog, reads.selectors[0]?.metric ?? "");
      if (entry && entry.type !== "counter" && !/_(count|bucket)$/.test(reads.selectors[0]?.metric ?? "")) {
        problems.push(
          at(
            context,
            key,
            selector,
            `reads ${entry.name}, a ${entry.type}; an SLO counts events with a counter`,
          ),
        );
      }
    }
  });
  return problems;
}

/**
 * The groups that record series: ours (src/rules/recording.ts), the SLOs' and the team's. The alert
 * groups record nothing (test/extensions holds this to every rule file), and building them all would
 * cost what TargetDown's severities cost: they read every alert through every recording.
 */
function recordingGroups(config: StackConfig): RuleGroup[] {
  const timing = clusterTiming(config);
  const custom = customRecordingGroup(config);
  return [...recordingRules(config, timing), ...sloRuleGroups(config, timing), ...(custom ? [custom] : [])];
}

/** Every series a rule of this config records. */
export function recordedSeries(config: StackConfig): string[] {
  return recordingGroups(config).flatMap((group) =>
    group.rules.flatMap((rule) => (isAlertRule(rule) ? [] : [rule.record])),
  );
}

/**
 * Kubernetes keeps an object to 1 MiB, its data written as JSON strings (escaped), with room left for
 * the object's metadata: every rule file goes into one ConfigMap, each dashboard into one of its own.
 */
const CONFIGMAP_DATA_BYTES = 1024 * 1024 - 16 * 1024;
const sizeInConfigMap = (text: string) => Buffer.byteLength(JSON.stringify(text));
const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;

/**
 * The team's alerts, recording rules and SLOs share Prometheus' rules ConfigMap with the built-in rules.
 * When they do not fit, the largest of them is named (the others' sizes said): it is the one to shorten.
 */
function ruleSizeProblems(context: Context): ConfigProblem[] {
  const { config } = context;
  if (config.alerts.length === 0 && config.recordingRules.length === 0 && config.slos.length === 0) return [];
  const timing = clusterTiming(config);
  const inFile = (groups: readonly (RuleGroup | undefined)[]) => {
    const present = groups.filter((group) => group !== undefined);
    return present.length === 0 ? 0 : sizeInConfigMap(toYaml({ groups: present }));
  };
  // TargetDown's description names every alert a job feeds: each team alert once per job it reads.
  const alertGroup = customAlertGroup(config);
  const recordingGroup = customRecordingGroup(config);
  const jobsRead = jobsReadThrough(context, [
    ...recordingRules(config, timing),
    ...(recordingGroup ? [recordingGroup] : []),
  ]);
  const named = config.alerts.reduce(
    (bytes, alert) => bytes + (alert.name.length + 2) * jobsRead(alert.expr).size,
    0,
  );
  const shares = {
    alerts: inFile([alertGroup]) + named,
    recordingRules: inFile([recordingGroup]),
    slos: inFile(sloRuleGroups(config, timing)) - inFile(sloRuleGroups({ ...config, slos: [] }, timing)),
  };
  const team = shares.alerts + shares.recordingRules + Math.max(0, shares.slos);
  if (team <= RULES_FOR_THE_TEAM) return [];
  const [largest] = (Object.entries(shares) as [keyof typeof shares, number][]).sort((a, b) => b[1] - a[1]);
  const [key] = largest as [keyof typeof shares, number];
  return [
    at(
      context,
      key,
      undefined,
      `the team's rules take ${kib(team)} of Prometheus' rules ConfigMap (alerts ${kib(shares.alerts)}, recordingRules ${kib(shares.recordingRules)}, slos ${kib(Math.max(0, shares.slos))}), which holds at most ${kib(RULES_FOR_THE_TEAM)} beside the built-in rules (Kubernetes keeps an object to 1 MiB); shorten ${key}`,
    ),
  ];
}

/**
 * The jobs an expression reads, a recorded series standing for what its rules read (each resolved
 * once: a chain of rules reading each other twice over would otherwise be followed exponentially).
 */
function jobsReadThrough(context: Context, groups: readonly RuleGroup[]): (expr: string) => Set<string> {
  const recordings = new Map<string, string[]>();
  for (const rule of groups.flatMap((group) => group.rules)) {
    if (!isAlertRule(rule)) recordings.set(rule.record, [...(recordings.get(rule.record) ?? []), rule.expr]);
  }
  const resolved = new Map<string, Set<string>>();
  const ofExpr = (expr: string): Set<string> => {
    const jobs = new Set<string>();
    for (const selector of readsOf(expr).selectors) {
      const metric = selector.metric;
      if (!metric || selector.guard) continue;
      const sources = recordings.get(metric);
      let read: Iterable<string>;
      if (sources) {
        if (!resolved.has(metric)) {
          resolved.set(metric, new Set());
          resolved.set(metric, new Set(sources.flatMap((source) => [...ofExpr(source)])));
        }
        read = resolved.get(metric) as Set<string>;
      } else {
        read = selector.jobs ?? expandJobs(findMetric(context.catalog, metric)?.jobs ?? [], PLUE_SERVICES);
      }
      for (const job of read) jobs.add(job);
    }
    return jobs;
  };
  return ofExpr;
}

/**
 * What the team's rules may take of the rules ConfigMap: the built-in rules take about 80 KiB, and
 * TargetDown gains a rule for each job an alert reads (their descriptions counted with the alerts).
 */
const RULES_FOR_THE_TEAM = CONFIGMAP_DATA_BYTES - 256 * 1024;

/** Every problem of the team's extensions under this config; [] when all of them hold. */
export function extensionProblems(
  config: StackConfig,
  sources: ReadonlyMap<string, string> = new Map(),
): ConfigProblem[] {
  let recorded: Set<string> | undefined;
  const context: Context = {
    config,
    catalog: catalogOf(config),
    scraped: new Set(jobSpecs(config, cluster).map((spec) => spec.job)),
    get recorded() {
      recorded ??= new Set(recordedSeries(config));
      return recorded;
    },
    source: (key) => sources.get(key) ?? "default",
  };
  return [
    ...metricProblems(context),
    ...scrapeJobProblems(context),
    ...ruleProblems(context),
    ...dashboardProblems(context),
    ...sloSelectorProblems(context),
    ...sloProblems(config).map((problem) => ({
      ...problem,
      ...(problem.shown === undefined ? {} : { shown: clip(problem.shown) }),
      message: clip(problem.message, 1_000),
      source: problem.source ?? context.source(problem.key.split(".")[0] as string),
    })),
    ...ruleSizeProblems(context),
  ];
}

// ---------------------------------------------------------------------------------------------
// What both Prometheus versions load. The expressions are checked with Prometheus 3's grammar
// (lezer-promql, promqlErrors above), which also parses what 3 added and 2.42 (the version tests run)
// refuses, and with JavaScript's regexes, which accept much that Go's RE2 refuses. A team's PromQL is
// held to the part of the language both load: what follows refuses the rest.

/** The functions of Prometheus 2.42 that 3.13 has without a feature flag (holt_winters is gone). */
const PORTABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  ...["abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh"],
  ...["avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh"],
  ...["count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg"],
  ...["delta", "deriv", "exp", "floor", "histogram_count", "histogram_fraction", "histogram_quantile"],
  ...["histogram_sum", "hour", "idelta", "increase", "irate", "label_join", "label_replace"],
  ...["last_over_time", "ln", "log10", "log2", "max_over_time", "min_over_time", "minute", "month"],
  ...["pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets"],
  ...["round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time"],
  ...["stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year"],
]);
const PORTABLE_AGGREGATIONS: ReadonlySet<string> = new Set([
  ...["avg", "bottomk", "count", "count_values", "group", "max", "min", "quantile", "stddev"],
  ...["stdvar", "sum", "topk"],
]);
/** A duration as 2.42 reads one: units largest first, no arithmetic, no bare number of seconds. */
const PORTABLE_DURATION = /^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
/** A number as 2.42 reads one: no '_' between digits, no 0b or 0o, no duration where a number belongs. */
const PORTABLE_NUMBER =
  /^[-+]?(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[iI][nN][fF]|[nN][aA][nN])$/;
/** Syntax Prometheus 3 added: quoted (UTF-8) names, duration arithmetic and functions, range modifiers. */
const PROMETHEUS_3_NODES: Readonly<Record<string, string>> = {
  QuotedLabelName: "a quoted name, which Prometheus 2.42 cannot parse",
  AnchoredExpr: "the anchored modifier, which Prometheus 2.42 lacks",
  SmoothedExpr: "the smoothed modifier, which Prometheus 2.42 lacks",
  DurationStep: "step() in a duration, which Prometheus 2.42 lacks",
};

/** Go's PromQL lexer: escapes of a quoted string, and the characters it reads outside strings. */
function lexicalProblems(expr: string): string[] {
  const problems: string[] = [];
  // Rules are YAML: what its readers refuse cannot be in an expression, even in a string or comment.
  const unsafe = yamlTextProblem(expr);
  if (unsafe) return [`${unsafe}, which the YAML readers of rule files refuse`];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] as string;
    if (c === "#") {
      const end = expr.indexOf("\n", i);
      i = end < 0 ? expr.length : end;
    } else if (c === "`") {
      const end = expr.indexOf("`", i + 1);
      i = end < 0 ? expr.length : end;
    } else if (c === '"' || c === "'") {
      for (i++; i < expr.length && expr[i] !== c; i++) {
        const inner = expr.charCodeAt(i);
        if (expr[i] === "\n") {
          problems.push(`a newline in the string at ${i}: write \\n`);
          break;
        }
        if (inner >= 0xd800 && inner <= 0xdfff) problems.push(`a character at ${i} that is not UTF-8`);
        if (expr[i] !== "\\") continue;
        const sequence = /^(?:[abfnrtv\\]|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(
          expr.slice(i + 1),
        )?.[0];
        const code = sequence && /^[0-7]/.test(sequence) ? Number.parseInt(sequence, 8) : undefined;
        const point = sequence && /^[uU]/.test(sequence) ? Number.parseInt(sequence.slice(1), 16) : undefined;
        if (expr[i + 1] === c) i++;
        else if (
          !sequence ||
          (code !== undefined && code > 255) ||
          (point !== undefined && (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)))
        ) {
          problems.push(
            `the escape ${JSON.stringify(expr.slice(i, i + 2))} at ${i}, which Go does not know (\\a \\b \\f \\n \\r \\t \\v \\\\ \\${c} \\NNN \\xHH \\uHHHH \\UHHHHHHHH)`,
          );
          break;
        } else i += sequence.length;
      }
    } else if (!/[\x20-\x7e\t\n\r]/.test(c)) {
      problems.push(
        `the character ${JSON.stringify(c)} at ${i}, which Prometheus reads nowhere outside a string`,
      );
    }
  }
  return problems;
}

/**
 * Why Go's regexp (RE2 syntax, as Prometheus anchors it: ^(?:re)$) would refuse a regex, or read it
 * otherwise than JavaScript does; undefined when both read it alike. Conservative: what it cannot tell
 * apart is refused, with the way to write it.
 */
export function re2Problem(regex: string): string | undefined {
  const PLAIN_ESCAPES = "dDsSwWnrtfv";
  /** The escape at i (after a backslash): its length, or a problem. */
  const escapeAt = (i: number, inClass: boolean): number | string => {
    const c = regex[i];
    if (c === undefined) return "ends in a lone \\";
    if (/^x[0-9a-fA-F]{2}/.test(regex.slice(i))) return 3;
    if (PLAIN_ESCAPES.includes(c) || (!inClass && (c === "b" || c === "B"))) return 1;
    if (/[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(c)) return 1;
    return `has the escape \\${c}, which Go's RE2 ${/[a-zA-Z0-9]/.test(c) ? "refuses or reads otherwise" : "refuses"} (escape punctuation, or use \\d \\s \\w \\b \\n \\t \\xHH)`;
  };
  const stack: { product: number }[] = [{ product: 1 }];
  let last = 1;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i] as string;
    const top = stack[stack.length - 1] as { product: number };
    if (c === "\\") {
      const length = escapeAt(i + 1, false);
      if (typeof length === "string") return length;
      i += length;
      last = 1;
    } else if (c === "[") {
      let j = i + 1;
      if (regex[j] === "^") j++;
      if (regex[j] === "]")
        return "has a class starting with ] ([]…] or [^]…]), which RE2 and JavaScript read differently: escape it as \\]";
      let members = 0;
      let previous: "char" | "class" | "range" | undefined;
      for (; j < regex.length && regex[j] !== "]"; j++) {
        const d = regex[j] as string;
        if (d === "[" && regex[j + 1] === ":")
          return "has [: in a class, a POSIX class to RE2 and plain characters to JavaScript: escape the [";
        if (d === "\\") {
          const length = escapeAt(j + 1, true);
          if (typeof length === "string") return length;
          previous = /[dDsSwW]/.test(regex[j + 1] as string) ? "class" : "char";
          j += length;
        } else if (
          d === "-" &&
          previous !== undefined &&
          regex[j + 1] !== "]" &&
          regex[j + 1] !== undefined
        ) {
          if (previous !== "char")
            return "has a range in a class from or to \\d, \\s or \\w, which RE2 refuses";
          const to = regex[j + 1] === "\\" ? escapeAt(j + 2, true) : 0;
          if (typeof to === "string") return to;
          if (regex[j + 1] === "\\" && /[dDsSwW]/.test(regex[j + 2] as string))
            return "has a range in a class from or to \\d, \\s or \\w, which RE2 refuses";
          j += 1 + to;
          previous = "range";
        } else previous = "char";
        members++;
      }
      if (j >= regex.length) return "has a [ without its ]";
      if (members === 0) return "has an empty class";
      i = j;
      last = 1;
    } else if (c === "(") {
      if (regex[i + 1] === "?") {
        if (regex[i + 2] !== ":")
          return "has a (? group other than (?:…) (a flag, a named group, lookaround), which RE2 lacks or JavaScript does";
        i += 2;
      }
      if (stack.length > 100) return "nests groups more than 100 deep";
      stack.push({ product: 1 });
    } else if (c === ")") {
      if (stack.length === 1) return "has a ) without its (";
      last = (stack.pop() as { product: number }).product;
      const parent = stack[stack.length - 1] as { product: number };
      parent.product = Math.max(parent.product, last);
    } else if (c === "{") {
      const repeat = /^\{(\d+)(?:(,)(\d*))?\}/.exec(regex.slice(i));
      if (!repeat) continue;
      const [text, low, comma, high] = repeat as unknown as [string, string, string?, string?];
      const max = comma === undefined ? Number(low) : high ? Number(high) : Number(low);
      if (Number(low) > 1000 || max > 1000)
        return "repeats more than 1000 times ({n,m} up to 1000), which RE2 refuses";
      if (high && Number(high) < Number(low)) return `has the repeat ${text}, whose bounds are out of order`;
      top.product = Math.max(top.product, last * Math.max(1, max));
      if (top.product > 100_000)
        return "nests repeats too large for RE2 (their counts multiplied over 100000)";
      i += text.length - 1;
    } else last = 1;
  }
  return stack.length > 1 ? "has a ( without its )" : undefined;
}

/**
 * Why Prometheus 2.42 or 3.13 would refuse an expression that Prometheus 3's grammar parses: [] when
 * both load it. Run once promqlErrors has none.
 */
export function portabilityProblems(expr: string): string[] {
  const problems = lexicalProblems(expr);
  if (problems.length > 0) return problems;
  // Loads in both, but finds nothing in 3: Prometheus 3 stores le="1" as le="1.0".
  const bucketText = promqlFindings(expr, {
    where: "",
    sampleIntervalMs: () => 1,
    evaluationIntervalMs: 1,
    minIntervalsPerWindow: 0,
  }).filter((finding) => finding.hazard === "bucket-label-value");
  problems.push(...bucketText.map((finding) => clip(finding.message, 400)));
  const text = (node: { from: number; to: number }) => expr.slice(node.from, node.to);
  parser.parse(expr).iterate({
    enter: (ref) => {
      const node = ref.node;
      const prometheus3 = PROMETHEUS_3_NODES[ref.name];
      if (prometheus3) problems.push(`${clip(text(node))}: ${prometheus3}`);
      else if (ref.name === "FunctionCall") {
        const name = text(node.getChild("FunctionIdentifier") ?? node);
        if (!PORTABLE_FUNCTIONS.has(name)) {
          problems.push(
            `${name}() is not a function of both Prometheus 2.42 and 3.13 (without a feature flag)${suggest(name, [...PORTABLE_FUNCTIONS])}`,
          );
        } else if (name === "label_replace") {
          const regex = node.getChild("FunctionCallBody")?.getChildren("StringLiteral")[3];
          const problem = regex && re2Problem(unquotePromqlString(text(regex)));
          if (problem)
            problems.push(
              `label_replace(…, ${clip(text(regex as { from: number; to: number }))}): the regex ${problem}`,
            );
        }
      } else if (ref.name === "AggregateExpr") {
        const name = text(node.getChild("AggregateOp") ?? node);
        if (!PORTABLE_AGGREGATIONS.has(name))
          problems.push(
            `${name} is not an aggregation of both Prometheus 2.42 and 3.13 (without a feature flag)`,
          );
      } else if (ref.name === "DurationExpr" || ref.name === "OffsetDurationExpr") {
        const duration = text(node).replace(/^-/, ref.name === "OffsetDurationExpr" ? "" : "-");
        const zero = /^[0ywdhms]+$/.test(duration) && ref.name === "DurationExpr";
        if (!PORTABLE_DURATION.test(duration) || zero) {
          problems.push(
            `[${clip(text(node))}] is not a duration Prometheus 2.42 reads: whole numbers with units, largest first (5m, 1h30m)${ref.name === "DurationExpr" ? ", greater than 0" : ""}`,
          );
        }
        if (ref.name === "OffsetDurationExpr") return false;
      } else if (ref.name === "MatrixSelector" && node.firstChild?.name !== "VectorSelector") {
        problems.push(`${clip(text(node))}: a range [..] must follow a selector (up[5m]) in Prometheus 2.42`);
      } else if (ref.name === "OffsetExpr" || ref.name === "StepInvariantExpr") {
        // Go's parser takes offset and @ after a selector or subquery only: not after a call or (…).
        let target = node.firstChild;
        while (target && (target.name === "OffsetExpr" || target.name === "StepInvariantExpr"))
          target = target.firstChild;
        if (!target || !["VectorSelector", "MatrixSelector", "SubqueryExpr"].includes(target.name)) {
          problems.push(
            `${clip(text(node))}: ${ref.name === "OffsetExpr" ? "offset" : "@"} must follow a selector or a subquery in Prometheus 2.42; move it into the call`,
          );
        }
      } else if (ref.name === "NumberDurationLiteral" && !PORTABLE_NUMBER.test(text(node))) {
        problems.push(`${clip(text(node))} is not a number Prometheus 2.42 reads`);
      }
      return undefined;
    },
  });
  for (const { text: selector, matchers } of readsOf(expr).selectors) {
    for (const { op, value } of matchers) {
      const problem = op === "=~" || op === "!~" ? re2Problem(value) : undefined;
      if (problem) problems.push(`${clip(selector)}: the regex ${clip(JSON.stringify(value))} ${problem}`);
    }
  }
  return problems;
}
