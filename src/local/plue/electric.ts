// Plue's electric: the sync service clients read "shapes" (a table's rows as a log of changes) from,
// on Hono, instrumented with honoMiddleware. Locally it serves its shapes from memory: no database.
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { honoMetricsHandler, honoMiddleware } from "../../instrument/hono.ts";
import { REPOSITORIES } from "./database.ts";
import type { ServiceFactory } from "./service.ts";

/** Each shape's log: one insert per row. */
const SHAPES: Record<string, { offset: number; value: Record<string, string> }[]> = {
  repositories: REPOSITORIES.map((full, offset) => {
    const [owner = "", name = ""] = full.split("/");
    return { offset, value: { owner, name } };
  }),
  issues: [
    { offset: 0, value: { repository: "plue/plue", title: "Sync stalls on reconnect" } },
    { offset: 1, value: { repository: "plue/cli", title: "Support --json everywhere" } },
  ],
};

export const createElectric: ServiceFactory = ({ metrics }) => {
  const app = new Hono();
  // Before the middleware: scrapes are not sync requests.
  app.get("/metrics", honoMetricsHandler(metrics));
  app.use(honoMiddleware(metrics));
  app.get("/v1/health", (c) => c.json({ status: "active" }));
  app.get("/v1/shape", (c) => {
    const table = c.req.query("table") ?? "";
    const log = SHAPES[table];
    if (!log) return c.json({ message: `no shape for table ${JSON.stringify(table)}` }, 400);
    const after = Number(c.req.query("offset") ?? "-1");
    return c.json(log.filter((entry) => entry.offset > after));
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  return { server: server as import("node:http").Server, ready: Promise.resolve(), close: async () => {} };
};
