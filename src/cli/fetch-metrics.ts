// Fetching a /metrics body over HTTP for check-metrics: credentials from the URL sent as a header
// and never printed, the body read as a stream and abandoned past a size limit, and failures told
// in words (refused, not found, TLS) rather than fetch's bare "fetch failed".
import { UsageError } from "./usage-error.ts";

/** An endpoint to scrape: where to fetch it, and how to print it. */
export interface Endpoint {
  /** Without userinfo: fetch refuses URLs with credentials, and they go in a header instead. */
  fetchUrl: string;
  /** The URL with any userinfo replaced by ***. */
  display: string;
  authorization?: string;
  /** Secrets that must not reach the output, should an error message quote them. */
  secrets: string[];
}

/** The body as text, read as a stream and abandoned as soon as it passes maxBytes. */
export async function fetchBody(
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
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((redacted, secret) => redacted.replaceAll(secret, "***"), text);
}

/** An unparseable or non-http URL as text safe to print: whatever may be userinfo becomes ***. */
function redactRawUrl(value: string): string {
  // Up to the last @: a password may hold an unencoded / or # that the URL parser would split on.
  return value.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?.*@/s, "$1***@");
}

export function parseEndpoint(value: string, index: number, count: number): Endpoint {
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

/**
 * 8 MiB, 512 KiB, 1632 bytes: in the largest unit that divides evenly, so a limit reads exactly;
 * `approximate` allows one decimal instead (381.5 MiB).
 */
export function formatBytes(bytes: number, approximate = false): string {
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
