// `plue-monitoring check-metrics URL...`: scrapes each endpoint and holds it to the metric contract.
//   0 every endpoint conforms · 1 one does not · 2 one is unreachable or unparseable (or bad usage)
import { parseArgs } from "node:util";
import {
  type CheckOptions,
  checkExposition,
  conforms,
  DEFAULT_MAX_ROUTES,
  type Finding,
} from "../instrument/contract/check-exposition.ts";
import { ExpositionSyntaxError, parseExposition } from "../instrument/contract/parse-exposition.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

export const checkMetricsUsage = `Usage: plue-monitoring check-metrics [--skip METRIC]... [--max-routes N] [--timeout SECONDS] URL...

Scrapes each URL (a service's /metrics) and checks it against the metric contract of Plue's services
(docs/metrics-contract.md): every metric present with its type and labels, usable label values, and
http_route holding route templates, not raw URLs. Lines starting "warning:" (no 2 s duration bucket,
many routes) do not fail the check.
  --skip METRIC      do not check METRIC; a trailing * matches a prefix (--skip 'db_client_*'); repeatable
  --max-routes N     warn when http_route has more distinct values than N (default ${DEFAULT_MAX_ROUTES})
  --timeout SECONDS  per scrape (default 10)
Exit: 0 every endpoint conforms, 1 one does not, 2 one is unreachable or unparseable.`;

/** What scraping one endpoint gave: findings, or why there are none. */
type EndpointResult = { url: string; findings: Finding[] } | { url: string; error: string };

const MARKS: Record<Exclude<Finding["verdict"], "warn">, string> = { ok: "ok  ", fail: "FAIL" };

export async function checkMetricsCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      skip: { type: "string", multiple: true },
      "max-routes": { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    context.stdout(checkMetricsUsage);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(`no URL given\n\n${checkMetricsUsage}`);
  const urls = positionals.map(parseUrl);
  const maxRoutes = positiveNumber("--max-routes", values["max-routes"], DEFAULT_MAX_ROUTES);
  const timeoutMs = positiveNumber("--timeout", values.timeout, 10) * 1000;
  const options: CheckOptions = { maxRoutes, skip: skipMatcher(values.skip ?? []) };

  const results = await Promise.all(urls.map((url) => checkEndpoint(url, options, timeoutMs)));
  for (const result of results) for (const line of report(result)) context.stdout(line);
  if (results.length > 1) context.stdout(summary(results));
  if (results.some((result) => "error" in result)) return 2;
  return results.every((result) => "findings" in result && conforms(result.findings)) ? 0 : 1;
}

async function checkEndpoint(url: string, options: CheckOptions, timeoutMs: number): Promise<EndpointResult> {
  let text: string;
  try {
    const response = await fetch(url, {
      // The text format is what this checks (and what Prometheus falls back to); OpenMetrics is not.
      headers: { Accept: "text/plain;version=0.0.4" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
    if (!response.ok) return { url, error: `unreachable: HTTP ${response.status} ${response.statusText}` };
    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.startsWith("application/openmetrics-text")) {
      return {
        url,
        error: `unparseable: served OpenMetrics (${contentType}); the text format 0.0.4 is checked`,
      };
    }
  } catch (error) {
    return { url, error: `unreachable: ${describeFetchError(error)}` };
  }
  try {
    return { url, findings: checkExposition(parseExposition(text), options) };
  } catch (error) {
    if (error instanceof ExpositionSyntaxError) return { url, error: `unparseable: ${error.message}` };
    throw error;
  }
}

/**
 * The endpoint's verdict, a table row per metric (ok or FAIL), then one `warning:` line per warning:
 * things that cost precision or will cost series, not conformance.
 */
function report(result: EndpointResult): string[] {
  if ("error" in result) return [`${result.url}: ${result.error}`];
  const rows = result.findings.filter(
    (finding): finding is Finding & { verdict: keyof typeof MARKS } => finding.verdict !== "warn",
  );
  const warnings = result.findings.filter((finding) => finding.verdict === "warn");
  const failures = rows.filter((finding) => finding.verdict === "fail").length;
  const counts = [plural(failures, "problem"), plural(warnings.length, "warning")].filter(Boolean);
  const verdict = `${failures === 0 ? "conforms" : "does not conform"}${counts.length > 0 ? ` (${counts.join(", ")})` : ""}`;
  const width = Math.max(...rows.map((finding) => finding.metric.length), 0);
  return [
    `${result.url}: ${verdict}`,
    ...rows.map(
      (finding) => `  ${MARKS[finding.verdict]}  ${finding.metric.padEnd(width)}  ${finding.message}`,
    ),
    ...warnings.map((finding) => `warning: ${finding.metric}: ${finding.message}`),
  ];
}

/** "2 problems", "1 warning"; "" for none. */
function plural(count: number, noun: string): string {
  if (count === 0) return "";
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function summary(results: readonly EndpointResult[]): string {
  const conforming = results.filter((result) => "findings" in result && conforms(result.findings)).length;
  const failed = results.filter((result) => "error" in result).length;
  const parts = [`${conforming} conform`, `${results.length - conforming - failed} do not`];
  if (failed > 0) parts.push(`${failed} could not be checked`);
  return `${results.length} endpoints: ${parts.join(", ")}`;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  // fetch wraps the socket error (ECONNREFUSED …) in its cause.
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return error instanceof Error ? error.message : String(error);
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(value)} (expected http://host:port/metrics)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`not an http(s) URL: ${JSON.stringify(value)}`);
  }
  return url.href;
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${flag} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return number;
}

function skipMatcher(patterns: readonly string[]): (metric: string) => boolean {
  return (metric) =>
    patterns.some((pattern) =>
      pattern.endsWith("*") ? metric.startsWith(pattern.slice(0, -1)) : metric === pattern,
    );
}
