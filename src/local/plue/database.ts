// Plue's data in the local PostgreSQL: one table of repositories that the api and web read and write,
// and the connection pool each of them uses — observed with the instrument module and kept full, so
// a service holds its connections the way a pooled service in production does. Checkouts give up
// after a timeout, so a hung PostgreSQL shows as db_client_connection_timeouts_total rising rather
// than as requests that never end.
import pg from "pg";
import { observePgPool } from "../../instrument/db-pool.ts";
import type { ServiceMetrics } from "../../instrument/service-metrics.ts";

/** Repositories every fresh stack starts with (owner/name). */
export const REPOSITORIES = [
  "plue/plue",
  "plue/electric-sync",
  "plue/docs",
  "plue/cli",
  "plue/infra",
  "ada/notebooks",
  "grace/compilers",
] as const;

/** Connections each service's pool opens and keeps; api and web together stay far below 80%. */
export const POOL_SIZE = 3;
/** How often a pool that lost connections (PostgreSQL restarted) opens them again. */
const REFILL_EVERY_MS = 2_000;
/** How long a checkout waits for a connection when the settings name no timeout (pg's default: forever). */
export const CHECKOUT_TIMEOUT_MS = 2_000;

/** Creates the table and its first rows; running it again changes nothing. */
export async function migrate(connection: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(connection);
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS repositories (
        owner text NOT NULL,
        name text NOT NULL,
        stars integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner, name)
      )`);
    for (const full of REPOSITORIES) {
      const [owner, name] = full.split("/");
      await client.query(
        "INSERT INTO repositories (owner, name) VALUES ($1, $2) ON CONFLICT (owner, name) DO NOTHING",
        [owner, name],
      );
    }
  } finally {
    await client.end().catch(() => {});
  }
}

export interface WarmPool {
  readonly pool: pg.Pool;
  /** Resolves once the pool has tried to open all its connections. */
  readonly filled: Promise<void>;
  close(): Promise<void>;
}

/**
 * A pg.Pool of POOL_SIZE connections that never closes idle ones and reopens lost ones. Without that
 * the pool would open connections only under load — and fail to exactly when PostgreSQL is full.
 */
export function warmPool(connection: pg.ClientConfig, metrics: ServiceMetrics): WarmPool {
  const pool = new pg.Pool({
    ...connection,
    max: POOL_SIZE,
    min: POOL_SIZE,
    idleTimeoutMillis: 0,
    connectionTimeoutMillis: connection.connectionTimeoutMillis || CHECKOUT_TIMEOUT_MS,
  });
  // PostgreSQL ending an idle connection (db-down) is an error event: unheard, it would end the process.
  pool.on("error", () => {});
  observePgPool(metrics, pool);
  let filling: Promise<void> | undefined;
  const fill = () => {
    filling ??= (async () => {
      const missing = POOL_SIZE - pool.totalCount;
      const opened = await Promise.allSettled(Array.from({ length: missing }, () => pool.connect()));
      for (const result of opened) if (result.status === "fulfilled") result.value.release();
    })().finally(() => {
      filling = undefined;
    });
    return filling;
  };
  const timer = setInterval(() => {
    if (!pool.ending && pool.totalCount < POOL_SIZE) void fill();
  }, REFILL_EVERY_MS);
  return {
    pool,
    filled: fill(),
    async close() {
      clearInterval(timer);
      await filling;
      await pool.end();
    },
  };
}
