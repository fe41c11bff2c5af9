// Hono middleware and /metrics handler: the route label is the template of the route that matched.
import type { Context, MiddlewareHandler } from "hono";
import type { ServiceMetrics } from "./service-metrics.ts";

type RouteHelpers = typeof import("hono/route");
// Loaded on first use, so services on other frameworks need no Hono installed.
let routeHelpers: Promise<RouteHelpers> | undefined;

/**
 * Register before the routes: `app.use(honoMiddleware(metrics))`. A request's time ends when the
 * handler has returned its Response; the transfer of a streamed body is not included.
 */
export function honoMiddleware(metrics: ServiceMetrics): MiddlewareHandler {
  return async (c, next) => {
    const end = metrics.startRequest(c.req.method);
    try {
      await next();
    } catch (error) {
      end(await honoRoute(c), 500);
      throw error;
    }
    end(await honoRoute(c), c.res.status);
  };
}

/** Serves the exposition: `app.get("/metrics", honoMetricsHandler(metrics))`. */
export function honoMetricsHandler(metrics: ServiceMetrics): (c: Context) => Promise<Response> {
  return async (c) => {
    const { contentType, body } = await metrics.exposition();
    return c.body(body, 200, { "Content-Type": contentType });
  };
}

/**
 * The path of the route that answered, else of the last endpoint the request matched (a middleware
 * such as auth may answer first). Middleware is registered for every method ("ALL"), so a request
 * that matched only middleware matched no route: undefined, recorded as "unmatched". (An endpoint
 * registered with app.all() is therefore also counted as unmatched.)
 */
export async function honoRoute(c: Context): Promise<string | undefined> {
  routeHelpers ??= import("hono/route");
  const routes = (await routeHelpers).matchedRoutes(c);
  const answering = routes[c.req.routeIndex];
  if (answering && answering.method !== "ALL") return answering.path;
  return routes.findLast((route) => route.method !== "ALL")?.path;
}
