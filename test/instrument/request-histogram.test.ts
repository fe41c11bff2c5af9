// The request histogram keeps its own series to make a request cheap; what it serves must stay what
// prom-client's Histogram served before it, byte for byte, and no request may land in another
// request's series. Both are held against a real prom-client Histogram fed the same requests.
import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { REQUEST_DURATION_LABELS } from "../../src/instrument/http-semantics.ts";
import {
  createServiceMetrics,
  DEFAULT_ROUTE_LIMIT,
  DURATION_BUCKETS,
  OTHER_METHOD,
  OVERFLOW_ROUTE,
  REQUEST_DURATION,
  requestDurationSeriesPerPod,
  UNMATCHED_ROUTE,
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

/** The histogram as served: how many samples, its label sets (series without `le`), their routes. */
async function served(metrics: ReturnType<typeof createServiceMetrics>) {
  const samples = parseExposition((await metrics.exposition()).body).get(REQUEST_DURATION)?.samples ?? [];
  const counts = samples.filter((sample) => sample.name === `${REQUEST_DURATION}_count`);
  return {
    samples: samples.length,
    labelSets: counts.map((sample) => sample.labels),
    routes: new Set(counts.map((sample) => sample.labels.http_route)),
    /** Requests recorded under a route, over all its label sets. */
    count: (route: string) =>
      counts
        .filter((sample) => sample.labels.http_route === route)
        .reduce((total, sample) => total + sample.value, 0),
  };
}

describe("the route cap", () => {
  it("records routes past the cap as one overflow route, keeping method and status", async () => {
    const metrics = createServiceMetrics({ routeLimit: 3 });
    const histogram = metrics.requestDuration;
    for (let index = 0; index < 10; index++) {
      histogram.record("GET", `/r${index}/:id`, 200, 0.02);
      histogram.record("POST", `/r${index}/:id`, 500, 3);
    }
    histogram.record("DELETE", UNMATCHED_ROUTE, 404, 0.001); // never counts against the cap
    histogram.record("DELETE", "/r1/:id", 204, 0.03); // admitted under GET: admitted for every method

    const { routes, labelSets, count } = await served(metrics);
    expect([...routes].sort()).toEqual(["/r0/:id", "/r1/:id", "/r2/:id", OVERFLOW_ROUTE, UNMATCHED_ROUTE]);
    expect(count(OVERFLOW_ROUTE)).toBe(14); // 7 routes past the cap × 2 requests, none lost
    expect(labelSets.filter((labels) => labels.http_route === OVERFLOW_ROUTE)).toEqual([
      { http_request_method: "GET", http_route: OVERFLOW_ROUTE, http_response_status_code: "200" },
      { http_request_method: "POST", http_route: OVERFLOW_ROUTE, http_response_status_code: "500" },
    ]);
  });

  it("stops the series count growing once the cap is reached", async () => {
    const metrics = createServiceMetrics({ routeLimit: 5 });
    const sendRoutes = (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        for (const [method, status] of [
          ["GET", 200],
          ["PUT", 409],
        ] as const) {
          metrics.requestDuration.record(method, `/items/${index}/:part`, status, index / 100);
        }
      }
    };
    sendRoutes(0, 5);
    const atCap = (await served(metrics)).samples;
    expect(atCap).toBe(requestDurationSeriesPerPod(5, 2, 1));
    sendRoutes(5, 50);
    const overflowing = (await served(metrics)).samples;
    expect(overflowing).toBe(requestDurationSeriesPerPod(6, 2, 1)); // the overflow route's two label sets
    sendRoutes(50, 500);
    expect((await served(metrics)).samples).toBe(overflowing);
  });

  it("defaults to DEFAULT_ROUTE_LIMIT routes, and forgets admitted routes on reset", async () => {
    const metrics = createServiceMetrics();
    for (let index = 0; index < DEFAULT_ROUTE_LIMIT + 20; index++) {
      metrics.requestDuration.record("GET", `/r${index}`, 200, 0.1);
    }
    const { routes } = await served(metrics);
    expect(routes.size).toBe(DEFAULT_ROUTE_LIMIT + 1);
    expect(routes.has(`/r${DEFAULT_ROUTE_LIMIT - 1}`)).toBe(true);
    expect(routes.has(`/r${DEFAULT_ROUTE_LIMIT}`)).toBe(false);

    metrics.registry.resetMetrics();
    metrics.requestDuration.record("GET", "/after-reset", 200, 0.1);
    expect([...(await served(metrics)).routes]).toEqual(["/after-reset"]);
  });

  it("refuses a cap that is not a whole number of routes", () => {
    expect(() => createServiceMetrics({ routeLimit: -1 })).toThrow(/routeLimit must be a whole number/);
    expect(() => createServiceMetrics({ routeLimit: 2.5 })).toThrow(/routeLimit must be a whole number/);
  });
});

describe("requestDurationSeriesPerPod", () => {
  it("is the number of samples a pod serves for the reference shape: 50 routes × 3 methods × 5 codes", async () => {
    const metrics = createServiceMetrics();
    for (let route = 0; route < 50; route++) {
      for (const method of ["GET", "POST", "DELETE"]) {
        for (const status of [200, 201, 404, 500, 503]) {
          metrics.requestDuration.record(method, `/api/r${route}/:id`, status, 0.05);
        }
      }
    }
    expect((await served(metrics)).samples).toBe(requestDurationSeriesPerPod(50, 3, 5));
    expect(requestDurationSeriesPerPod(50, 3, 5)).toBe(750 * (DURATION_BUCKETS.length + 3));
  });
});
