// Plue's web front end: server-rendered pages on Express, instrumented with expressMiddleware. Its
// pages read repositories from PostgreSQL; a failed query answers 503.
import { createServer } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { expressMiddleware } from "../../instrument/express.ts";
import { warmPool } from "./database.ts";
import type { ServiceFactory } from "./service.ts";

const ASSETS: Record<string, { type: string; body: string }> = {
  "app.css": { type: "text/css", body: "body { font-family: sans-serif; }\n" },
  "app.js": { type: "text/javascript", body: "console.log('plue');\n" },
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html><head><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/assets/app.css"></head><body>${body}</body></html>\n`;

export const createWeb: ServiceFactory = ({ metrics, database }) => {
  const db = warmPool(database, metrics);
  const app = express();
  app.disable("x-powered-by");

  // Before the middleware: scrapes are not page views.
  app.get("/metrics", async (_request, response) => {
    const { contentType, body } = await metrics.exposition();
    response.type(contentType).send(body);
  });
  app.use(expressMiddleware(metrics));

  app.get("/", async (_request, response) => {
    const { rows } = await db.pool.query<{ owner: string; name: string; stars: number }>(
      "SELECT owner, name, stars FROM repositories ORDER BY updated_at DESC LIMIT 10",
    );
    const items = rows.map(
      (row) =>
        `<li><a href="/${row.owner}/${row.name}">${escapeHtml(`${row.owner}/${row.name}`)}</a> ★${row.stars}</li>`,
    );
    response.type("html").send(page("Plue", `<h1>Recently updated</h1><ul>${items.join("")}</ul>`));
  });
  app.get("/assets/:file", (request, response) => {
    const asset = ASSETS[request.params.file];
    if (!asset) {
      response.status(404).type("text").send("not found\n");
      return;
    }
    response.type(asset.type).send(asset.body);
  });
  app.get("/:owner/:name", async (request, response) => {
    const { rows } = await db.pool.query<{ stars: number }>(
      "SELECT stars FROM repositories WHERE owner = $1 AND name = $2",
      [request.params.owner, request.params.name],
    );
    const full = `${request.params.owner}/${request.params.name}`;
    if (!rows[0]) {
      response
        .status(404)
        .type("html")
        .send(page("Not found", `<h1>${escapeHtml(full)} does not exist</h1>`));
      return;
    }
    response.type("html").send(page(full, `<h1>${escapeHtml(full)}</h1><p>★${rows[0].stars}</p>`));
  });
  // Express 5 passes a rejected handler (a failed query) here.
  app.use((_error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    response.status(503).type("text").send("database unavailable\n");
  });

  return { server: createServer(app), ready: db.filled, close: () => db.close() };
};
