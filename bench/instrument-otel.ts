// The OpenTelemetry variant of bench/instrument-server.ts: the same node:http listener, measured with
// @opentelemetry/sdk-metrics and served by @opentelemetry/exporter-prometheus, configured to expose
// what our own instrumentation exposes (docs/metrics-contract.md): http.server.request.duration with
// our bucket bounds, named with the `_seconds` suffix by a View, attributes http.request.method (upper
// case or _OTHER), http.route ("unmatched" when no route matched) and http.response.status_code, and
// the http.server.active_requests up-down counter. It is the yardstick our instrumentation's cost is
// held against, so it does per request what a hand-written OTel instrumentation would do.
import type { IncomingMessage, RequestListener } from "node:http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { AggregationType, MeterProvider } from "@opentelemetry/sdk-metrics";
import { DURATION_BUCKETS, normalizeMethod, UNMATCHED_ROUTE } from "../src/instrument/index.ts";

export interface OtelInstrumentation {
  /** Wraps a listener so each request is timed and counted under its route template. */
  instrument(
    listener: RequestListener,
    route: (request: IncomingMessage) => string | undefined,
  ): RequestListener;
  /** Serves the exposition (mount it at /metrics). */
  metricsListener: RequestListener;
}

export function createOtelInstrumentation(): OtelInstrumentation {
  // Served by our own server at /metrics, not by a second one the exporter would start.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    readers: [exporter],
    views: [
      {
        // The JS exporter adds no unit suffix; the View gives the compatibility spec's name
        // (docs/metrics-contract.md, "Services on the OpenTelemetry SDK").
        instrumentName: "http.server.request.duration",
        name: "http.server.request.duration_seconds",
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [...DURATION_BUCKETS] },
        },
      },
    ],
  });
  const meter = provider.getMeter("plue-bench");
  // open-telemetry/semantic-conventions model/http/metrics.yaml@v1.44.0
  const duration = meter.createHistogram("http.server.request.duration", {
    description: "Duration of HTTP server requests",
    unit: "s",
  });
  const activeRequests = meter.createUpDownCounter("http.server.active_requests", {
    description: "HTTP server requests in flight",
    unit: "{request}",
  });

  return {
    instrument: (listener, route) => (request, response) => {
      const started = performance.now();
      activeRequests.add(1);
      response.once("close", () => {
        activeRequests.add(-1);
        duration.record((performance.now() - started) / 1000, {
          "http.request.method": normalizeMethod(request.method),
          "http.route": route(request) ?? UNMATCHED_ROUTE,
          "http.response.status_code": response.statusCode,
        });
      });
      listener(request, response);
    },
    metricsListener: (request, response) => exporter.getMetricsRequestHandler(request, response),
  };
}
