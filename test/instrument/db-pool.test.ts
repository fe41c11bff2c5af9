// The pool helper on a real pg.Pool: refused connections (a closed port) are not timeouts, a server
// that accepts and never answers (a hung database) times checkouts out, and against a throwaway
// PostgreSQL (initdb + pg_ctl, as an unprivileged user when root): used/idle/max, a busy pool's
// checkout timing out, and a stopped server's refusals not counted.
import { execFile } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import {
  createServiceMetrics,
  isCheckoutTimeout,
  observePgPool,
  observePool,
  type ServiceMetrics,
} from "../../src/instrument/index.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { sampleValue } from "./traffic.ts";

const run = promisify(execFile);

async function dbMetrics(metrics: ServiceMetrics, pool: string) {
  const families = parseExposition((await metrics.exposition()).body);
  const value = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, name, { ...labels, db_client_connection_pool_name: pool });
  return {
    used: value("db_client_connection_count", { db_client_connection_state: "used" }),
    idle: value("db_client_connection_count", { db_client_connection_state: "idle" }),
    max: value("db_client_connection_max"),
    timeouts: value("db_client_connection_timeouts_total"),
  };
}

/** A TCP server that accepts connections and never answers: PostgreSQL hung, as pg sees it. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("observePgPool without a working server", () => {
  it("counts no timeout for refused connections, however the pool was used", async () => {
    const metrics = createServiceMetrics();
    const port = await freePort();
    const pool = new pg.Pool({
      host: "127.0.0.1",
      port,
      database: "plue",
      max: 3,
      connectionTimeoutMillis: 2_000,
    });
    const { name } = observePgPool(metrics, pool);
    // The conventions' default pool name: server.address:server.port/db.namespace.
    expect(name).toBe(`127.0.0.1:${port}/plue`);
    try {
      expect(await dbMetrics(metrics, name)).toEqual({ used: 0, idle: 0, max: 3, timeouts: 0 });
      const attempts = await Promise.allSettled([
        pool.query("SELECT 1"),
        pool.query("SELECT 1"),
        pool.query("SELECT 1"),
        pool.connect(),
      ]);
      expect(attempts.map((attempt) => attempt.status)).toEqual([
        "rejected",
        "rejected",
        "rejected",
        "rejected",
      ]);
      for (const attempt of attempts) {
        expect(attempt.status === "rejected" && String(attempt.reason)).toContain("ECONNREFUSED");
      }
      expect(await dbMetrics(metrics, name)).toEqual({ used: 0, idle: 0, max: 3, timeouts: 0 });
    } finally {
      await pool.end();
    }
  });

  it("counts a timeout for each checkout whose new connection hangs past connectionTimeoutMillis", async () => {
    const hung = await silentServer();
    const metrics = createServiceMetrics();
    const pool = new pg.Pool({ host: "127.0.0.1", port: hung.port, max: 2, connectionTimeoutMillis: 200 });
    observePgPool(metrics, pool, { name: "hung" });
    try {
      const viaQuery = pool.query("SELECT 1");
      const viaConnect = new Promise<Error | undefined>((resolve) =>
        pool.connect((error) => resolve(error ?? undefined)),
      );
      await expect(viaQuery).rejects.toThrow("Connection terminated due to connection timeout");
      expect((await viaConnect)?.message).toBe("Connection terminated due to connection timeout");
      expect(await dbMetrics(metrics, "hung")).toEqual({ used: 0, idle: 0, max: 2, timeouts: 2 });
      // An ended pool's gauges go away; its timeout count stays.
      await pool.end();
      expect(await dbMetrics(metrics, "hung")).toEqual({
        used: undefined,
        idle: undefined,
        max: undefined,
        timeouts: 2,
      });
    } finally {
      if (!pool.ended) await pool.end();
      await hung.close();
    }
  });

  it("refuses to observe two pools under one name, and tells them apart by db_client_connection_pool_name", () => {
    const metrics = createServiceMetrics();
    const first = new pg.Pool({ max: 2 });
    const second = new pg.Pool({ max: 4 });
    observePgPool(metrics, first, { name: "main" });
    expect(() => observePgPool(metrics, second, { name: "main" })).toThrow(/already observed/);
    observePgPool(metrics, second, { name: "replica" });
    return Promise.all([
      dbMetrics(metrics, "main").then((values) => expect(values.max).toBe(2)),
      dbMetrics(metrics, "replica").then((values) => expect(values.max).toBe(4)),
    ]).finally(() => Promise.all([first.end(), second.end()]));
  });

  it("lets another pool library report its own timeouts", async () => {
    const metrics = createServiceMetrics();
    const observed = observePool(metrics, () => ({ used: 1, idle: 2, max: 3 }), { name: "other" });
    observed.checkoutTimedOut();
    expect(await dbMetrics(metrics, "other")).toEqual({ used: 1, idle: 2, max: 3, timeouts: 1 });
    expect(isCheckoutTimeout(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isCheckoutTimeout(new Error("connect ECONNREFUSED 127.0.0.1:5432"))).toBe(false);
  });
});

/** The newest PostgreSQL of the Debian packages. */
function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, "bin", "pg_ctl")))
        .sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  if (!version) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  return join(root, version, "bin");
}

describe("observePgPool against a real PostgreSQL", () => {
  const dir = tempDir("plue-instrument-pg-");
  const dataDir = join(dir.path, "data");
  const bin = postgresBin();
  // PostgreSQL refuses to run as root: run its tools as nobody, through setpriv.
  const asPostgresUser = (command: string, args: string[]) =>
    process.getuid?.() === 0
      ? run("/usr/bin/setpriv", [
          "--reuid=nobody",
          "--regid=nogroup",
          "--clear-groups",
          "--",
          command,
          ...args,
        ])
      : run(command, args);
  let port = 0;
  let started = false;

  beforeAll(async () => {
    if (process.getuid?.() === 0) chownSync(dir.path, 65534, 65534);
    port = await freePort();
    await asPostgresUser(join(bin, "initdb"), [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--no-sync",
      "--locale=C",
      "--encoding=UTF8",
    ]);
    await asPostgresUser(join(bin, "pg_ctl"), [
      "start",
      "-w",
      "-D",
      dataDir,
      "-l",
      join(dir.path, "log"),
      "-o",
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir.path} -c fsync=off -c shared_buffers=16MB`,
    ]);
    started = true;
  }, 120_000);

  afterAll(async () => {
    try {
      if (started)
        await asPostgresUser(join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", "immediate"]).catch(() => {});
    } finally {
      dir.cleanup();
    }
  });

  it("exports used, idle and max; times out a checkout from a busy pool; counts no timeout once the server is gone", async () => {
    const metrics = createServiceMetrics();
    const pool = new pg.Pool({
      host: "127.0.0.1",
      port,
      user: "postgres",
      database: "postgres",
      max: 3,
      connectionTimeoutMillis: 300,
    });
    pool.on("error", () => {}); // idle connections are cut when the server stops below
    observePgPool(metrics, pool, { name: "main" });
    const held: pg.PoolClient[] = [];
    try {
      held.push(await pool.connect(), await pool.connect());
      await pool.query("SELECT 1"); // a third connection, idle again afterwards
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 2, idle: 1, max: 3, timeouts: 0 });

      // Every connection checked out: the next checkout waits, and gives up after 300 ms.
      held.push(await pool.connect());
      const waited = performance.now();
      await expect(pool.query("SELECT 1")).rejects.toThrow("timeout exceeded when trying to connect");
      expect(performance.now() - waited).toBeGreaterThanOrEqual(250);
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 3, idle: 0, max: 3, timeouts: 1 });
      for (const client of held.splice(0)) client.release();
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 0, idle: 3, max: 3, timeouts: 1 });

      await asPostgresUser(join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", "fast", "-w"]);
      started = false;
      await until(() => pool.idleCount === 0, "the pool to drop its cut connections");
      await expect(pool.query("SELECT 1")).rejects.toThrow("ECONNREFUSED");
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 0, idle: 0, max: 3, timeouts: 1 });
    } finally {
      // pool.end() waits for checked-out clients: hand them back even when an expectation failed.
      for (const client of held) client.release();
      await pool.end();
    }
  });
});
