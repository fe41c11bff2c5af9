// Node's plain http server: a wrapper for a request listener, and a /metrics listener.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ServiceMetrics } from "./service-metrics.ts";

/**
 * The route template of a request ("/users/:id"), or undefined when no route matches (recorded as
 * "unmatched"). Called once the response is done, so a router may leave its result on the request.
 * Must never return the raw URL: every distinct value is a new time series.
 */
export type RouteResolver = (request: IncomingMessage) => string | undefined;

export interface ListenerOptions {
  route: RouteResolver;
}

/** Wraps a request listener so each request is timed and counted under its route template. */
export function instrumentRequestListener(
  metrics: ServiceMetrics,
  listener: RequestListener,
  options: ListenerOptions,
): RequestListener {
  return (request, response) => {
    const end = metrics.startRequest(request.method);
    // "close" follows "finish", and also comes alone when the client goes away mid-response. A
    // response emits it at most once (nodejs/node lib/_http_server.js@v20.20.2, emitCloseNT checks
    // _closed; end() ignores a second call anyway), so `on` does, without `once`'s wrapper.
    response.on("close", () => end(resolveRoute(options.route, request), response.statusCode));
    listener(request, response);
  };
}

/** A request listener that serves the exposition (mount it at /metrics). */
export function metricsRequestListener(metrics: ServiceMetrics): RequestListener {
  return (_request, response) => {
    void serveExposition(metrics, response);
  };
}

async function serveExposition(metrics: ServiceMetrics, response: ServerResponse): Promise<void> {
  try {
    const { contentType, body } = await metrics.exposition();
    response.writeHead(200, { "Content-Type": contentType }).end(body);
  } catch (error) {
    response
      .writeHead(500, { "Content-Type": "text/plain" })
      .end(`collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function resolveRoute(resolver: RouteResolver, request: IncomingMessage): string | undefined {
  try {
    return resolver(request);
  } catch {
    return undefined; // a failing resolver must not take the request's measurement with it
  }
}
