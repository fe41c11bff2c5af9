// The real Prometheus and Alertmanager binaries for tests: started on free ports, waited for until
// ready, and stopped (SIGKILL after a grace period) by the returned stop(), also after a failure.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { toYaml } from "../../src/render.ts";
import { freePort } from "../helpers/system.ts";

export const PROMETHEUS = "/usr/bin/prometheus";
export const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

export interface RunningBinary {
  name: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export async function startBinary(
  name: string,
  command: string,
  args: readonly string[],
  readyUrl: string,
  timeoutMs = 20_000,
): Promise<RunningBinary> {
  const child: ChildProcess = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const stop = async () => {
    if (!running) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(killer);
  };
  const binary: RunningBinary = { name, output: () => output, stop };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running) throw new Error(`${name} exited before it was ready:\n${output}`);
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return binary;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls until `get` returns a value, or fails with what was last seen. */
export async function eventually<T>(
  what: string,
  get: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A real Prometheus on `config` (YAML text, or an object written as YAML) with its data in `dir`,
 * listening on `port` (a free one unless given), ready to answer.
 */
export async function startPrometheus(
  dir: string,
  config: string | Record<string, unknown>,
  options: { port?: number; args?: readonly string[] } = {},
): Promise<{ prometheus: RunningBinary; url: string }> {
  const file = join(dir, "prometheus.yml");
  writeFileSync(file, typeof config === "string" ? config : toYaml(config));
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const prometheus = await startBinary(
    "prometheus",
    PROMETHEUS,
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.args ?? []),
    ],
    `${url}/-/ready`,
  );
  return { prometheus, url };
}
