// Express middleware: the route label is the matched route's template, prefixed by the mount path.
import type { NextFunction, Request, Response } from "express";
import type { ServiceMetrics } from "./service-metrics.ts";

export type ExpressMiddleware = (request: Request, response: Response, next: NextFunction) => void;

/** Register before the routes: `app.use(expressMiddleware(metrics))`. */
export function expressMiddleware(metrics: ServiceMetrics): ExpressMiddleware {
  return (request, response, next) => {
    const end = metrics.startRequest(request.method);
    response.once("close", () => end(expressRoute(request), response.statusCode));
    next();
  };
}

/**
 * `baseUrl + route.path` of the route that handled the request; undefined when none did (a 404, or
 * a response sent by middleware). Express keeps only the matched text of a mount path, so a
 * parameterized mount (`app.use("/orgs/:org", router)`) would leak its values: segments equal to a
 * request parameter are put back as `:name`, which works when the router has `mergeParams: true`.
 */
export function expressRoute(request: Request): string | undefined {
  const route: unknown = request.route;
  if (typeof route !== "object" || route === null || !("path" in route)) return undefined;
  const path = typeof route.path === "string" ? route.path : String(route.path);
  return mountTemplate(request.baseUrl, request.params) + path;
}

function mountTemplate(baseUrl: string, params: Request["params"]): string {
  if (!baseUrl) return "";
  const entries = Object.entries(params ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "",
  );
  if (entries.length === 0) return baseUrl;
  return baseUrl
    .split("/")
    .map((segment) => {
      const value = safeDecode(segment);
      const param = entries.find(([, paramValue]) => paramValue === value);
      return param ? `:${param[0]}` : segment;
    })
    .join("/");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
