// A real HTTP server that serves a fixed /metrics body: the hand-written endpoints check-metrics meets.
import { createServer, type Server } from "node:http";
import { OTEL_ADVISORY_LE_VALUES } from "../helpers/opentelemetry.ts";
import { freePort } from "../helpers/system.ts";

export interface TextServer {
  url: string;
  close(): Promise<void>;
}

export async function serveText(
  body: string,
  options: { status?: number; contentType?: string } = {},
): Promise<TextServer> {
  const server = createServer((request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(options.status ?? 200, {
        "Content-Type": options.contentType ?? "text/plain; version=0.0.4; charset=utf-8",
      })
      .end(body);
  });
  return listenOnLoopback(server);
}

/** Starts a server on a free loopback port: its /metrics URL, and a close that drops open connections. */
export async function listenOnLoopback(server: Server): Promise<TextServer> {
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Exposition text for a contract-shaped endpoint, with parts replaced or left out. */
export function exposition(
  parts: Partial<Record<"duration" | "active" | "dbCount" | "dbMax" | "dbTimeouts", string>> = {},
): string {
  return [
    parts.duration ?? histogram([{ method: "GET", route: "/api/repos/:owner/:repo", status: "200" }]),
    parts.active ?? "# TYPE http_server_active_requests gauge\nhttp_server_active_requests 1\n",
    parts.dbCount ??
      "# TYPE db_client_connection_count gauge\n" +
        'db_client_connection_count{db_client_connection_state="used",db_client_connection_pool_name="main"} 1\n' +
        'db_client_connection_count{db_client_connection_state="idle",db_client_connection_pool_name="main"} 4\n',
    parts.dbMax ??
      "# TYPE db_client_connection_max gauge\n" +
        'db_client_connection_max{db_client_connection_pool_name="main"} 5\n',
    parts.dbTimeouts ??
      "# TYPE db_client_connection_timeouts_total counter\n" +
        'db_client_connection_timeouts_total{db_client_connection_pool_name="main"} 0\n',
  ].join("");
}

/** The OpenTelemetry SDKs' default (semantic-conventions advisory) bounds for http.server.request.duration. */
export const OTEL_DEFAULT_BOUNDS = OTEL_ADVISORY_LE_VALUES;

/** http_server_request_duration_seconds with one series per entry, each with every bound. */
export function histogram(
  series: readonly { method?: string; route?: string; status?: string }[],
  bounds: readonly string[] = ["0.1", "1", "2", "5", "+Inf"],
): string {
  const name = "http_server_request_duration_seconds";
  const lines = [`# TYPE ${name} histogram`];
  for (const { method, route, status } of series) {
    const labels = [
      method === undefined ? "" : `http_request_method="${method}"`,
      route === undefined ? "" : `http_route="${route}"`,
      status === undefined ? "" : `http_response_status_code="${status}"`,
    ].filter(Boolean);
    const set = (extra: string[] = []) => `{${[...labels, ...extra].join(",")}}`;
    for (const [index, le] of bounds.entries())
      lines.push(`${name}_bucket${set([`le="${le}"`])} ${index + 1}`);
    lines.push(`${name}_sum${set()} 1.5`, `${name}_count${set()} ${bounds.length}`);
  }
  return `${lines.join("\n")}\n`;
}
