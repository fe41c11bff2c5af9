// The HTTP side of the metric contract (DESIGN.md "Metric contract"): OpenTelemetry HTTP semantic
// conventions as exported to Prometheus. Shared by the instrumentation and by check-metrics.

/** SlowResponseTime fires when the p99 request duration exceeds this many seconds (the seed's 2s). */
export const SLOW_RESPONSE_SECONDS = 2;

/**
 * Request-duration buckets in seconds: ten bounds, so a label set costs 13 series (the bounds, +Inf,
 * _sum, _count) where the former 16-bound list cost 19. Why each is here:
 * - 2 (SLOW_RESPONSE_SECONDS): makes `histogram_quantile(0.99, …) > 2` exact: it is true precisely
 *   when fewer than 99% of requests fall in the `le="2"` bucket.
 * - 0.25, 1 and 2: the latency SLO thresholds the docs and examples use (a latency SLO's threshold
 *   must be a bound, src/slo/problems.ts).
 * - 0.01 … 10 as 1-2.5-5 per decade (1-2-5 around the alert): neighbouring bounds differ by at
 *   most 2.5×, so the dashboards' interpolated p50/p95/p99 is never off by more than that bucket's
 *   width, from a cache hit (10ms) to a request about to time out (10s). Below 10ms the panels
 *   need no detail; above 10s the quantile reads 10, still far above the alert.
 */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/**
 * Series one pod exports for the request-duration histogram: one label set per route × method ×
 * status code, each with a series per bound plus `le="+Inf"`, `_sum` and `_count`.
 */
export function requestDurationSeriesPerPod(routes: number, methods: number, statusCodes: number): number {
  return routes * methods * statusCodes * (DURATION_BUCKETS.length + 3);
}

/**
 * How many distinct route templates one histogram records before new ones fold into
 * OVERFLOW_ROUTE. Equal to the number check-metrics warns above (DEFAULT_MAX_ROUTES), so a service
 * at the default cap passes it.
 */
export const DEFAULT_ROUTE_LIMIT = 100;

/** http_route of a request that matched no route: one fixed value, never the raw URL. */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * http_route of a request whose route came after the histogram already held DEFAULT_ROUTE_LIMIT
 * (or its configured cap of) routes. OpenTelemetry's SDK overflow (`otel.metric.overflow=true`,
 * opentelemetry-specification specification/metrics/sdk.md "Cardinality limits"@v1.60.0) drops every
 * attribute of an overflowed measurement; that would hide a 5xx from the availability SLO and
 * HighErrorRate, so only the route is replaced and method and status stay. The value is the one the
 * conventions give http.request.method for a method outside the known set (open-telemetry/
 * semantic-conventions docs/registry/attributes/http.md@05f98ac), here a route outside the kept set.
 */
export const OVERFLOW_ROUTE = "_OTHER";

/** Route values that stand for many routes and are never templates: not counted against a cap. */
export const FOLDED_ROUTES: ReadonlySet<string> = new Set([UNMATCHED_ROUTE, OVERFLOW_ROUTE]);

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
