// The HTTP side of the metric contract (DESIGN.md "Metric contract"): OpenTelemetry HTTP semantic
// conventions as exported to Prometheus. Shared by the instrumentation and by check-metrics.

/** SlowResponseTime fires when the p99 request duration exceeds this many seconds (the seed's 2s). */
export const SLOW_RESPONSE_SECONDS = 2;

/**
 * Request-duration buckets in seconds. A bound exactly at SLOW_RESPONSE_SECONDS makes
 * `histogram_quantile(0.99, …) > 2` exact: it is true precisely when fewer than 99% of requests
 * fall in the `le="2"` bucket. The bounds around it (1, 1.5, 2.5, 3) keep the estimate close
 * when p99 sits near the threshold.
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 5, 7.5, 10,
];

/** http_route of a request that matched no route: one fixed value, never the raw URL. */
export const UNMATCHED_ROUTE = "unmatched";

/** The methods OpenTelemetry names; anything else becomes `_OTHER` so clients cannot mint label values. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
]);
export const OTHER_METHOD = "_OTHER";

export function normalizeMethod(method: string | undefined): string {
  if (method !== undefined && KNOWN_METHODS.has(method)) return method; // as clients send it, no copy
  const upper = (method ?? "").toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : OTHER_METHOD;
}

export const REQUEST_DURATION = "http_server_request_duration_seconds";
export const ACTIVE_REQUESTS = "http_server_active_requests";
export const REQUEST_DURATION_LABELS = [
  "http_request_method",
  "http_route",
  "http_response_status_code",
] as const;
