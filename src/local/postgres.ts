// A throwaway PostgreSQL cluster for the local stack: initdb into the supervisor's temporary
// directory, served on loopback with a deliberately low max_connections so the db-saturated fault
// can really exhaust it, stopped and started for the db-down fault, removed with the directory.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { Supervisor } from "./supervisor.ts";
import { dropPrivileges } from "./unprivileged.ts";

export interface PostgresOptions {
  host: string;
  port: number;
  /** The `plue-monitoring up` flag that moves the port, named when it is taken. */
  portFlag?: string;
  maxConnections?: number;
  /** Database and role Plue's services use. */
  database?: string;
  user?: string;
}

/** PostgreSQL keeps this many slots for superusers (its default superuser_reserved_connections). */
export const SUPERUSER_RESERVED_CONNECTIONS = 3;

export interface LocalPostgres {
  readonly host: string;
  readonly port: number;
  readonly socketDir: string;
  readonly database: string;
  readonly user: string;
  readonly maxConnections: number;
  /** Connection settings for Plue's services (an unprivileged role). */
  serviceConnection(): pg.ClientConfig;
  /** postgresql:// URL for Plue's services. */
  serviceUrl(): string;
  /**
   * postgresql:// URL for postgres_exporter: the superuser, so it keeps one of the reserved slots
   * and still reports while the services have exhausted theirs.
   */
  exporterUrl(): string;
  running(): boolean;
  /** Stops the server (db-down); data stays for start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * Opens connections as the services' role until PostgreSQL refuses one (db-saturated); resolves
   * with how many it holds. release() closes them.
   */
  saturate(): Promise<number>;
  release(): Promise<void>;
}

/** The newest PostgreSQL installed by the Debian packages: /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(root = "/usr/lib/postgresql"): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+(\.\d+)?$/.test(name) && existsSync(join(root, name, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) {
    throw new Error(
      `PostgreSQL not found in ${root}/<version>/bin: install the Debian package (apt-get install postgresql)`,
    );
  }
  return join(root, newest, "bin");
}

export async function startPostgres(
  supervisor: Supervisor,
  options: PostgresOptions,
): Promise<LocalPostgres> {
  const bin = findPostgresBin();
  const privileges = dropPrivileges();
  const maxConnections = options.maxConnections ?? 20;
  const database = options.database ?? "plue";
  const user = options.user ?? "plue";
  const password = randomBytes(12).toString("hex");
  const superuserPassword = randomBytes(12).toString("hex");

  const dir = supervisor.dir("postgres");
  const dataDir = join(dir, "data");
  const socketDir = join(dir, "socket");
  mkdirSync(socketDir, { mode: 0o700 });
  privileges.give(dir);
  privileges.give(socketDir);

  const passwordFile = join(dir, "superuser-password");
  writeFileSync(passwordFile, `${superuserPassword}\n`, { mode: 0o600 });
  privileges.give(passwordFile);
  try {
    const initdb = privileges.wrap(join(bin, "initdb"), [
      "--pgdata",
      dataDir,
      "--username",
      "postgres",
      "--pwfile",
      passwordFile,
      "--auth-local",
      "trust",
      "--auth-host",
      "scram-sha-256",
      "--encoding",
      "UTF8",
      "--locale",
      "C",
      "--no-sync",
    ]);
    await supervisor.run({ name: "initdb", command: initdb.command, args: initdb.args, cwd: dir });
  } finally {
    rmSync(passwordFile, { force: true });
  }

  const server = privileges.wrap(join(bin, "postgres"), [
    "-D",
    dataDir,
    "-c",
    `listen_addresses=${options.host}`,
    "-c",
    `port=${options.port}`,
    "-c",
    `unix_socket_directories=${socketDir}`,
    "-c",
    `max_connections=${maxConnections}`,
    "-c",
    `superuser_reserved_connections=${SUPERUSER_RESERVED_CONNECTIONS}`,
    // Throwaway data: durability buys nothing here and costs the other processes I/O.
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "shared_buffers=16MB",
  ]);
  const superuser = (): pg.ClientConfig => ({
    host: socketDir,
    port: options.port,
    user: "postgres",
    database: "postgres",
    connectionTimeoutMillis: 2_000,
  });
  const spec = {
    name: "postgres",
    command: server.command,
    args: server.args,
    cwd: dir,
    // SIGINT is PostgreSQL's fast shutdown: sessions are ended rather than waited for.
    stopSignal: "SIGINT" as const,
    ports: [{ host: options.host, port: options.port, flag: options.portFlag ?? "--postgres-port" }],
    readiness: {
      kind: "check" as const,
      description: "PostgreSQL answering SELECT 1",
      check: () => query(superuser(), "SELECT 1").then(() => true),
    },
  };
  await supervisor.start(spec);
  await query(superuser(), [
    `CREATE ROLE ${user} LOGIN PASSWORD '${password}'`,
    `CREATE DATABASE ${database} OWNER ${user}`,
  ]);

  const serviceConnection = (): pg.ClientConfig => ({
    host: options.host,
    port: options.port,
    user,
    password,
    database,
    connectionTimeoutMillis: 2_000,
  });
  const held: pg.Client[] = [];
  let running = true;
  const release = async () => {
    await Promise.all(held.splice(0).map((client) => client.end().catch(() => {})));
  };

  return {
    host: options.host,
    port: options.port,
    socketDir,
    database,
    user,
    maxConnections,
    serviceConnection,
    serviceUrl: () =>
      `postgresql://${user}:${password}@${options.host}:${options.port}/${database}?sslmode=disable`,
    exporterUrl: () =>
      `postgresql://postgres:${superuserPassword}@${options.host}:${options.port}/postgres?sslmode=disable`,
    running: () => running,
    async stop() {
      await release();
      await supervisor.stop("postgres");
      running = false;
    },
    async start() {
      await supervisor.restart("postgres");
      running = true;
    },
    async saturate() {
      for (;;) {
        const client = new pg.Client(serviceConnection());
        client.on("error", () => {});
        try {
          await client.connect();
        } catch (error) {
          await client.end().catch(() => {});
          if (isTooManyConnections(error)) return held.length;
          throw error;
        }
        held.push(client);
        if (held.length > maxConnections) throw new Error("PostgreSQL accepted more than max_connections");
      }
    },
    release,
  };
}

/** SQLSTATE 53300: "too many clients" or "remaining connection slots are reserved". */
export function isTooManyConnections(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "53300";
}

async function query(config: pg.ClientConfig, statements: string | readonly string[]): Promise<void> {
  const client = new pg.Client(config);
  client.on("error", () => {});
  try {
    await client.connect();
    for (const statement of typeof statements === "string" ? [statements] : statements) {
      await client.query(statement);
    }
  } finally {
    await client.end().catch(() => {});
  }
}
