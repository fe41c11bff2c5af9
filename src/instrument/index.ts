// plue-monitoring/instrument: the metric contract of Plue's services (docs/metrics-contract.md) for
// Node services on prom-client — plain http, Express and Hono — and database pools.
//
//   const metrics = createServiceMetrics({ defaultMetrics: true });  // its own Registry
//   app.use(expressMiddleware(metrics));                              // before the routes
//   app.get("/metrics", metricsRequestListener(metrics));
//   observePgPool(metrics, pool);
export {
  isCheckoutTimeout,
  type ObservedPool,
  observePgPool,
  observePool,
  type PoolStats,
} from "./db-pool.ts";
export { type ExpressMiddleware, expressMiddleware, expressRoute } from "./express.ts";
export { honoMetricsHandler, honoMiddleware, honoRoute } from "./hono.ts";
export {
  ACTIVE_REQUESTS,
  DEFAULT_ROUTE_LIMIT,
  DURATION_BUCKETS,
  normalizeMethod,
  OTHER_METHOD,
  OVERFLOW_ROUTE,
  REQUEST_DURATION,
  requestDurationSeriesPerPod,
  SLOW_RESPONSE_SECONDS,
  UNMATCHED_ROUTE,
} from "./http-semantics.ts";
export {
  instrumentRequestListener,
  type ListenerOptions,
  metricsRequestListener,
  type RouteResolver,
} from "./node-http.ts";
export type { DurationLabels, RequestHistogram } from "./request-histogram.ts";
export {
  createServiceMetrics,
  type EndRequest,
  type ServiceMetrics,
  type ServiceMetricsOptions,
} from "./service-metrics.ts";
