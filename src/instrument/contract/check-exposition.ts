// Holds one scraped exposition to the metric contract (src/catalog/plue-services.ts): each metric
// present with its type and labels, label values the rules can use, and bounded route cardinality.
// Extra labels (otel_scope_name, a service's own) and extra families (target_info) are fine. Where a
// near miss is found — a name without its unit suffix, the database metrics' older names — the
// finding says what to rename. Pure: families in, findings out.
import { DB_CONNECTION_STATES, plueServiceMetrics } from "../../catalog/plue-services.ts";
import type { CatalogMetric } from "../../catalog/types.ts";
import {
  DEFAULT_ROUTE_LIMIT,
  FOLDED_ROUTES,
  KNOWN_METHODS,
  OTHER_METHOD,
  OVERFLOW_ROUTE,
  SLOW_RESPONSE_SECONDS,
} from "../http-semantics.ts";
import type { MetricFamily, Sample } from "./parse-exposition.ts";

export type Verdict = "ok" | "fail" | "warn";

export interface Finding {
  verdict: Verdict;
  metric: string;
  message: string;
}

export interface CheckOptions {
  /** The contract; default: the Plue service metrics of the catalog. */
  contract?: readonly CatalogMetric[];
  /**
   * More distinct route templates than this is a warning (the fixed values for unmatched and
   * overflowed routes do not count). Default: DEFAULT_MAX_ROUTES.
   */
  maxRoutes?: number;
  /** Contract metrics not to check (a service without a database skips db_client_*). */
  skip?: (metric: string) => boolean;
}

/** The instrumentation's default route cap: a service within it passes without a warning. */
export const DEFAULT_MAX_ROUTES = DEFAULT_ROUTE_LIMIT;

/**
 * The threshold an alert compares a histogram's quantile with. A bucket bound exactly there makes the
 * comparison exact; without one it is interpolated between the neighbouring bounds (the OpenTelemetry
 * SDKs' default buckets have 1 and 2.5), which costs precision, not correctness. Only a histogram
 * whose bounds all lie below the threshold cannot fire the alert at all.
 */
const ALERT_THRESHOLDS: Readonly<Record<string, { seconds: number; alert: string }>> = {
  http_server_request_duration_seconds: { seconds: SLOW_RESPONSE_SECONDS, alert: "SlowResponseTime" },
};

/** Names the database-pool metrics and labels had in older conventions, or in none. */
const BEFORE_1_26 = "the name in semantic-conventions 1.25 and earlier";
const IN_1_26 = "the name in semantic-conventions 1.26";
const FORMER_METRIC_NAMES: Readonly<Record<string, readonly { name: string; why: string }[]>> = {
  db_client_connection_count: [{ name: "db_client_connections_usage", why: BEFORE_1_26 }],
  db_client_connection_max: [{ name: "db_client_connections_max", why: BEFORE_1_26 }],
  db_client_connection_timeouts_total: [
    { name: "db_client_connections_timeouts_total", why: BEFORE_1_26 },
    {
      name: "db_client_connection_errors_total",
      why: "which no OpenTelemetry convention defines; count the pool checkouts that timed out instead",
    },
  ],
};
const FORMER_LABEL_NAMES: Readonly<Record<string, readonly { name: string; why: string }[]>> = {
  db_client_connection_state: [
    { name: "state", why: BEFORE_1_26 },
    { name: "db_client_connections_state", why: IN_1_26 },
  ],
  db_client_connection_pool_name: [
    { name: "pool_name", why: BEFORE_1_26 },
    { name: "db_client_connections_pool_name", why: IN_1_26 },
  ],
};

/** Unit suffixes the OpenTelemetry → Prometheus compatibility spec appends (a unit of `s` → `_seconds`). */
const UNIT_SUFFIXES = ["_seconds"] as const;

const HISTOGRAM_SUFFIXES = ["_bucket", "_count", "_sum"] as const;

export function checkExposition(
  families: ReadonlyMap<string, MetricFamily>,
  options: CheckOptions = {},
): Finding[] {
  const contract = options.contract ?? plueServiceMetrics;
  return contract
    .filter((metric) => !options.skip?.(metric.name))
    .flatMap((metric) => checkMetric(metric, families, options.maxRoutes ?? DEFAULT_MAX_ROUTES));
}

/** Whether findings leave the endpoint conforming: warnings do, failures do not. */
export function conforms(findings: readonly Finding[]): boolean {
  return findings.every((finding) => finding.verdict !== "fail");
}

function checkMetric(
  metric: CatalogMetric,
  families: ReadonlyMap<string, MetricFamily>,
  maxRoutes: number,
): Finding[] {
  const fail = (message: string): Finding => ({ verdict: "fail", metric: metric.name, message });
  const warn = (message: string): Finding => ({ verdict: "warn", metric: metric.name, message });
  const family = families.get(metric.name);
  if (!family) return [fail(`missing${missingHint(metric, families)}`)];
  if (family.type !== metric.type) {
    return [
      fail(
        family.typeDeclared
          ? `wrong type: ${family.type}, expected ${metric.type}`
          : `no TYPE line (untyped), expected "# TYPE ${metric.name} ${metric.type}"`,
      ),
    ];
  }
  if (family.samples.length === 0) {
    return [
      { verdict: "ok", metric: metric.name, message: `${metric.type}, no series yet` },
      warn("declared but no samples yet (labels not checked)"),
    ];
  }

  const findings: Finding[] = [];
  const series =
    metric.type === "histogram" ? histogramSeries(metric, family, findings) : plainSeries(family);
  for (const label of metric.labels) {
    const lacking = series.filter((labels) => !labels[label]);
    if (lacking.length > 0) {
      const former = FORMER_LABEL_NAMES[label]?.find(({ name }) =>
        lacking.some((labels) => labels[name] !== undefined),
      );
      const hint = former ? ` (found ${former.name}, ${former.why}: rename it ${label})` : "";
      findings.push(fail(`missing label ${label} on ${lacking.length} of ${series.length} series${hint}`));
    }
  }
  for (const label of metric.labels) {
    const values = new Set(series.flatMap((labels) => (labels[label] ? [labels[label]] : [])));
    if (values.size === 0) continue; // on no series at all: reported above as missing
    findings.push(
      ...checkLabelValues(label, values, maxRoutes).map(({ verdict, message }) => ({
        verdict,
        metric: metric.name,
        message,
      })),
    );
  }
  if (!findings.some((finding) => finding.verdict === "fail")) {
    const labels = metric.labels.length > 0 ? `, labels ${metric.labels.join(", ")}` : "";
    findings.unshift({
      verdict: "ok",
      metric: metric.name,
      message: `${metric.type}, ${series.length} series${labels}`,
    });
  }
  return findings;
}

/** Label sets of a counter's or gauge's samples. */
function plainSeries(family: MetricFamily): Record<string, string>[] {
  return family.samples.map((sample) => ({ ...sample.labels }));
}

/**
 * The series of a histogram (label sets without `le`), checking that each has a +Inf bucket,
 * _count and _sum, and that the bucket bounds serve the alert that reads it.
 */
function histogramSeries(
  metric: CatalogMetric,
  family: MetricFamily,
  findings: Finding[],
): Record<string, string>[] {
  const fail = (message: string) => findings.push({ verdict: "fail", metric: metric.name, message });
  const warn = (message: string) => findings.push({ verdict: "warn", metric: metric.name, message });
  const bySeries = new Map<string, { labels: Record<string, string>; parts: Set<string> }>();
  const bounds = new Set<number>();
  let bucketsWithoutLe = 0;
  let unsuffixed = 0;
  for (const sample of family.samples) {
    const suffix = HISTOGRAM_SUFFIXES.find((candidate) => sample.name === metric.name + candidate);
    if (!suffix) {
      unsuffixed++;
      continue;
    }
    const { le, ...labels } = sample.labels;
    const key = seriesKey(labels);
    const entry = bySeries.get(key) ?? { labels, parts: new Set<string>() };
    bySeries.set(key, entry);
    if (suffix !== "_bucket") {
      entry.parts.add(suffix);
    } else if (le === undefined) {
      bucketsWithoutLe++;
    } else {
      const bound = boundOf(sample);
      bounds.add(bound);
      if (bound === Infinity) entry.parts.add("+Inf");
    }
  }
  if (unsuffixed > 0) fail(`${unsuffixed} samples named ${metric.name} without _bucket, _count or _sum`);
  if (bucketsWithoutLe > 0) fail(`${bucketsWithoutLe} _bucket samples without an le label`);
  const all = [...bySeries.values()];
  for (const part of ["+Inf", "_count", "_sum"]) {
    const lacking = all.filter((entry) => !entry.parts.has(part)).length;
    const what = part === "+Inf" ? 'a le="+Inf" bucket' : part;
    if (lacking > 0) fail(`${lacking} of ${all.length} series lack ${what}`);
  }
  const threshold = ALERT_THRESHOLDS[metric.name];
  if (threshold && all.length > 0 && !bounds.has(threshold.seconds)) {
    const { seconds, alert } = threshold;
    const finite = [...bounds].filter(Number.isFinite).sort((a, b) => a - b);
    const below = finite.filter((bound) => bound < seconds).at(-1) ?? 0;
    const above = finite.find((bound) => bound > seconds);
    if (finite.length === 0) {
      // histogram_quantile needs two buckets: with +Inf alone it answers NaN.
      fail(`no finite bucket bound: p99 cannot be computed, so ${alert} (p99 > ${seconds}s) can never fire`);
    } else if (above === undefined) {
      // histogram_quantile never returns more than the highest finite bound.
      fail(
        `no bucket bound at or above ${seconds} (highest le="${below}"): p99 can never exceed ${below}s, ` +
          `so ${alert} (p99 > ${seconds}s) can never fire`,
      );
    } else {
      warn(
        `no bucket bound at ${seconds} (le="${seconds}"): ${alert} (p99 > ${seconds}s) interpolates between ` +
          `le="${below}" and le="${above}"; a bucket at ${seconds} would make that alert exact`,
      );
    }
  }
  return all.map((entry) => entry.labels);
}

function boundOf(sample: Sample): number {
  const le = sample.labels.le ?? "";
  return /^\+?inf$/i.test(le) ? Infinity : Number(le);
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Values of one label across the metric's series, judged by what the rules expect of them. */
function checkLabelValues(
  label: string,
  values: ReadonlySet<string>,
  maxRoutes: number,
): { verdict: Verdict; message: string }[] {
  const sorted = [...values].sort();
  switch (label) {
    case "http_route": {
      const findings: { verdict: Verdict; message: string }[] = [];
      const raw = sorted.filter(looksLikeRawPath);
      if (raw.length > 0) {
        findings.push({
          verdict: "fail",
          message:
            `http_route has ${raw.length} of ${values.size} values that look like raw URLs, not route ` +
            `templates (IDs or a query in the path): ${examples(raw)}`,
        });
      }
      const templates = sorted.filter((route) => !FOLDED_ROUTES.has(route));
      if (templates.length > maxRoutes) {
        findings.push({
          verdict: "warn",
          message: `http_route has ${templates.length} distinct route templates (more than ${maxRoutes}): ${examples(templates)}`,
        });
      }
      if (values.has(OVERFLOW_ROUTE)) {
        findings.push({
          verdict: "warn",
          message:
            `http_route "${OVERFLOW_ROUTE}" holds requests on routes beyond the instrumentation's route cap ` +
            `(${templates.length} templates recorded): totals are right, per-route figures undercount`,
        });
      }
      return findings;
    }
    case "http_response_status_code": {
      const bad = sorted.filter((value) => !/^[1-5]\d\d$/.test(value));
      return bad.length > 0
        ? [
            {
              verdict: "fail",
              message: `http_response_status_code values that are not HTTP statuses: ${examples(bad)}`,
            },
          ]
        : [];
    }
    case "http_request_method": {
      const bad = sorted.filter((value) => !KNOWN_METHODS.has(value) && value !== OTHER_METHOD);
      return bad.length > 0
        ? [
            {
              verdict: "warn",
              message: `http_request_method values outside the standard methods and ${OTHER_METHOD}: ${examples(bad)}`,
            },
          ]
        : [];
    }
    case "db_client_connection_state": {
      const states: readonly string[] = DB_CONNECTION_STATES;
      const unknown = sorted.filter((value) => !states.includes(value));
      const absent = states.filter((value) => !values.has(value));
      const problems = [
        ...(unknown.length > 0 ? [`unexpected ${label} values ${examples(unknown)}`] : []),
        ...(absent.length > 0
          ? [`no series with ${label} ${absent.map((value) => `"${value}"`).join(" or ")}`]
          : []),
      ];
      return problems.map((message) => ({
        verdict: "fail",
        message: `${message} (expected "used" and "idle")`,
      }));
    }
    default:
      return [];
  }
}

/** A route value carrying a raw ID (number, UUID, long hex) in a path segment, or a query string. */
export function looksLikeRawPath(route: string): boolean {
  if (FOLDED_ROUTES.has(route)) return false;
  if (route.includes("?")) return true;
  return route.split("/").some(looksLikeId);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function looksLikeId(segment: string): boolean {
  return /^\d+$/.test(segment) || UUID.test(segment) || /^[0-9a-f]{16,}$/i.test(segment);
}

function examples(values: readonly string[], shown = 3): string {
  const listed = values.slice(0, shown).map((value) => JSON.stringify(value));
  return values.length > shown ? `${listed.join(", ")} … (${values.length - shown} more)` : listed.join(", ");
}

function missingHint(metric: CatalogMetric, families: ReadonlyMap<string, MetricFamily>): string {
  const suffixes = metric.type === "histogram" ? HISTOGRAM_SUFFIXES : [];
  const stray = suffixes.map((suffix) => metric.name + suffix).filter((name) => families.has(name));
  if (stray.length > 0) {
    return ` (found untyped ${stray.join(", ")}: is "# TYPE ${metric.name} ${metric.type}" missing?)`;
  }
  const unit = UNIT_SUFFIXES.find((suffix) => metric.name.endsWith(suffix));
  const withoutUnit = unit ? metric.name.slice(0, -unit.length) : undefined;
  if (withoutUnit && families.has(withoutUnit)) {
    return (
      ` (found ${withoutUnit}, without the unit suffix ${unit}: OpenTelemetry's JS Prometheus exporter ` +
      `leaves units out of names; rename the stream with a View, see docs/metrics-contract.md)`
    );
  }
  const former = FORMER_METRIC_NAMES[metric.name]?.find(({ name }) => families.has(name));
  if (former) return ` (found ${former.name}, ${former.why})`;
  return "";
}
