// The series Plue's own services add: not measured by the ingestion bench (no exporter serves them)
// but bounded by the metric contract's cardinality budget (docs/metrics-contract.md), so counted from
// it at a reference shape.
import { requestDurationSeriesPerPod } from "../instrument/http-semantics.ts";

/**
 * What the sizing assumes of Plue's services unless told otherwise: api, web and electric at 10 pods
 * each, every pod answering 50 routes with 3 methods and 5 status codes. The route count is half the
 * contract's limit; these are assumptions, and `clusterSize.servicePods` replaces the pod count.
 */
export const REFERENCE_SERVICES = { pods: 30, routes: 50, methods: 3, statusCodes: 5 } as const;

/**
 * Everything else a service pod serves besides the request histogram: prom-client 15.1.3's default
 * metrics are 52 series at start and grow as garbage-collection kinds appear in
 * nodejs_gc_duration_seconds; the active-requests and database-pool gauges are a handful more. A
 * round allowance, not a measurement.
 */
export const OTHER_SERIES_PER_SERVICE_POD = 100;

/** Series one service pod serves at the reference shape; Prometheus keeps them all (no keep-list). */
export function seriesPerServicePod(): number {
  const { routes, methods, statusCodes } = REFERENCE_SERVICES;
  return requestDurationSeriesPerPod(routes, methods, statusCodes) + OTHER_SERIES_PER_SERVICE_POD;
}
