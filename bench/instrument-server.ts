// The server under load in bench/instrument.ts, in a process of its own: a small JSON API on
// node:http, bare, wrapped by instrumentRequestListener, or measured by the OpenTelemetry SDK
// (bench/instrument-otel.ts). Prints its port, runs until SIGTERM; GET /__cpu answers its CPU usage
// so far.
//   node --import tsx bench/instrument-server.ts bare|instrumented|otel
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import {
  createServiceMetrics,
  instrumentRequestListener,
  metricsRequestListener,
} from "../src/instrument/index.ts";
import { createOtelInstrumentation } from "./instrument-otel.ts";

const variant = process.argv[2];
if (variant !== "bare" && variant !== "instrumented" && variant !== "otel") {
  console.error("usage: instrument-server.ts bare|instrumented|otel");
  process.exit(2);
}

const USER = /^\/users\/(\d+)$/;
const otel = variant === "otel" ? createOtelInstrumentation() : undefined;
const metrics = createServiceMetrics();
const serveMetrics = otel ? otel.metricsListener : metricsRequestListener(metrics);

const app: RequestListener = (request, response) => {
  const id = USER.exec(request.url ?? "")?.[1];
  if (request.url === "/metrics") return serveMetrics(request, response);
  if (!id) {
    response.writeHead(404).end();
    return;
  }
  response
    .writeHead(200, { "Content-Type": "application/json" })
    .end(JSON.stringify({ id, name: `user ${id}` }));
};

const route = (request: IncomingMessage) =>
  request.url === "/metrics" ? "/metrics" : USER.test(request.url ?? "") ? "/users/:id" : undefined;
const listener =
  variant === "bare"
    ? app
    : otel
      ? otel.instrument(app, route)
      : instrumentRequestListener(metrics, app, { route });
// CPU time this process has used, read by the benchmark around each run; answered outside the
// listener under test so both variants pay the same for it.
const server = createServer((request, response) => {
  if (request.url === "/__cpu") {
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(process.cpuUsage()));
    return;
  }
  listener(request, response);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
