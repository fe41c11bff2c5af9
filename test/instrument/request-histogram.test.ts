// The request histogram keeps its own series to make a request cheap; what it serves must stay what
// prom-client's Histogram served before it, byte for byte, and no request may land in another
// request's series. Both are held against a real prom-client Histogram fed the same requests.
import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { REQUEST_DURATION_LABELS } from "../../src/instrument/http-semantics.ts";
import {
  createServiceMetrics,
  DURATION_BUCKETS,
  OTHER_METHOD,
  REQUEST_DURATION,
} from "../../src/instrument/index.ts";

interface Request {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

/** The exposition of prom-client's own Histogram, configured as the module configured it before. */
async function promClientExposition(requests: readonly Request[]): Promise<string> {
  const registry = new Registry();
  const histogram = new Histogram({
    name: REQUEST_DURATION,
    help: "Duration of HTTP server requests",
    labelNames: REQUEST_DURATION_LABELS,
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  for (const { method, route, status, seconds } of requests) {
    histogram.observe(
      { http_request_method: method, http_route: route, http_response_status_code: String(status) },
      seconds,
    );
  }
  return registry.metrics();
}

async function ourExposition(requests: readonly Request[]): Promise<string> {
  const metrics = createServiceMetrics();
  metrics.registry.removeSingleMetric("http_server_active_requests");
  for (const { method, route, status, seconds } of requests) {
    metrics.requestDuration.record(method, route, status, seconds);
  }
  return (await metrics.exposition()).body;
}

// Few values each, so that series share a method, a route or a status and differ in the rest; one
// route is the prefix of another, and some need escaping in the exposition.
const request = fc.record({
  method: fc.constantFrom("GET", "POST", "DELETE", OTHER_METHOD),
  route: fc.constantFrom("/users/:id", "/users", "/users/:id/keys", "unmatched", 'a "quoted"\\route\n'),
  status: fc.constantFrom(200, 201, 204, 404, 500, 503),
  seconds: fc.oneof(
    fc.constantFrom(0, ...DURATION_BUCKETS), // exactly on a bound: counted in that bucket
    fc.double({ min: 0, max: 20, noNaN: true }),
  ),
});

describe("RequestHistogram", () => {
  it("serves exactly what prom-client's Histogram serves for the same requests", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 60 }), async (requests) => {
        expect(await ourExposition(requests)).toBe(await promClientExposition(requests));
      }),
      { numRuns: 200 },
    );
  });

  it("counts each request in its own series only", async () => {
    const metrics = createServiceMetrics();
    const histogram = metrics.requestDuration;
    histogram.record("GET", "/users/:id", 200, 0.003);
    histogram.record("GET", "/users/:id", 500, 0.2);
    histogram.record("POST", "/users/:id", 200, 0.02);
    histogram.record("GET", "/users", 200, 4);
    histogram.record("GET", "/users/:id", 200, 0.004);
    const counts = (await histogram.get()).values
      .filter((value) => value.metricName === `${REQUEST_DURATION}_count`)
      .map((value) => [
        value.labels.http_request_method,
        value.labels.http_route,
        value.labels.http_response_status_code,
        value.value,
      ]);
    expect(counts).toEqual([
      ["GET", "/users/:id", "200", 2],
      ["GET", "/users/:id", "500", 1],
      ["POST", "/users/:id", "200", 1],
      ["GET", "/users", "200", 1],
    ]);
  });

  it("takes prom-client's observe() too, and refuses a status that is not a number", async () => {
    const metrics = createServiceMetrics();
    const labels = { http_request_method: "GET", http_route: "/users", http_response_status_code: "200" };
    metrics.requestDuration.observe(labels, 0.5);
    expect((await metrics.exposition()).body).toContain(
      `${REQUEST_DURATION}_count{http_request_method="GET",http_route="/users",http_response_status_code="200"} 1\n`,
    );
    expect(() => metrics.requestDuration.observe({ ...labels, http_response_status_code: "2xx" }, 1)).toThrow(
      /not a status code: 2xx/,
    );
  });
});
