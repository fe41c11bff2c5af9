// The running stack's control API, on loopback only: `plue-monitoring fault` talks to it.
//
//   GET    /faults          every fault: name, alert, description, whether it is available and active
//   POST   /faults/<name>   apply one → { name, alert, message, labels }
//   DELETE /faults/<name>   clear one → { name, alert, message, labels }
//   GET    /status          the components and their state
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type FaultController, findFault, isFaultName } from "./faults.ts";
import { assertPortFree } from "./supervisor.ts";

export interface ControlOptions {
  host: string;
  port: number;
  portFlag?: string;
  faults: FaultController;
  /** What GET /status answers. */
  status?: () => unknown;
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startControlServer(options: ControlOptions): Promise<ControlServer> {
  await assertPortFree("control", {
    host: options.host,
    port: options.port,
    flag: options.portFlag ?? "--control-port",
  });
  // Faults change shared state: apply them one at a time, in the order they were asked for.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  const server: Server = createServer((request, response) => {
    handle(options, serialized, request, response).catch((error: unknown) => {
      json(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    url: `http://${options.host}:${options.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}

async function handle(
  options: ControlOptions,
  serialized: <T>(work: () => Promise<T>) => Promise<T>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://control").pathname;
  if (request.method === "GET" && path === "/faults") {
    json(response, 200, options.faults.list());
    return;
  }
  if (request.method === "GET" && path === "/status") {
    json(response, 200, options.status?.() ?? {});
    return;
  }
  const match = /^\/faults\/([^/]+)$/.exec(path);
  if (match?.[1] && (request.method === "POST" || request.method === "DELETE")) {
    const name = decodeURIComponent(match[1]);
    if (!isFaultName(name)) {
      json(response, 404, { error: `no fault named ${JSON.stringify(name)}` });
      return;
    }
    const fault = findFault(name);
    const listed = options.faults.list().find((candidate) => candidate.name === name);
    if (!listed?.available) {
      json(response, 409, {
        error: `${name} needs the ${fault.area} part of the stack, which is not running`,
      });
      return;
    }
    const outcome = await serialized(() =>
      request.method === "POST" ? options.faults.apply(name) : options.faults.clear(name),
    );
    json(response, 200, { name, alert: fault.alert, ...outcome });
    return;
  }
  json(response, 404, { error: "not found" });
}
