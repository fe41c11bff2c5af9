// Holds one scraped exposition to the metric contract (src/catalog/plue-services.ts): each metric
// present with its type and labels, label values the rules can use, and bounded route cardinality.
// Pure: families in, findings out.
import { plueServiceMetrics } from "../../catalog/plue-services.ts";
import type { CatalogMetric } from "../../catalog/types.ts";
import { KNOWN_METHODS, OTHER_METHOD, SLOW_RESPONSE_SECONDS, UNMATCHED_ROUTE } from "../http-semantics.ts";
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
  /** More distinct http_route values than this is a warning. Default: DEFAULT_MAX_ROUTES. */
  maxRoutes?: number;
  /** Contract metrics not to check (a service without a database skips db_client_*). */
  skip?: (metric: string) => boolean;
}

export const DEFAULT_MAX_ROUTES = 100;

/** Bucket bounds a histogram of the contract must have for its alert to be exact. */
const REQUIRED_BUCKET_BOUNDS: Readonly<Record<string, readonly number[]>> = {
  http_server_request_duration_seconds: [SLOW_RESPONSE_SECONDS],
};

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
    return [warn(`declared but no samples yet (labels not checked)`)];
  }

  const findings: Finding[] = [];
  const series =
    metric.type === "histogram" ? histogramSeries(metric, family, findings) : plainSeries(family);
  for (const label of metric.labels) {
    const lacking = series.filter((labels) => !labels[label]).length;
    if (lacking > 0) findings.push(fail(`missing label ${label} on ${lacking} of ${series.length} series`));
  }
  for (const label of metric.labels) {
    const values = new Set(series.flatMap((labels) => (labels[label] ? [labels[label]] : [])));
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
 * _count and _sum, and that the bucket bounds include those the alerts need.
 */
function histogramSeries(
  metric: CatalogMetric,
  family: MetricFamily,
  findings: Finding[],
): Record<string, string>[] {
  const fail = (message: string) => findings.push({ verdict: "fail", metric: metric.name, message });
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
  for (const required of REQUIRED_BUCKET_BOUNDS[metric.name] ?? []) {
    if (all.length > 0 && !bounds.has(required)) {
      fail(
        `no bucket bound at ${required} (le="${required}"): the alert on p99 > ${required}s cannot be exact`,
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
      if (values.size > maxRoutes) {
        findings.push({
          verdict: "warn",
          message: `http_route has ${values.size} distinct values (more than ${maxRoutes}): ${examples(sorted)}`,
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
    case "state": {
      const unknown = sorted.filter((value) => value !== "used" && value !== "idle");
      const absent = ["used", "idle"].filter((value) => !values.has(value));
      const problems = [
        ...(unknown.length > 0 ? [`unexpected state values ${examples(unknown)}`] : []),
        ...(absent.length > 0
          ? [`no series with state ${absent.map((value) => `"${value}"`).join(" or ")}`]
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
  if (route === UNMATCHED_ROUTE) return false;
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
  return stray.length > 0
    ? ` (found untyped ${stray.join(", ")}: is "# TYPE ${metric.name} ${metric.type}" missing?)`
    : "";
}
