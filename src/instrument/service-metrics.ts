// The metrics object a service creates once: its registry, the request histogram and in-flight
// gauge, and the timing primitive every framework adapter shares.
import { collectDefaultMetrics, Gauge, type Metric, Registry, register } from "prom-client";
import {
  ACTIVE_REQUESTS,
  DEFAULT_ROUTE_LIMIT,
  DURATION_BUCKETS,
  normalizeMethod,
  REQUEST_DURATION,
  UNMATCHED_ROUTE,
} from "./http-semantics.ts";
import { RequestHistogram } from "./request-histogram.ts";

export interface ServiceMetricsOptions {
  /**
   * Where the metrics are registered. Default: a new Registry of this instance's own, so two
   * instances (or two tests) never collide. Pass "default" for prom-client's global registry, or a
   * Registry to share with the service's other metrics.
   */
  registry?: Registry | "default";
  /** Also export prom-client's default process and Node.js metrics in this registry. Default: false. */
  defaultMetrics?: boolean;
  /** Request-duration bucket bounds in seconds. Default: DURATION_BUCKETS. */
  buckets?: readonly number[];
  /**
   * Distinct http_route values the request histogram records before further routes are recorded as
   * OVERFLOW_ROUTE, which bounds its series whatever the router returns. Default: DEFAULT_ROUTE_LIMIT
   * (100), the count check-metrics warns above. Ignored when the histogram is already registered.
   */
  routeLimit?: number;
}

/** Ends one request's measurement; calling it again does nothing. */
export type EndRequest = (route: string | undefined, statusCode: number) => void;

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly requestDuration: RequestHistogram;
  readonly activeRequests: Gauge;
  /** Counts the request as active and starts its clock. */
  startRequest(method: string | undefined): EndRequest;
  /** The exposition text and its content type, for a /metrics handler. */
  exposition(): Promise<{ contentType: string; body: string }>;
}

export function createServiceMetrics(options: ServiceMetricsOptions = {}): ServiceMetrics {
  const registry = options.registry === "default" ? register : (options.registry ?? new Registry());
  const requestDuration = reuseOrCreate(registry, REQUEST_DURATION, RequestHistogram, () => {
    const histogram = new RequestHistogram({
      name: REQUEST_DURATION,
      help: "Duration of HTTP server requests",
      buckets: options.buckets ?? DURATION_BUCKETS,
      routeLimit: options.routeLimit ?? DEFAULT_ROUTE_LIMIT,
    });
    // prom-client types registerMetric for its own classes; the Registry needs only the metric
    // interface RequestHistogram has (name, help, type, aggregator, get, reset).
    registry.registerMetric(histogram as unknown as Metric);
    return histogram;
  });
  const activeRequests = reuseOrCreate(
    registry,
    ACTIVE_REQUESTS,
    Gauge,
    () =>
      new Gauge({
        name: ACTIVE_REQUESTS,
        help: "HTTP server requests in flight",
        registers: [registry],
      }),
  );
  // collectDefaultMetrics throws when called twice on one registry; its metrics are then there already.
  if (options.defaultMetrics && !registry.getSingleMetric("process_cpu_user_seconds_total")) {
    collectDefaultMetrics({ register: registry });
  }

  function startRequest(method: string | undefined): EndRequest {
    const started = performance.now();
    const methodLabel = normalizeMethod(method);
    activeRequests.inc();
    let ended = false;
    return (route, statusCode) => {
      if (ended) return;
      ended = true;
      activeRequests.dec();
      requestDuration.record(
        methodLabel,
        route || UNMATCHED_ROUTE,
        statusCode,
        (performance.now() - started) / 1000,
      );
    };
  }

  return {
    registry,
    requestDuration,
    activeRequests,
    startRequest,
    exposition: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/**
 * The metric already registered under `name` (a second createServiceMetrics on a shared registry,
 * or a module reloaded in development), else a new one: registering a name twice throws.
 */
function reuseOrCreate<T extends Metric | RequestHistogram>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => T,
  create: () => T,
): T {
  const existing: unknown = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing;
  throw new Error(`${name} is already registered in this registry as another kind of metric`);
}
