// What one pod of api, web or electric serves, per the metric contract (docs/metrics-contract.md,
// src/instrument/http-semantics.ts): the request-duration histogram with the checkout's
// DURATION_BUCKETS for every route × method × status code the pod has answered, active requests, and
// its database pool. Label names and the extra labels an OpenTelemetry SDK adds (otel_scope_name,
// otel_scope_version) are as in the exporter corpus, test/fixtures/exporters/otel-sdk-service.prom
// (open-telemetry/opentelemetry-js experimental/packages/opentelemetry-exporter-prometheus
// @experimental/v0.223.0). Counters grow at each series' own request rate, so every bucket moves.
import type { PodModel } from "./cluster.ts";
import { MovingExposition, unitHash } from "./series.ts";

export interface TrafficShape {
  routes: number;
  methods: readonly string[];
  /** Status codes, each with its share of a route's requests. */
  codes: readonly (readonly [code: string, share: number])[];
}

/** 50 routes × 3 methods × 5 status codes, 2% of requests failing with a 5xx. */
export const REFERENCE_TRAFFIC: TrafficShape = {
  routes: 50,
  methods: ["GET", "POST", "DELETE"],
  codes: [
    ["200", 0.9],
    ["201", 0.04],
    ["404", 0.04],
    ["500", 0.015],
    ["503", 0.005],
  ],
};

const ROUTE_STEMS = [
  "repos",
  "issues",
  "pulls",
  "users",
  "orgs",
  "teams",
  "search",
  "files",
  "commits",
  "releases",
];

/** Route templates, as http_route carries them: never a raw path. */
export function routeTemplates(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const stem = ROUTE_STEMS[i % ROUTE_STEMS.length] as string;
    const depth = Math.floor(i / ROUTE_STEMS.length);
    return depth === 0 ? `/api/${stem}` : `/api/${stem}/:id${"/:child".repeat(depth - 1)}/v${depth}`;
  });
}

/** Fraction of requests at most `bound` seconds, for a route whose typical request takes `typical` s. */
const latencyShare = (bound: number, typical: number) => 1 - Math.exp(-bound / typical);

const PER_POD_REQUESTS_PER_SECOND = 50;

export function plueServicePod(
  pod: PodModel,
  buckets: readonly number[],
  traffic: TrafficShape,
): MovingExposition {
  const service = pod.service ?? "api";
  const out = new MovingExposition();
  const scope = { otel_scope_name: `plue-${service}`, otel_scope_version: "1.0.0" };
  const routes = routeTemplates(traffic.routes);
  const combos = routes.length * traffic.methods.length;
  for (const route of routes) {
    // A few routes are slow (exports, searches), most take tens of milliseconds.
    const typical =
      0.01 + (unitHash(`${service}${route}`) < 0.1 ? 0.8 : 0.08) * unitHash(`${service}${route}/t`);
    for (const method of traffic.methods) {
      const weight = (0.2 + 1.6 * unitHash(`${pod.name}${route}${method}`)) / combos;
      for (const [code, share] of traffic.codes) {
        const rate = PER_POD_REQUESTS_PER_SECOND * weight * share;
        const labels = {
          http_request_method: method,
          http_route: route,
          http_response_status_code: code,
          ...scope,
        };
        for (const bound of buckets) {
          const fraction = latencyShare(bound, typical);
          out.add(
            "http_server_request_duration_seconds_bucket",
            { ...labels, le: String(bound) },
            {
              base: 0,
              slope: rate * fraction,
            },
          );
        }
        out.add(
          "http_server_request_duration_seconds_bucket",
          { ...labels, le: "+Inf" },
          { base: 0, slope: rate },
        );
        out.add("http_server_request_duration_seconds_sum", labels, { base: 0, slope: rate * typical });
        out.add("http_server_request_duration_seconds_count", labels, { base: 0, slope: rate });
      }
    }
  }
  for (const method of traffic.methods) {
    out.add(
      "http_server_active_requests",
      { http_request_method: method, url_scheme: "http", ...scope },
      {
        base: 3,
        wave: 2,
        whole: true,
      },
    );
  }
  const pool = { db_client_connection_pool_name: "postgres.plue.svc:5432/plue", ...scope };
  out.add(
    "db_client_connection_count",
    { db_client_connection_state: "used", ...pool },
    { base: 4, wave: 3, whole: true },
  );
  out.add(
    "db_client_connection_count",
    { db_client_connection_state: "idle", ...pool },
    { base: 12, wave: 3, whole: true },
  );
  out.add("db_client_connection_max", pool, { base: 20 });
  out.add("db_client_connection_timeouts_total", pool, { base: 0 });
  return out;
}
