// The metric contract for Plue's own services (api, web, electric): OpenTelemetry HTTP semantic
// conventions as exported to Prometheus, plus database-pool metrics. Services are held to it by
// `plue-monitoring check-metrics`; docs/metrics-contract.md explains it.
import type { CatalogMetric } from "./types.ts";

export const PLUE_SERVICES = ["api", "web", "electric"] as const;
export type PlueService = (typeof PLUE_SERVICES)[number];

/** The seed's ports. */
export const PLUE_SERVICE_PORTS: Record<PlueService, number> = { api: 4000, web: 5173, electric: 3000 };

export const plueServiceMetrics: readonly CatalogMetric[] = [
  {
    name: "http_server_request_duration_seconds",
    type: "histogram",
    labels: ["http_request_method", "http_route", "http_response_status_code"],
    jobs: ["plue"],
    help: "Duration of HTTP server requests; request and error rates come from its _count",
  },
  {
    name: "http_server_active_requests",
    type: "gauge",
    labels: [],
    jobs: ["plue"],
    help: "HTTP server requests in flight",
  },
  {
    name: "db_client_connection_count",
    type: "gauge",
    labels: ["state"],
    jobs: ["plue"],
    help: 'Database pool connections by state ("used" or "idle")',
  },
  {
    name: "db_client_connection_max",
    type: "gauge",
    labels: [],
    jobs: ["plue"],
    help: "Largest number of connections the pool may open",
  },
  {
    name: "db_client_connection_errors_total",
    type: "counter",
    labels: [],
    jobs: ["plue"],
    help: "Connection attempts to the database that failed",
  },
];
