// The console: one page at the inbox's address that shows the running local stack — components and
// targets, alerts (silenced or inhibited), notifications as each receiver shows them, faults,
// silences and a preview of the dashboards. The server is a thin layer: the page's files, uPlot
// from node_modules, and proxies to the APIs that already exist (Prometheus, the Alertmanagers, the
// control API), so the page needs one origin and nothing from the network.
//
//   GET  /                           the page (page/index.html)
//   GET  /page/<file>                its scripts and styles
//   GET  /vendor/<file>              uPlot's script and stylesheet
//   GET  /api/console                what the page needs to know about the stack (time scale, URLs)
//   GET  /api/dashboards[/<uid>]     the provisioned dashboards, and one resolved for drawing
//   *    /api/prometheus/api/v1/…    Prometheus' HTTP API (reads only)
//   *    /api/alertmanager/api/v2/…  the first Alertmanager that answers (alerts, silences, status)
//   *    /api/control/…              the control API (faults, status)
//
// Requests that change something (POST, DELETE) must carry the X-Plue-Console header: a page of
// another origin cannot add it without a CORS preflight, which this server never grants.
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { StackConfig } from "../../config/schema.ts";
import { dashboards } from "../../dashboards/index.ts";
import type { Timing } from "../../rules/timing.ts";
import { readBody } from "../inbox.ts";
import type { LocalTopology } from "../topology.ts";
import { dashboardList, dashboardView, prometheusLabelValues, selectedFromQuery } from "./dashboards.ts";

export const CONSOLE_HEADER = "x-plue-console";

export interface ConsoleOptions {
  config: StackConfig;
  topology: LocalTopology;
  timing: Timing;
}

/** Handles a request if it is the console's; false lets the inbox answer it. */
export type ConsoleHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

const PAGE_DIR = join(import.meta.dirname, "page");
const PAGE_FILE = /^[a-z][a-z0-9-]*\.(js|css|html|svg)$/;
const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript",
  css: "text/css",
  html: "text/html",
  svg: "image/svg+xml",
};

/** uPlot's browser build, found where npm installed it. */
const UPLOT_DIST = join(dirname(createRequire(import.meta.url).resolve("uplot")), "..", "dist");
const VENDOR_FILES: Record<string, string> = {
  "uPlot.iife.min.js": join(UPLOT_DIST, "uPlot.iife.min.js"),
  "uPlot.min.css": join(UPLOT_DIST, "uPlot.min.css"),
};

/** Prometheus endpoints the page reads; nothing that changes Prometheus (admin, reload) passes. */
const PROMETHEUS_PATHS =
  /^\/api\/v1\/(query|query_range|alerts|rules|targets|series|labels|label\/[^/]+\/values)$/;
/** Alertmanager endpoints the page uses: alerts and groups to read, silences to read and change. */
const ALERTMANAGER_PATHS =
  /^\/api\/v2\/(alerts|alerts\/groups|silences|silence\/[0-9a-f-]+|status|receivers)$/;
const CONTROL_PATHS = /^\/(faults|faults\/[a-z0-9-]+|status)$/;

const UPSTREAM_TIMEOUT_MS = 10_000;

export function consoleHandler(options: ConsoleOptions): ConsoleHandler {
  const { host } = options.topology;
  const prometheusUrl = `http://${host}:${options.topology.prometheus}`;
  const alertmanagerUrls = options.topology.alertmanagers.map((port) => `http://${host}:${port}`);
  const controlUrl = `http://${host}:${options.topology.control}`;
  const labelValues = prometheusLabelValues(prometheusUrl);
  const stackInfo = {
    timeScale: options.timing.scale,
    // The local Prometheus starts with the stack, empty: nothing to draw before this.
    startedAt: Date.now(),
    prometheus: prometheusUrl,
    alertmanagers: alertmanagerUrls,
    control: controlUrl,
  };

  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://console");
    const path = url.pathname;
    const method = request.method ?? "GET";
    if (method === "GET" && (path === "/" || path === "/index.html")) {
      await sendFile(response, join(PAGE_DIR, "index.html"), "html");
      return true;
    }
    if (method === "GET" && path.startsWith("/page/")) {
      const name = path.slice("/page/".length);
      const extension = PAGE_FILE.exec(name)?.[1];
      if (!extension) return notFound(response);
      await sendFile(response, join(PAGE_DIR, name), extension);
      return true;
    }
    if (method === "GET" && path.startsWith("/vendor/")) {
      const file = VENDOR_FILES[path.slice("/vendor/".length)];
      if (!file) return notFound(response);
      await sendFile(response, file, file.endsWith(".css") ? "css" : "js");
      return true;
    }
    if (!path.startsWith("/api/")) return false;
    if ((method === "POST" || method === "DELETE") && request.headers[CONSOLE_HEADER] === undefined) {
      sendJson(response, 403, { error: `changes need the ${CONSOLE_HEADER} header` });
      return true;
    }
    if (method === "GET" && path === "/api/console") {
      sendJson(response, 200, stackInfo);
      return true;
    }
    if (method === "GET" && path === "/api/dashboards") {
      sendJson(response, 200, dashboardList(options.config));
      return true;
    }
    const dashboardUid = /^\/api\/dashboards\/([^/]+)$/.exec(path)?.[1];
    if (method === "GET" && dashboardUid !== undefined) {
      const uid = decodeURIComponent(dashboardUid);
      const dashboard = dashboards(options.config).find((candidate) => candidate.uid === uid);
      if (!dashboard) {
        sendJson(response, 404, { error: `no dashboard with uid ${JSON.stringify(uid)}` });
        return true;
      }
      const view = await dashboardView(
        dashboard,
        { config: options.config, timing: options.timing, labelValues },
        selectedFromQuery(url.searchParams),
      );
      sendJson(response, 200, view);
      return true;
    }
    const upstream = routeUpstream(path, method, { prometheusUrl, alertmanagerUrls, controlUrl });
    if (!upstream) return notFound(response);
    const body = method === "GET" || method === "HEAD" ? undefined : await readBody(request);
    await forward(response, upstream, method, url.search, body, request.headers["content-type"]);
    return true;
  };
}

interface Upstreams {
  prometheusUrl: string;
  alertmanagerUrls: string[];
  controlUrl: string;
}

/** The base URLs to try in order and the path on them, for a proxied API path. */
export function routeUpstream(
  path: string,
  method: string,
  upstreams: Upstreams,
): { bases: string[]; path: string } | undefined {
  const prometheus = /^\/api\/prometheus(\/.*)$/.exec(path)?.[1];
  if (prometheus !== undefined) {
    // POST is how a long query reaches Prometheus; it changes nothing on these endpoints.
    if (!PROMETHEUS_PATHS.test(prometheus) || !["GET", "POST"].includes(method)) return undefined;
    return { bases: [upstreams.prometheusUrl], path: prometheus };
  }
  const alertmanager = /^\/api\/alertmanager(\/.*)$/.exec(path)?.[1];
  if (alertmanager !== undefined) {
    if (!ALERTMANAGER_PATHS.test(alertmanager)) return undefined;
    // Any replica: they share silences through gossip, and one may be down on purpose (a fault).
    return { bases: upstreams.alertmanagerUrls, path: alertmanager };
  }
  const control = /^\/api\/control(\/.*)$/.exec(path)?.[1];
  if (control !== undefined) {
    if (!CONTROL_PATHS.test(control)) return undefined;
    return { bases: [upstreams.controlUrl], path: control };
  }
  return undefined;
}

async function forward(
  response: ServerResponse,
  upstream: { bases: string[]; path: string },
  method: string,
  search: string,
  body: string | undefined,
  contentType: string | undefined,
): Promise<void> {
  const failures: string[] = [];
  for (const base of upstream.bases) {
    try {
      const answer = await fetch(`${base}${upstream.path}${search}`, {
        method,
        ...(body !== undefined ? { body } : {}),
        headers: contentType ? { "content-type": contentType } : {},
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      });
      const text = await answer.text();
      response.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
        "x-upstream": base,
        "cache-control": "no-store",
      });
      response.end(text);
      return;
    } catch (error) {
      failures.push(`${base}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  sendJson(response, 502, { error: `no answer from ${failures.join("; ")}` });
}

async function sendFile(response: ServerResponse, file: string, extension: string): Promise<void> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    notFound(response);
    return;
  }
  response.writeHead(200, {
    "content-type": `${CONTENT_TYPES[extension] ?? "application/octet-stream"}; charset=utf-8`,
    // The page's own files change with the code: a reload must see the new ones.
    "cache-control": "no-cache",
  });
  response.end(content);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  response.end(JSON.stringify(body));
}

function notFound(response: ServerResponse): true {
  sendJson(response, 404, { error: "not found" });
  return true;
}
