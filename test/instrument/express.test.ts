// An Express 5 app with the middleware: route templates from req.route.path with the mount path.
import type { Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createServiceMetrics,
  expressMiddleware,
  metricsRequestListener,
} from "../../src/instrument/index.ts";
import { freePort } from "../helpers/system.ts";
import { exerciseServer, labelValues, requestCount, SLOW_MS, scrape, signal } from "./traffic.ts";

describe("expressMiddleware", () => {
  const slowReached = signal();
  const metrics = createServiceMetrics();
  const app = express();
  app.set("env", "test"); // the default error handler logs nothing in tests
  app.use(expressMiddleware(metrics));
  app.get("/users/:id", (_request, response) => {
    response.send("user");
  });
  app.post("/users", (_request, response) => {
    response.status(201).end();
  });
  const items = express.Router();
  items.get("/:itemId", (_request, response) => {
    response.send("item");
  });
  app.use("/items", items);
  // A parameterized mount: with mergeParams its values are put back as :org in the route.
  const members = express.Router({ mergeParams: true });
  members.get("/members/:member", (_request, response) => {
    response.send("member");
  });
  app.use("/orgs/:org", members);
  app.get("/fail", () => {
    throw new Error("handler failed");
  });
  app.get("/slow", (_request, response) => {
    slowReached.reached();
    setTimeout(() => response.send("slow"), SLOW_MS);
  });
  app.get("/metrics", metricsRequestListener(metrics));
  let server: Server;
  let base = "";

  beforeAll(async () => {
    const port = await freePort();
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(port, "127.0.0.1", (error) =>
        error ? reject(error) : resolve(listening),
      );
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("counts every request under its route template and passes check-metrics", async () => {
    await exerciseServer(base, slowReached.wait, ["--skip", "db_client_*"]);
  });

  it("puts a parameterized mount path back as its template", async () => {
    for (const [org, member] of [
      ["acme", "7"],
      ["globex", "8"],
      ["initech", "9"],
    ]) {
      expect((await fetch(`${base}/orgs/${org}/members/${member}`)).status).toBe(200);
    }
    const { families } = await scrape(base);
    expect(requestCount(families, "GET", "/orgs/:org/members/:member", "200")).toBe(3);
    expect(labelValues(families, "http_server_request_duration_seconds", "http_route")).not.toContain(
      "/orgs/acme/members/:member",
    );
  });
});
