// "API Performance": how Plue's HTTP services perform — traffic by route, latency, errors and
// requests in flight, from the OpenTelemetry HTTP metrics every service exports.
import type { StackConfig } from "../config/schema.ts";
import { LATENCY_QUANTILES, recorded } from "../rules/recording.ts";
import { alertLevels } from "./alert-levels.ts";
import {
  buildDashboard,
  datasourceVariable,
  selectedServices,
  serviceVariables,
  timeseriesPanel,
} from "./panels.ts";

export const API_PERFORMANCE_UID = "plue-api-performance";

/** Routes drawn in "Request rate by method and route": the busiest, not every one. */
const TOP_ROUTES = 15;

/** p50, p95, p99 from "0.5", "0.95", "0.99". */
const percentile = (quantile: string) => `p${Math.round(Number(quantile) * 100)}`;

export function apiPerformance(config: StackConfig): Record<string, unknown> {
  const levels = alertLevels(config);

  const requestsByRoute = timeseriesPanel(config, {
    title: "Request rate by method and route",
    description: `Requests per second by service, HTTP method and route template, all pods together: the ${TOP_ROUTES} busiest at each moment (a service may serve a hundred routes).`,
    queries: [
      {
        expr: `topk(${TOP_ROUTES}, sum by (service, http_request_method, http_route) (${recorded.requestRateByRoute}{${selectedServices}}))`,
        legend: "{{service}} {{http_request_method}} {{http_route}}",
      },
    ],
    unit: "reqps",
    min: 0,
    width: 16,
  });
  const activeRequests = timeseriesPanel(config, {
    title: "Active requests",
    description: "Requests each service is handling right now, all pods together.",
    queries: [{ expr: `${recorded.activeRequests}{${selectedServices}}`, legend: "{{service}}" }],
    unit: "short",
    min: 0,
    width: 8,
  });
  const latency = timeseriesPanel(config, {
    title: "Latency p50 / p95 / p99",
    description:
      "Request duration percentiles per service, from the histogram buckets of all pods. SlowResponseTime fires when p99 stays above the dashed line.",
    queries: LATENCY_QUANTILES.map((quantile) => ({
      expr: `${recorded.latencyQuantile}{${selectedServices}, quantile="${quantile}"}`,
      legend: `{{service}} ${percentile(quantile)}`,
    })),
    unit: "s",
    min: 0,
    width: 24,
    alertLevels: levels.latency,
  });
  const errorsByCode = timeseriesPanel(config, {
    title: "Errors by status code",
    description: "Responses per second with a 4xx or 5xx status, by status code.",
    queries: [
      {
        expr: `sum by (http_response_status_code) (${recorded.requestRateByCode}{${selectedServices}, http_response_status_code=~"[45].."})`,
        legend: "{{http_response_status_code}}",
      },
    ],
    unit: "reqps",
    min: 0,
    stacked: true,
    noValue: "No errors",
  });
  const serverErrorRatio = timeseriesPanel(config, {
    title: "5xx error ratio",
    description:
      "Share of each service's responses with a 5xx status. HighErrorRate and CriticalErrorRate fire at the dashed lines.",
    queries: [{ expr: `${recorded.serverErrorRatio}{${selectedServices}}`, legend: "{{service}}" }],
    unit: "percentunit",
    min: 0,
    alertLevels: levels.errorRate,
  });

  return buildDashboard(config, {
    uid: API_PERFORMANCE_UID,
    title: "API Performance",
    description: "Traffic, latency, errors and in-flight requests of Plue's HTTP services.",
    variables: [datasourceVariable(), ...serviceVariables(config, recorded.requestRate)],
    rows: [
      { title: "Traffic", panels: [requestsByRoute, activeRequests] },
      { title: "Latency", panels: [latency] },
      { title: "Errors", panels: [errorsByCode, serverErrorRatio] },
    ],
  });
}
