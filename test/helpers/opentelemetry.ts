// OpenTelemetry facts the tests share, from open-telemetry/semantic-conventions
// docs/http/http-metrics.md@v1.44.0.

/** http.server.request.duration's advisory bucket bounds, in seconds: what an SDK uses by default. */
export const OTEL_ADVISORY_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

/** The same bounds as `le` label values, +Inf included. */
export const OTEL_ADVISORY_LE_VALUES: readonly string[] = [
  ...OTEL_ADVISORY_DURATION_BUCKETS.map(String),
  "+Inf",
];
