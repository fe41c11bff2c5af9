// Database-pool metrics of the contract: db_client_connection_count{state="used"|"idle"},
// db_client_connection_max and db_client_connection_errors_total, each with a pool_name label
// (OpenTelemetry's db.client.connection.pool.name) so one service may observe several pools.
import type { Pool } from "pg";
import { Counter, Gauge, type Registry } from "prom-client";
import type { ServiceMetrics } from "./service-metrics.ts";

export interface PoolStats {
  /** Connections checked out (or being opened). */
  used: number;
  idle: number;
  /** The most connections the pool may open. */
  max: number;
}

export interface ObservedPool {
  /** Counts one failed connection attempt (observePgPool does it by itself). */
  connectionFailed(): void;
}

interface PoolMetrics {
  sources: Map<string, () => PoolStats | undefined>;
  errors: Counter<"pool_name">;
}

// One set of db metrics per registry, shared by every pool observed in it.
const poolMetricsByRegistry = new WeakMap<Registry, PoolMetrics>();

/** Any pool: `stats` is read at every scrape; undefined (a closed pool) drops its series. */
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
  // The counter's series exists from the start, so increase() sees the first error.
  poolMetrics.errors.inc({ pool_name: name }, 0);
  return { connectionFailed: () => poolMetrics.errors.inc({ pool_name: name }) };
}

/** A pg.Pool: its counts, and every connection attempt that fails (refused, timed out, rejected). */
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
    options,
  );
  countFailedConnects(pool, observed.connectionFailed);
  return observed;
}

type ConnectCallback = (error: Error | null | undefined, ...rest: unknown[]) => void;
interface ConnectingClient {
  connect(callback?: ConnectCallback): unknown;
}
type ClientConstructor = new (...args: never[]) => ConnectingClient;

/**
 * pg.Pool builds each new connection with `new pool.Client(options)` and connects it with a
 * callback; a subclass that sees that callback's error counts every failed attempt, however the
 * pool was used (query, connect).
 */
function countFailedConnects(pool: Pool, failed: () => void): void {
  const poolWithClient = pool as unknown as { Client: ClientConstructor };
  const Base = poolWithClient.Client;
  poolWithClient.Client = class CountingClient extends Base {
    override connect(callback?: ConnectCallback): unknown {
      if (!callback) {
        return Promise.resolve(super.connect()).catch((error: unknown) => {
          failed();
          throw error;
        });
      }
      return super.connect((error, ...rest) => {
        if (error) failed();
        callback(error, ...rest);
      });
    }
  };
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
    help: 'Database pool connections by state ("used" or "idle")',
    labelNames: ["state", "pool_name"],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of current()) {
        this.set({ state: "used", pool_name: pool.name }, pool.used);
        this.set({ state: "idle", pool_name: pool.name }, pool.idle);
      }
    },
  });
  new Gauge({
    name: "db_client_connection_max",
    help: "Largest number of connections the pool may open",
    labelNames: ["pool_name"],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of current()) this.set({ pool_name: pool.name }, pool.max);
    },
  });
  const errors = new Counter({
    name: "db_client_connection_errors_total",
    help: "Connection attempts to the database that failed",
    labelNames: ["pool_name"],
    registers: [registry],
  });
  const created = { sources, errors };
  poolMetricsByRegistry.set(registry, created);
  return created;
}
