// One real Prometheus for the bench: a temporary data directory, a free port, config reloads over
// HTTP (--web.enable-lifecycle), instant queries.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./node-exporter.ts";

export const PROMETHEUS = "/usr/bin/prometheus";

export interface BenchPrometheus {
  url: string;
  dataDir: string;
  /** Writes the config and makes Prometheus load it. */
  load(config: object): Promise<void>;
  /** An instant query's vector as label set → value. */
  query(expr: string): Promise<{ labels: Record<string, string>; value: number }[]>;
  /** A query expected to return one number. */
  scalar(expr: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrometheus(dir: string): Promise<BenchPrometheus> {
  const port = await freePort();
  const configFile = join(dir, "prometheus.yml");
  const dataDir = join(dir, "data");
  writeFileSync(configFile, stringify({ global: { scrape_interval: "15s" }, scrape_configs: [] }));
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-10_000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // starting
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`Prometheus did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const query = async (expr: string) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
    return (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };

  return {
    url,
    dataDir,
    async load(config) {
      writeFileSync(configFile, stringify(config));
      const response = await fetch(`${url}/-/reload`, { method: "POST" });
      if (!response.ok) throw new Error(`reload refused: ${await response.text()}\n${log}`);
    },
    query,
    async scalar(expr) {
      const [first] = await query(expr);
      if (!first) throw new Error(`query ${expr} returned nothing`);
      return first.value;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Bytes of the write-ahead log on disk. */
export function walBytes(dataDir: string): number {
  const wal = join(dataDir, "wal");
  let total = 0;
  for (const entry of readdirSync(wal, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
