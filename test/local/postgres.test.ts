import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTooManyConnections, type LocalPostgres, startPostgres } from "../../src/local/postgres.ts";
import { Supervisor } from "../../src/local/supervisor.ts";
import { freePort } from "../helpers/system.ts";
import { alive } from "./processes.ts";

async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config);
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function connectionError(config: pg.ClientConfig): Promise<unknown> {
  const client = new pg.Client(config);
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => {});
  }
  throw new Error("the connection was accepted");
}

describe("local PostgreSQL", () => {
  let supervisor: Supervisor;
  let postgres: LocalPostgres;
  const superuser = (): pg.ClientConfig => ({
    host: postgres.socketDir,
    port: postgres.port,
    user: "postgres",
    database: "postgres",
  });

  beforeAll(async () => {
    supervisor = new Supervisor({ prefix: "plue-monitoring-test-" });
    postgres = await startPostgres(supervisor, { host: "127.0.0.1", port: await freePort() });
  });

  afterAll(async () => {
    await postgres?.release();
    await supervisor?.shutdown();
  });

  it("serves a database and role for Plue's services on loopback, with max_connections 20", async () => {
    const client = await connect(postgres.serviceConnection());
    try {
      const { rows } = await client.query(
        "SELECT current_user AS role, current_database() AS db, current_setting('max_connections') AS max",
      );
      expect(rows[0]).toEqual({ role: "plue", db: "plue", max: "20" });
      const fromUrl = await connect({ connectionString: postgres.serviceUrl() });
      await fromUrl.end();
      const exporter = await connect({ connectionString: postgres.exporterUrl() });
      const { rows: superRows } = await exporter.query(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
      );
      expect(superRows[0]).toEqual({ rolsuper: true });
      await exporter.end();
    } finally {
      await client.end();
    }
  });

  it("runs as an unprivileged user when started as root", () => {
    const pid = supervisor.pid("postgres") as number;
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    if (process.getuid?.() === 0) expect(Number(uid)).not.toBe(0);
    else expect(Number(uid)).toBe(process.getuid?.());
  });

  it("rejects a wrong password", async () => {
    const error = await connectionError({ ...postgres.serviceConnection(), password: "wrong" });
    expect(String(error)).toMatch(/password authentication failed/);
  });

  it("really refuses connections beyond max_connections", async () => {
    const held = await postgres.saturate();
    const extra: pg.Client[] = [];
    try {
      // 20 slots, 3 kept for superusers: the services' role gets 17, then nothing.
      expect(held).toBe(17);
      const refused = await connectionError(postgres.serviceConnection());
      expect(isTooManyConnections(refused)).toBe(true);
      expect(String(refused)).toMatch(/reserved for .*superuser/);
      for (let index = 0; index < 3; index++) extra.push(await connect(superuser()));
      const full = await connectionError(superuser());
      expect(String(full)).toMatch(/too many clients already/);
    } finally {
      await Promise.all(extra.map((client) => client.end()));
      await postgres.release();
    }
    const again = await connect(postgres.serviceConnection());
    await again.end();
  });

  it("stops for db-down (connections refused) and starts again with its data", async () => {
    const client = await connect(postgres.serviceConnection());
    await client.query("CREATE TABLE survives (id int); INSERT INTO survives VALUES (42)");
    await client.end();
    const first = supervisor.pid("postgres") as number;

    await postgres.stop();
    expect(postgres.running()).toBe(false);
    expect(alive(first)).toBe(false);
    const down = (await connectionError(postgres.serviceConnection())) as { code?: string };
    expect(down.code).toBe("ECONNREFUSED");

    await postgres.start();
    expect(postgres.running()).toBe(true);
    const back = await connect(postgres.serviceConnection());
    const { rows } = await back.query("SELECT id FROM survives");
    await back.end();
    expect(rows).toEqual([{ id: 42 }]);
  });

  it("leaves no process and no directory after shutdown", async () => {
    const own = new Supervisor({ prefix: "plue-monitoring-test-" });
    const extra = await startPostgres(own, { host: "127.0.0.1", port: await freePort() });
    const pid = own.pid("postgres") as number;
    const backend = await connect(extra.serviceConnection());
    const { rows } = await backend.query("SELECT pg_backend_pid() AS pid");
    const backendPid = Number(rows[0].pid);
    expect(alive(pid) && alive(backendPid)).toBe(true);
    await own.shutdown();
    await backend.end().catch(() => {});
    expect(alive(pid)).toBe(false);
    expect(alive(backendPid)).toBe(false);
    expect(existsSync(own.root)).toBe(false);
  });
});
