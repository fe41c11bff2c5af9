// A plain Node http server, instrumented by wrapping its request listener.
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plueServiceMetrics } from "../../src/catalog/plue-services.ts";
import {
  createServiceMetrics,
  instrumentRequestListener,
  metricsRequestListener,
  observePgPool,
  type ServiceMetrics,
} from "../../src/instrument/index.ts";
import { freePort } from "../helpers/system.ts";
import { checkMetrics, exerciseServer, SLOW_MS, scrape, signal } from "./traffic.ts";

/** The app's own little router: method, path pattern, template, handler. */
interface Route {
  method: string;
  pattern: RegExp;
  template: string;
  handle: RequestListener;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
}

describe("instrumentRequestListener on node:http", () => {
  const slowReached = signal();
  const metrics = createServiceMetrics();
  // Connection settings are never used: the pool connects lazily and no query is made here.
  const pool = new pg.Pool({ host: "127.0.0.1", port: 1, database: "plue", max: 7 });
  const matched = new WeakMap<IncomingMessage, string>();
  const routes: Route[] = [
    { method: "GET", pattern: /^\/users\/[^/]+$/, template: "/users/:id", handle: (_q, s) => s.end("user") },
    {
      method: "POST",
      pattern: /^\/users$/,
      template: "/users",
      handle: (_q, s) => {
        s.statusCode = 201;
        s.end();
      },
    },
    {
      method: "GET",
      pattern: /^\/items\/[^/]+$/,
      template: "/items/:itemId",
      handle: (_q, s) => s.end("item"),
    },
    {
      method: "GET",
      pattern: /^\/fail$/,
      template: "/fail",
      handle: () => {
        throw new Error("handler failed");
      },
    },
    {
      method: "GET",
      pattern: /^\/slow$/,
      template: "/slow",
      handle: (_q, s) => {
        slowReached.reached();
        setTimeout(() => s.end("slow"), SLOW_MS);
      },
    },
    { method: "GET", pattern: /^\/metrics$/, template: "/metrics", handle: metricsRequestListener(metrics) },
  ];
  const app: RequestListener = (request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const route = routes.find(
      (candidate) => candidate.method === request.method && candidate.pattern.test(path),
    );
    if (!route) {
      response.statusCode = 404;
      response.end("not found");
      return;
    }
    matched.set(request, route.template);
    try {
      route.handle(request, response);
    } catch {
      response.statusCode = 500;
      response.end("error");
    }
  };
  const server = createServer(
    instrumentRequestListener(metrics, app, { route: (request) => matched.get(request) }),
  );
  let base = "";

  beforeAll(async () => {
    observePgPool(metrics, pool);
    const port = await freePort();
    await listen(server, port);
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await pool.end();
  });

  it("counts every request under its route template and passes check-metrics, db pool included", async () => {
    await exerciseServer(base, slowReached.wait);
    const { families } = await scrape(base);
    expect(families.get("db_client_connection_max")?.samples[0]).toMatchObject({
      labels: { db_client_connection_pool_name: "127.0.0.1:1/plue" },
      value: 7,
    });
  });

  it("exports exactly the contract's names, types and labels, nothing more", async () => {
    const { families } = await scrape(base);
    const shape = (name: string) => {
      const family = families.get(name);
      const labels = new Set(family?.samples.flatMap((sample) => Object.keys(sample.labels)));
      labels.delete("le");
      return { type: family?.type, labels: [...labels].sort() };
    };
    for (const metric of plueServiceMetrics) {
      expect(shape(metric.name), metric.name).toEqual({
        type: metric.type,
        labels: [...metric.labels].sort(),
      });
    }
    expect([...families.keys()].sort()).toEqual(plueServiceMetrics.map((metric) => metric.name).sort());
  });

  it("keeps a registry of its own per instance, the default one only when asked", async () => {
    const other = createServiceMetrics();
    expect(other.registry).not.toBe(metrics.registry);
    const { register } = await import("prom-client");
    expect(metrics.registry).not.toBe(register);
    const onDefault: ServiceMetrics = createServiceMetrics({ registry: "default" });
    expect(onDefault.registry).toBe(register);
    // A second instance on the same registry shares the metrics instead of throwing.
    expect(createServiceMetrics({ registry: "default" }).requestDuration).toBe(onDefault.requestDuration);
    register.removeSingleMetric("http_server_request_duration_seconds");
    register.removeSingleMetric("http_server_active_requests");
  });

  it("exports default process metrics only when asked", async () => {
    const plain = await createServiceMetrics().exposition();
    expect(plain.body).not.toContain("process_cpu_user_seconds_total");
    const withDefaults = createServiceMetrics({ defaultMetrics: true });
    expect((await withDefaults.exposition()).body).toContain("process_cpu_user_seconds_total");
    // Asking twice on one registry is harmless.
    expect(() =>
      createServiceMetrics({ registry: withDefaults.registry, defaultMetrics: true }),
    ).not.toThrow();
  });

  it("fails check-metrics for a service that exports no db metrics unless they are skipped", async () => {
    const bare = createServiceMetrics();
    const server = createServer(
      instrumentRequestListener(bare, metricsRequestListener(bare), { route: () => "/metrics" }),
    );
    const port = await freePort();
    await listen(server, port);
    try {
      await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
      const strict = await checkMetrics(`http://127.0.0.1:${port}/metrics`);
      expect(strict.stdout).toMatch(/FAIL\s+db_client_connection_count\s+missing/);
      expect(strict.code).toBe(1);
      const skipped = await checkMetrics("--skip", "db_client_*", `http://127.0.0.1:${port}/metrics`);
      expect(skipped.stdout).not.toContain("db_client");
      expect(skipped.code).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
