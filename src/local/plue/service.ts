// What every local Plue service is made of: an HTTP server (not yet listening) built from its
// metrics, its fault knobs and its database settings, and what to close when it stops.
import type { Server } from "node:http";
import type pg from "pg";
import type { ServiceMetrics } from "../../instrument/service-metrics.ts";
import type { FaultKnobs } from "./knobs.ts";

export type PlueServiceName = "api" | "web" | "electric";

export interface ServiceContext {
  /** Fresh for every start, as a restarted process starts its counters from zero. */
  metrics: ServiceMetrics;
  knobs: FaultKnobs;
  /** Connection settings of the service's database role. */
  database: pg.ClientConfig;
}

export interface ServiceInstance {
  server: Server;
  /** Resolves once the service can answer its requests (its pool is open). */
  ready: Promise<void>;
  /** Releases what the server does not own (the pool); the server itself is closed by the caller. */
  close(): Promise<void>;
}

export type ServiceFactory = (context: ServiceContext) => ServiceInstance;

export const json = (status: number, body: unknown) => ({
  status,
  type: "application/json; charset=utf-8",
  body: JSON.stringify(body),
});
