// Plue's api: a small REST API on plain node:http, instrumented with instrumentRequestListener. It
// reads and writes repositories in PostgreSQL (a failed query answers 503) and obeys its fault knobs:
// added latency, and a share of requests answered 500.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { instrumentRequestListener, metricsRequestListener } from "../../instrument/node-http.ts";
import { warmPool } from "./database.ts";
import { INJECTED_FAILURE } from "./knobs.ts";
import { json, type ServiceFactory } from "./service.ts";

interface Route {
  method: string;
  /** The route template: the http_route label, never the raw path. */
  template: string;
  pattern: RegExp;
  handle(params: string[]): Promise<{ status: number; type: string; body: string }>;
}

export const createApi: ServiceFactory = ({ metrics, knobs, database }) => {
  const db = warmPool(database, metrics);
  const routes: Route[] = [
    {
      method: "GET",
      template: "/api/health",
      pattern: /^\/api\/health$/,
      handle: async () => json(200, { status: "ok" }),
    },
    {
      method: "GET",
      template: "/api/repos",
      pattern: /^\/api\/repos$/,
      handle: async () => {
        const { rows } = await db.pool.query(
          "SELECT owner, name, stars FROM repositories ORDER BY stars DESC, owner, name LIMIT 20",
        );
        return json(200, rows);
      },
    },
    {
      method: "GET",
      template: "/api/repos/:owner/:name",
      pattern: /^\/api\/repos\/([^/]+)\/([^/]+)$/,
      handle: async ([owner, name]) => {
        const { rows } = await db.pool.query(
          "SELECT owner, name, stars, updated_at FROM repositories WHERE owner = $1 AND name = $2",
          [owner, name],
        );
        return rows[0] ? json(200, rows[0]) : json(404, { error: "no such repository" });
      },
    },
    {
      method: "POST",
      template: "/api/repos/:owner/:name/star",
      pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/star$/,
      handle: async ([owner, name]) => {
        const { rows } = await db.pool.query(
          "UPDATE repositories SET stars = stars + 1, updated_at = now() WHERE owner = $1 AND name = $2 RETURNING stars",
          [owner, name],
        );
        return rows[0] ? json(200, rows[0]) : json(404, { error: "no such repository" });
      },
    },
  ];

  // The instrumentation asks for a request's route once the response is done.
  const matched = new WeakMap<IncomingMessage, string>();

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://api").pathname;
    const route = routes.find(
      (candidate) => candidate.method === request.method && candidate.pattern.test(path),
    );
    if (route) matched.set(request, route.template);
    await knobs.delay();
    let reply: { status: number; type: string; body: string };
    if (knobs.nextFails()) {
      reply = { status: 500, type: "text/plain; charset=utf-8", body: `${INJECTED_FAILURE}\n` };
    } else if (!route) {
      reply = json(404, { error: "not found" });
    } else {
      const params = (route.pattern.exec(path) ?? []).slice(1).map(decodeURIComponent);
      reply = await route.handle(params).catch(() => json(503, { error: "database unavailable" }));
    }
    response.writeHead(reply.status, { "content-type": reply.type }).end(reply.body);
  }

  const instrumented = instrumentRequestListener(
    metrics,
    (request, response) => {
      answer(request, response).catch(() => response.destroy());
    },
    { route: (request) => matched.get(request) },
  );
  // Scrapes are not requests to the api: they stay out of its request metrics.
  const exposition = metricsRequestListener(metrics);
  const server = createServer((request, response) =>
    request.url === "/metrics" ? exposition(request, response) : instrumented(request, response),
  );
  return { server, ready: db.filled, close: () => db.close() };
};
