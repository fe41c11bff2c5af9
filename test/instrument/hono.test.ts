// A Hono app on @hono/node-server with the middleware: route templates from the matched route.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceMetrics, honoMetricsHandler, honoMiddleware } from "../../src/instrument/index.ts";
import { freePort } from "../helpers/system.ts";
import { exerciseServer, requestCount, SLOW_MS, scrape, signal } from "./traffic.ts";

describe("honoMiddleware", () => {
  const slowReached = signal();
  const metrics = createServiceMetrics();
  const app = new Hono();
  app.use(honoMiddleware(metrics));
  // Middleware that answers before the route does: the route is still the endpoint's template.
  app.use("/admin/*", async (c) => c.text("no", 401));
  app.get("/admin/stats", (c) => c.text("stats"));
  app.get("/users/:id", (c) => c.text("user"));
  app.post("/users", (c) => c.body(null, 201));
  const items = new Hono();
  items.get("/:itemId", (c) => c.text("item"));
  app.route("/items", items);
  app.get("/fail", () => {
    throw new Error("handler failed");
  });
  app.get("/slow", async (c) => {
    slowReached.reached();
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    return c.text("slow");
  });
  app.get("/metrics", honoMetricsHandler(metrics));
  app.onError((_error, c) => c.text("error", 500));
  let server: ReturnType<typeof serve>;
  let base = "";

  beforeAll(async () => {
    const port = await freePort();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve());
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("counts every request under its route template and passes check-metrics", async () => {
    await exerciseServer(base, slowReached.wait, ["--skip", "db_client_*"]);
  });

  it("labels a response sent by middleware with the route it guarded", async () => {
    expect((await fetch(`${base}/admin/stats`)).status).toBe(401);
    const { families } = await scrape(base);
    expect(requestCount(families, "GET", "/admin/stats", "401")).toBe(1);
  });
});
