// `plue-monitoring check-metrics URL...`: scrapes each endpoint and holds it to the metric contract.
//   0 every endpoint conforms · 1 one does not · 2 one is unreachable, too large or unparseable (or bad
//   usage)
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
import { type Endpoint, fetchBody, formatBytes, parseEndpoint, redact } from "./fetch-metrics.ts";
import { UsageError } from "./usage-error.ts";

/**
 * The largest body read by default. A service's /metrics is tens of kilobytes to a few megabytes (100
 * routes × 17 buckets × a few methods and statuses is about 5 MB). Parsing holds every sample as an
 * object: a body of tiny lines (`a1 1`…) at 8 MiB peaks near 0.6 GiB of memory, at 16 MiB past 1 GiB.
 */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** The text is decoded into one string, and V8 strings end at 512 MiB; parsing needs far more long before. */
const MAX_MAX_BYTES = 256 * 1024 * 1024;

export const checkMetricsUsage = `Usage: plue-monitoring check-metrics [--skip METRIC]... [--max-routes N] [--timeout SECONDS] [--max-bytes SIZE] URL...

Scrapes each URL (a service's /metrics) and checks it against the metric contract of Plue's services
(docs/metrics-contract.md): every metric present with its type and labels, usable label values, and
http_route holding route templates, not raw URLs. Lines starting "warning:" (no 2 s duration bucket,
many routes) do not fail the check. Credentials in a URL (http://user:password@host/metrics) are sent
as HTTP basic auth and never printed.
  --skip METRIC      do not check METRIC; a trailing * matches a prefix (--skip 'db_client_*'); repeatable
  --max-routes N     warn when http_route has more route templates than N, not counting
                     "unmatched" and "_OTHER" (default ${DEFAULT_MAX_ROUTES}, the instrumentation's cap)
  --timeout SECONDS  per scrape (default 10)
  --max-bytes SIZE   refuse a body over SIZE (default ${formatBytes(DEFAULT_MAX_BYTES)}): bytes, or a number with KiB, MiB or GiB
                     (KB, MB and GB are powers of 1024 too, as in Prometheus' body_size_limit);
                     at most ${formatBytes(MAX_MAX_BYTES)}
Exit: 0 every endpoint conforms, 1 one does not, 2 one is unreachable, too large or unparseable.`;

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
      "max-bytes": { type: "string" },
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
  const endpoints = positionals.map((value, index) => parseEndpoint(value, index, positionals.length));
  const maxRoutes = positiveNumber("--max-routes", values["max-routes"], DEFAULT_MAX_ROUTES);
  const timeoutMs = positiveNumber("--timeout", values.timeout, 10) * 1000;
  const maxBytes = parseSize(values["max-bytes"]);
  const options: CheckOptions = { maxRoutes, skip: skipMatcher(values.skip ?? []) };

  const results = await Promise.all(
    endpoints.map((endpoint) => checkEndpoint(endpoint, options, { timeoutMs, maxBytes })),
  );
  for (const result of results) for (const line of report(result)) context.stdout(line);
  if (results.length > 1) context.stdout(summary(results));
  if (results.some((result) => "error" in result)) return 2;
  return results.every((result) => "findings" in result && conforms(result.findings)) ? 0 : 1;
}

async function checkEndpoint(
  endpoint: Endpoint,
  options: CheckOptions,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<EndpointResult> {
  const url = endpoint.display;
  const fetched = await fetchBody(endpoint, limits);
  if ("error" in fetched) return { url, error: redact(fetched.error, endpoint.secrets) };
  try {
    return { url, findings: checkExposition(parseExposition(fetched.text), options) };
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

/** --max-bytes: a whole number of bytes, or a number with a unit; KB and KiB alike are 1024 bytes. */
function parseSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_BYTES;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const multiplier = match ? SIZE_UNITS[(match[2] ?? "").toLowerCase()] : undefined;
  const bytes = match && multiplier ? Math.floor(Number(match[1]) * multiplier) : Number.NaN;
  if (!(bytes >= 1)) {
    throw new UsageError(
      `--max-bytes must be a size such as 8388608, 512KiB or 8MiB (units B, KiB, MiB, GiB), got ${JSON.stringify(value)}`,
    );
  }
  if (bytes > MAX_MAX_BYTES) {
    throw new UsageError(
      `--max-bytes is at most ${formatBytes(MAX_MAX_BYTES)} (the body is parsed in memory), got ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

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
