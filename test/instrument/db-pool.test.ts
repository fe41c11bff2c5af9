// The pool helper on a real pg.Pool: failed connection attempts against a closed port, and
// used/idle/max against a throwaway PostgreSQL (initdb + pg_ctl, as an unprivileged user when root).
import { execFile } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { createServiceMetrics, observePgPool, type ServiceMetrics } from "../../src/instrument/index.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { sampleValue } from "./traffic.ts";

const run = promisify(execFile);

async function dbMetrics(metrics: ServiceMetrics, pool = "default") {
  const families = parseExposition((await metrics.exposition()).body);
  const gauge = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, name, { ...labels, pool_name: pool });
  return {
    used: gauge("db_client_connection_count", { state: "used" }),
    idle: gauge("db_client_connection_count", { state: "idle" }),
    max: gauge("db_client_connection_max"),
    errors: gauge("db_client_connection_errors_total"),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("observePgPool against a closed port", () => {
  it("counts every failed connection attempt, however the pool was used", async () => {
    const metrics = createServiceMetrics();
    const pool = new pg.Pool({
      host: "127.0.0.1",
      port: await freePort(),
      max: 3,
      connectionTimeoutMillis: 2_000,
    });
    observePgPool(metrics, pool);
    try {
      expect(await dbMetrics(metrics)).toEqual({ used: 0, idle: 0, max: 3, errors: 0 });
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
      expect(await dbMetrics(metrics)).toEqual({ used: 0, idle: 0, max: 3, errors: 4 });
    } finally {
      await pool.end();
    }
    // An ended pool's gauges go away; its error count stays.
    const after = await dbMetrics(metrics);
    expect(after).toEqual({ used: undefined, idle: undefined, max: undefined, errors: 4 });
  });

  it("refuses to observe two pools under one name, and tells them apart by pool_name", () => {
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

  it("exports used, idle and max, and counts the refused attempts once the server is gone", async () => {
    const metrics = createServiceMetrics();
    const pool = new pg.Pool({ host: "127.0.0.1", port, user: "postgres", database: "postgres", max: 5 });
    pool.on("error", () => {}); // idle connections are cut when the server stops below
    observePgPool(metrics, pool, { name: "main" });
    const held: pg.PoolClient[] = [];
    try {
      held.push(await pool.connect(), await pool.connect());
      await pool.query("SELECT 1"); // a third connection, idle again afterwards
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 2, idle: 1, max: 5, errors: 0 });
      for (const client of held.splice(0)) client.release();
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 0, idle: 3, max: 5, errors: 0 });

      await asPostgresUser(join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", "fast", "-w"]);
      started = false;
      await until(() => pool.idleCount === 0, "the pool to drop its cut connections");
      await expect(pool.query("SELECT 1")).rejects.toThrow();
      expect(await dbMetrics(metrics, "main")).toEqual({ used: 0, idle: 0, max: 5, errors: 1 });
    } finally {
      // pool.end() waits for checked-out clients: hand them back even when an expectation failed.
      for (const client of held) client.release();
      await pool.end();
    }
  });
});
