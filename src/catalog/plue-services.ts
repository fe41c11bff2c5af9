// The metric contract for Plue's own services (api, web, electric): the OpenTelemetry HTTP-server and
// database-client-pool semantic conventions (semantic-conventions 1.27 or later) as the OpenTelemetry
// → Prometheus compatibility spec names them: dots become underscores, a unit of `s` adds `_seconds`,
// counters end in `_total`, a `{…}` unit adds nothing. A service on a stock OpenTelemetry SDK and one
// on `plue-monitoring/instrument` export the same names. Services are held to it by
// `plue-monitoring check-metrics`; docs/metrics-contract.md explains it.
import type { CatalogMetric } from "./types.ts";

export const PLUE_SERVICES = ["api", "web", "electric"] as const;
export type PlueService = (typeof PLUE_SERVICES)[number];

/** The seed's ports. */
export const PLUE_SERVICE_PORTS: Record<PlueService, number> = { api: 4000, web: 5173, electric: 3000 };

/** db.client.connection.state: the two states a pool's connections are counted in. */
export const DB_CONNECTION_STATES = ["used", "idle"] as const;

export const plueServiceMetrics: readonly CatalogMetric[] = [
  {
    // http.server.request.duration: histogram, unit s.
    name: "http_server_request_duration_seconds",
    type: "histogram",
    labels: ["http_request_method", "http_route", "http_response_status_code"],
    jobs: ["plue"],
    help: "Duration of HTTP server requests; request and error rates come from its _count",
  },
  {
    // http.server.active_requests: updowncounter, unit {request}.
    name: "http_server_active_requests",
    type: "gauge",
    labels: [],
    jobs: ["plue"],
    help: "HTTP server requests in flight",
  },
  {
    // db.client.connection.count: updowncounter, unit {connection}; both attributes required.
    name: "db_client_connection_count",
    type: "gauge",
    labels: ["db_client_connection_state", "db_client_connection_pool_name"],
    jobs: ["plue"],
    help: 'Connections of a database pool, by state ("used" or "idle")',
  },
  {
    // db.client.connection.max: updowncounter, unit {connection}.
    name: "db_client_connection_max",
    type: "gauge",
    labels: ["db_client_connection_pool_name"],
    jobs: ["plue"],
    help: "The most connections a database pool may open",
  },
  {
    // db.client.connection.timeouts: counter, unit {timeout}.
    name: "db_client_connection_timeouts_total",
    type: "counter",
    labels: ["db_client_connection_pool_name"],
    jobs: ["plue"],
    help: "Pool checkouts that timed out: a connection was asked for and none came within the pool's timeout",
  },
];
