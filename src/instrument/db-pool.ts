// Database-pool metrics of the contract, as the OpenTelemetry database-client semantic conventions
// (1.27 or later) name them in Prometheus: db_client_connection_count{db_client_connection_state=
// "used"|"idle"}, db_client_connection_max and db_client_connection_timeouts_total, each with
// db_client_connection_pool_name so one service may observe several pools. A timeout is a checkout
// that got no connection within the pool's timeout; a refused connection is not one (PostgreSQL being
// down shows in postgres_exporter's pg_up).
import type { Pool } from "pg";
import { Counter, Gauge, type Registry } from "prom-client";
import { DB_CONNECTION_STATES } from "../catalog/plue-services.ts";
import type { ServiceMetrics } from "./service-metrics.ts";

export interface PoolStats {
  /** Connections checked out (or being opened). */
  used: number;
  idle: number;
  /** The most connections the pool may open. */
  max: number;
}

export interface ObservedPool {
  /** The db_client_connection_pool_name of its series. */
  readonly name: string;
  /** Counts one checkout that timed out (observePgPool does it by itself). */
  checkoutTimedOut(): void;
}

const STATE = "db_client_connection_state";
const POOL_NAME = "db_client_connection_pool_name";

interface PoolMetrics {
  sources: Map<string, () => PoolStats | undefined>;
  timeouts: Counter<typeof POOL_NAME>;
}

// One set of db metrics per registry, shared by every pool observed in it.
const poolMetricsByRegistry = new WeakMap<Registry, PoolMetrics>();

/**
 * Any pool: `stats` is read at every scrape; undefined (a closed pool) drops its gauges. `name` must
 * be unique within the service (default "default").
 */
export function observePool(
  metrics: ServiceMetrics,
  stats: () => PoolStats | undefined,
  options: { name?: string } = {},
): ObservedPool {
  const name = options.name ?? "default";
  const poolMetrics = poolMetricsFor(metrics.registry);
  if (poolMetrics.sources.has(name))
    throw new Error(`a pool named ${JSON.stringify(name)} is already observed`);
  poolMetrics.sources.set(name, stats);
  // The counter's series exists from the start, so increase() sees the first timeout.
  poolMetrics.timeouts.inc({ [POOL_NAME]: name }, 0);
  return { name, checkoutTimedOut: () => poolMetrics.timeouts.inc({ [POOL_NAME]: name }) };
}

/**
 * A pg.Pool: its counts at every scrape, and every checkout (pool.connect, pool.query) that failed
 * because `connectionTimeoutMillis` elapsed. Without that option pg.Pool waits forever and nothing
 * ever times out. The name defaults to the conventions' `server.address:server.port/db.namespace`.
 */
export function observePgPool(
  metrics: ServiceMetrics,
  pool: Pool,
  options: { name?: string } = {},
): ObservedPool {
  const observed = observePool(
    metrics,
    () =>
      pool.ended
        ? undefined
        : { used: pool.totalCount - pool.idleCount, idle: pool.idleCount, max: pool.options.max ?? 10 },
    { name: options.name ?? pgPoolName(pool) },
  );
  countCheckoutTimeouts(pool, observed.checkoutTimedOut);
  return observed;
}

/**
 * What pg-pool and pg say when `connectionTimeoutMillis` ran out: waiting for a busy pool to hand back
 * a connection; opening a new connection (the pool's timer); the same, caught by pg.Client's own
 * timer, which receives the pool's options. Anything else (refused, authentication, too many clients)
 * failed without timing out.
 */
const TIMEOUT_MESSAGES: ReadonlySet<string> = new Set([
  "timeout exceeded when trying to connect",
  "Connection terminated due to connection timeout",
  "timeout expired",
]);

/** Whether a failed pg checkout timed out (rather than being refused or rejected). */
export function isCheckoutTimeout(error: unknown): boolean {
  return error instanceof Error && TIMEOUT_MESSAGES.has(error.message);
}

type ConnectCallback = (error: Error | undefined, ...rest: unknown[]) => void;
type Connect = (callback?: ConnectCallback) => unknown;

/**
 * Wraps the pool's own connect: pool.query checks out through it too, so each checkout is seen once,
 * with the error its caller gets (a new connection that timed out after its waiter had already given
 * up is not reported again).
 */
function countCheckoutTimeouts(pool: Pool, timedOut: () => void): void {
  const connecting = pool as unknown as { connect: Connect };
  const connect = connecting.connect.bind(pool);
  connecting.connect = (callback) => {
    if (!callback) {
      return Promise.resolve(connect()).catch((error: unknown) => {
        if (isCheckoutTimeout(error)) timedOut();
        throw error;
      });
    }
    return connect((error, ...rest) => {
      if (isCheckoutTimeout(error)) timedOut();
      callback(error, ...rest);
    });
  };
}

/**
 * `host:port/database` as pg resolves them (options, connection string, PG* environment, defaults):
 * read from a client built, never connected, with the pool's options. "default" if that fails.
 */
function pgPoolName(pool: Pool): string {
  const Client = (pool as unknown as { Client: new (options: unknown) => Record<string, unknown> }).Client;
  try {
    const { host, port, database } = new Client(pool.options);
    if (host !== undefined && port !== undefined && database !== undefined)
      return `${String(host)}:${String(port)}/${String(database)}`;
  } catch {
    // Options pg would reject at connect time: the pool's errors will say so, not the metrics.
  }
  return "default";
}

function poolMetricsFor(registry: Registry): PoolMetrics {
  const existing = poolMetricsByRegistry.get(registry);
  if (existing) return existing;
  const sources = new Map<string, () => PoolStats | undefined>();
  const current = () =>
    [...sources].flatMap(([name, stats]) => {
      const value = stats();
      return value ? [{ name, ...value }] : [];
    });
  new Gauge({
    name: "db_client_connection_count",
    help: 'Connections of a database pool, by state ("used" or "idle")',
    labelNames: [STATE, POOL_NAME],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of current()) {
        for (const state of DB_CONNECTION_STATES)
          this.set({ [STATE]: state, [POOL_NAME]: pool.name }, pool[state]);
      }
    },
  });
  new Gauge({
    name: "db_client_connection_max",
    help: "The most connections a database pool may open",
    labelNames: [POOL_NAME],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of current()) this.set({ [POOL_NAME]: pool.name }, pool.max);
    },
  });
  const timeouts = new Counter({
    name: "db_client_connection_timeouts_total",
    help: "Pool checkouts that timed out: a connection was asked for and none came within the pool's timeout",
    labelNames: [POOL_NAME],
    registers: [registry],
  });
  const created = { sources, timeouts };
  poolMetricsByRegistry.set(registry, created);
  return created;
}
