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
  --max-routes N     warn when http_route has more distinct values than N (default ${DEFAULT_MAX_ROUTES})
  --timeout SECONDS  per scrape (default 10)
  --max-bytes SIZE   refuse a body over SIZE (default ${formatBytes(DEFAULT_MAX_BYTES)}): bytes, or a number with KiB, MiB or GiB
                     (KB, MB and GB are powers of 1024 too, as in Prometheus' body_size_limit);
                     at most ${formatBytes(MAX_MAX_BYTES)}
Exit: 0 every endpoint conforms, 1 one does not, 2 one is unreachable, too large or unparseable.`;

/** An endpoint to scrape: where to fetch it, and how to print it. */
interface Endpoint {
  /** Without userinfo: fetch refuses URLs with credentials, and they go in a header instead. */
  fetchUrl: string;
  /** The URL with any userinfo replaced by ***. */
  display: string;
  authorization?: string;
  /** Secrets that must not reach the output, should an error message quote them. */
  secrets: string[];
}

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

/** The body as text, read as a stream and abandoned as soon as it passes maxBytes. */
async function fetchBody(
  endpoint: Endpoint,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<{ text: string } | { error: string }> {
  const { timeoutMs, maxBytes } = limits;
  const limit = `${formatBytes(maxBytes)}, the limit of --max-bytes`;
  const raise = "raise it with --max-bytes SIZE";
  // Aborting (not just cancelling the reader) closes the socket, so the server stops sending.
  const abort = new AbortController();
  try {
    const response = await fetch(endpoint.fetchUrl, {
      headers: {
        // The text format is what this checks (and what Prometheus falls back to); OpenMetrics is not.
        Accept: "text/plain;version=0.0.4",
        ...(endpoint.authorization ? { Authorization: endpoint.authorization } : {}),
      },
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
    });
    if (!response.ok) {
      abort.abort();
      return { error: `unreachable: HTTP ${response.status} ${response.statusText}` };
    }
    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.startsWith("application/openmetrics-text")) {
      abort.abort();
      return { error: `unparseable: served OpenMetrics (${contentType}); the text format 0.0.4 is checked` };
    }
    // With a Content-Encoding, Content-Length counts compressed bytes: only the stream tells.
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (!response.headers.has("content-encoding") && declared > maxBytes) {
      abort.abort();
      return {
        error: `too large: Content-Length ${declared} bytes (${formatBytes(declared, true)}) is over ${limit}; ${raise}`,
      };
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          abort.abort();
          await reader.cancel().catch(() => {});
          return { error: `too large: the body is over ${limit} (reading stopped there); ${raise}` };
        }
        chunks.push(value);
      }
    }
    const body = Buffer.concat(chunks, total);
    chunks.length = 0;
    return { text: new TextDecoder("utf-8").decode(body) };
  } catch (error) {
    abort.abort();
    return { error: `unreachable: ${describeFetchError(error, endpoint.fetchUrl, timeoutMs)}` };
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

/** Socket error codes, as a person would say them. */
const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  ETIMEDOUT: "connect timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_HEADERS_TIMEOUT: "timed out waiting for the response headers",
  UND_ERR_BODY_TIMEOUT: "timed out reading the body",
};

/** Certificate verification failures from OpenSSL, which carry no ERR_ prefix. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT)|ISSUER/;

interface SystemError {
  code?: string;
  message?: string;
  /** OpenSSL's short reason, on TLS errors. */
  reason?: string;
  address?: string;
  port?: number;
  hostname?: string;
  errors?: unknown[];
}

/**
 * Why a fetch failed. fetch throws a bare "fetch failed" TypeError; the socket's error is its cause,
 * or an AggregateError holding one per address tried (a name such as localhost may give ::1 and
 * 127.0.0.1), whose own code and message may be empty.
 */
function describeFetchError(error: unknown, url: string, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") {
    return `timed out after ${timeoutMs / 1000} s (--timeout)`;
  }
  const cause = error instanceof Error ? (error.cause as SystemError | undefined) : undefined;
  if (!cause || typeof cause !== "object") return error instanceof Error ? error.message : String(error);
  if (cause.message === "bad port") {
    return `port ${new URL(url).port} is one fetch never connects to (a "bad port" of the Fetch standard)`;
  }
  const attempts = (Array.isArray(cause.errors) ? cause.errors : []).filter(
    (attempt): attempt is SystemError => typeof attempt === "object" && attempt !== null,
  );
  // The same failure on several addresses reads as one, naming each address.
  const byReason = new Map<string, string[]>();
  for (const attempt of attempts.length > 0 ? attempts : [cause]) {
    const reason = describeSystemError(attempt);
    const addresses = byReason.get(reason) ?? [];
    if (attempt.address && CONNECT_ERRORS[attempt.code ?? ""]) addresses.push(formatAddress(attempt));
    byReason.set(reason, addresses);
  }
  const described = [...byReason]
    .filter(([reason]) => reason)
    .map(([reason, addresses]) => (addresses.length > 0 ? `${reason} (${addresses.join(", ")})` : reason));
  if (described.length > 0) return described.join("; ");
  return error instanceof Error ? error.message : String(error);
}

function describeSystemError(error: SystemError): string {
  const code = error.code ?? "";
  const host = error.hostname ?? "the host";
  if (code === "ENOTFOUND") return `host not found (no DNS address for ${host})`;
  if (code === "EAI_AGAIN") return `DNS lookup failed (temporary failure resolving ${host})`;
  const plain = CONNECT_ERRORS[code];
  if (plain) return plain;
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || CERTIFICATE_ERROR.test(code)) {
    const hint = code === "ERR_SSL_WRONG_VERSION_NUMBER" ? "; does it serve plain http?" : "";
    return `TLS error: ${error.reason ?? error.message ?? code} (${code})${hint}`;
  }
  if (code) return `${code}${error.message ? ` (${error.message})` : ""}`;
  return error.message ?? "";
}

function formatAddress(error: SystemError): string {
  const host = error.address?.includes(":") ? `[${error.address}]` : (error.address ?? "");
  return error.port === undefined ? host : `${host}:${error.port}`;
}

/** Every occurrence of a secret replaced by ***: a last guard over text an error may have quoted. */
function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((redacted, secret) => redacted.replaceAll(secret, "***"), text);
}

/** An unparseable or non-http URL as text safe to print: whatever may be userinfo becomes ***. */
function redactRawUrl(value: string): string {
  // Up to the last @: a password may hold an unencoded / or # that the URL parser would split on.
  return value.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?.*@/s, "$1***@");
}

function parseEndpoint(value: string, index: number, count: number): Endpoint {
  const which = count > 1 ? ` (argument ${index + 1} of ${count})` : "";
  const shown = JSON.stringify(redactRawUrl(value));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`not a URL${which}: ${shown}; expected http://host:port/metrics`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`not an http(s) URL${which}: ${shown}; expected http://host:port/metrics`);
  }
  if (!url.username && !url.password) return { fetchUrl: url.href, display: url.href, secrets: [] };
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  // Without a password, the user name is the secret (a token).
  const secrets = (url.password ? [url.password, password] : [url.username, username]).sort(
    (a, b) => b.length - a.length,
  );
  url.username = "";
  url.password = "";
  return {
    fetchUrl: url.href,
    display: url.href.replace("//", "//***@"),
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
    secrets,
  };
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

/**
 * 8 MiB, 512 KiB, 1632 bytes: in the largest unit that divides evenly, so a limit reads exactly;
 * `approximate` allows one decimal instead (381.5 MiB).
 */
function formatBytes(bytes: number, approximate = false): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    const amount = bytes / size;
    if (amount >= 1 && (Number.isInteger(amount) || approximate)) {
      return `${Number.isInteger(amount) ? amount : amount.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
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
