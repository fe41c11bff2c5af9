// The request histogram's series budget, held to what a real Prometheus stores: a pod at the
// reference shape (50 routes × 3 methods × 5 status codes) and a pod past its route cap, each scraped
// from the module's own exposition. requestDurationSeriesPerPod is what the sizing of Prometheus'
// memory reads, so it must count what the head really holds, not what we believe it holds.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchPrometheus, startPrometheus } from "../../bench/ingestion/prometheus.ts";
import {
  createServiceMetrics,
  DURATION_BUCKETS,
  OVERFLOW_ROUTE,
  REQUEST_DURATION,
  requestDurationSeriesPerPod,
  type ServiceMetrics,
} from "../../src/instrument/index.ts";
import { freePort, tempDir } from "../helpers/system.ts";

const METHODS = ["GET", "POST", "DELETE"];
const STATUS_CODES = [200, 201, 404, 500, 503];

/** Every route × method × status once, with durations spread over the buckets. */
function sendTraffic(metrics: ServiceMetrics, routes: number): void {
  for (let route = 0; route < routes; route++) {
    for (const method of METHODS) {
      for (const [index, status] of STATUS_CODES.entries()) {
        metrics.requestDuration.record(method, `/api/area${route}/:id`, status, 0.004 * 3 ** index);
      }
    }
  }
}

async function serve(metrics: ServiceMetrics): Promise<{ server: Server; target: string }> {
  const server = createServer(async (_request, response) => {
    const { contentType, body } = await metrics.exposition();
    response.writeHead(200, { "Content-Type": contentType }).end(body);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, target: `127.0.0.1:${port}` };
}

describe("the request histogram's series in a real Prometheus", () => {
  let prometheus: BenchPrometheus;
  let dir: { path: string; cleanup: () => void };
  const servers: Server[] = [];
  let reference = "";
  let capped = "";

  beforeAll(async () => {
    dir = tempDir();
    const referencePod = createServiceMetrics();
    sendTraffic(referencePod, 50);
    const cappedPod = createServiceMetrics({ routeLimit: 20 });
    sendTraffic(cappedPod, 60);
    const pods = await Promise.all([serve(referencePod), serve(cappedPod)]);
    servers.push(...pods.map((pod) => pod.server));
    [reference, capped] = pods.map((pod) => pod.target) as [string, string];
    prometheus = await startPrometheus(dir.path);
    await prometheus.load({
      global: { scrape_interval: "1s" },
      scrape_configs: [{ job_name: "api", static_configs: [{ targets: [reference, capped] }] }],
    });
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    for (const server of servers) server.close();
    dir?.cleanup();
  });

  /** Series of the histogram Prometheus holds, by instance, once both pods have been scraped. */
  async function storedSeries(): Promise<Map<string, number>> {
    const expr = `count by (instance) ({__name__=~"${REQUEST_DURATION}_(bucket|sum|count)"})`;
    for (let attempt = 0; attempt < 60; attempt++) {
      const counts = await prometheus.query(expr);
      if (counts.length === 2)
        return new Map(counts.map(({ labels, value }) => [labels.instance ?? "", value]));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`Prometheus never stored both pods' histograms (${expr})`);
  }

  it("stores requestDurationSeriesPerPod series for each pod, the overflow route counted as one more", async () => {
    const stored = await storedSeries();
    expect(stored.get(reference)).toBe(requestDurationSeriesPerPod(50, 3, 5));
    expect(stored.get(reference)).toBe(9_750);
    // 20 admitted routes and the overflow route; 40 routes fold into it however many there are.
    expect(stored.get(capped)).toBe(requestDurationSeriesPerPod(20 + 1, 3, 5));
    const overflow = await prometheus.query(
      `count by (instance) ({__name__=~"${REQUEST_DURATION}_(bucket|sum|count)", http_route="${OVERFLOW_ROUTE}"})`,
    );
    expect(overflow).toEqual([{ labels: { instance: capped }, value: requestDurationSeriesPerPod(1, 3, 5) }]);
  }, 60_000);

  it("stores one bucket series per bound and +Inf for each label set", async () => {
    const perLabelSet = await prometheus.query(
      `count by (instance) (${REQUEST_DURATION}_bucket) / count by (instance) (${REQUEST_DURATION}_count)`,
    );
    expect(perLabelSet.map(({ value }) => value)).toEqual([
      DURATION_BUCKETS.length + 1,
      DURATION_BUCKETS.length + 1,
    ]);
  }, 60_000);
});
