// Requests per second of a small node:http server, bare and instrumented, in one run; prints the
// ratios. The servers run in child processes, the load generator (autocannon) in this one. Both
// servers stay up and the rounds alternate between them; each ratio is the median of the rounds'
// pairs, so load from elsewhere on the machine weighs on both alike. Server CPU time per request is
// printed too: it is steadier than throughput on a busy machine.
//   npm run bench [-- --duration SECONDS --connections N --rounds N]
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { parseExposition } from "../src/instrument/contract/parse-exposition.ts";

type Variant = "bare" | "instrumented";

interface Run {
  rps: number;
  p99: number;
  served: number;
  /** Server CPU time (user + system) per request served, in microseconds. */
  cpuPerRequest: number;
}

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    rounds: { type: "string", default: "4" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);

const serverScript = fileURLToPath(new URL("./instrument-server.ts", import.meta.url));

async function startServer(variant: Variant): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", serverScript, variant], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${variant} server exited (${code}) before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
  });
  const { port } = JSON.parse(firstLine) as { port: number };
  return { child, base: `http://127.0.0.1:${port}` };
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function serverCpu(base: string): Promise<number> {
  const usage = (await (await fetch(`${base}/__cpu`)).json()) as { user: number; system: number };
  return usage.user + usage.system;
}

async function measure(variant: Variant, base: string): Promise<Run> {
  const cpuBefore = await serverCpu(base);
  const result = await autocannon({ url: `${base}/users/42`, connections, duration });
  const cpu = (await serverCpu(base)) - cpuBefore;
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`${variant}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
  }
  const served = result.requests.total;
  return { rps: result.requests.average, p99: result.latency.p99, served, cpuPerRequest: cpu / served };
}

/** The instrumented server really counted what it served: its /users/:id count, warm-up included. */
async function countedRequests(base: string): Promise<number> {
  const families = parseExposition(await (await fetch(`${base}/metrics`)).text());
  const counted = families
    .get("http_server_request_duration_seconds")
    ?.samples.find((sample) => sample.name.endsWith("_count") && sample.labels.http_route === "/users/:id");
  return counted?.value ?? 0;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

const servers = { bare: await startServer("bare"), instrumented: await startServer("instrumented") };
try {
  console.log(
    `node:http, GET /users/42, ${connections} connections, ${duration}s × ${rounds} rounds per variant`,
  );
  // Warm-up (JIT, sockets), not counted.
  for (const { base } of Object.values(servers)) {
    await autocannon({ url: `${base}/users/42`, connections, duration: 1 });
  }
  const runs: Record<Variant, Run[]> = { bare: [], instrumented: [] };
  const rpsRatios: number[] = [];
  const cpuRatios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: Variant[] = round % 2 === 1 ? ["bare", "instrumented"] : ["instrumented", "bare"];
    const pair: Partial<Record<Variant, Run>> = {};
    for (const variant of order) {
      const run = await measure(variant, servers[variant].base);
      pair[variant] = run;
      runs[variant].push(run);
      console.log(
        `  round ${round}  ${variant.padEnd(12)}  ${Math.round(run.rps).toString().padStart(7)} req/s  ` +
          `p99 ${run.p99} ms  server CPU ${run.cpuPerRequest.toFixed(1)} µs/request`,
      );
    }
    const { bare, instrumented } = pair as Record<Variant, Run>;
    rpsRatios.push(instrumented.rps / bare.rps);
    cpuRatios.push(instrumented.cpuPerRequest / bare.cpuPerRequest);
  }
  const served = runs.instrumented.reduce((sum, run) => sum + run.served, 0);
  const counted = await countedRequests(servers.instrumented.base);
  if (counted < served)
    throw new Error(`the instrumented server counted ${counted} requests, ${served} were served`);

  const mean = (variant: Variant, of: (run: Run) => number) =>
    runs[variant].reduce((sum, run) => sum + of(run), 0) / runs[variant].length;
  const list = (numbers: readonly number[]) => numbers.map((value) => value.toFixed(3)).join(" ");
  for (const variant of ["bare", "instrumented"] as const) {
    console.log(
      `${variant.padEnd(12)}  ${Math.round(mean(variant, (run) => run.rps))} req/s, ` +
        `${mean(variant, (run) => run.cpuPerRequest).toFixed(1)} µs server CPU per request (means)`,
    );
  }
  console.log(
    `the instrumented server's histogram counted ${counted} requests (${served} measured, plus warm-up)`,
  );
  console.log(
    `ratio instrumented/bare, requests per second: ${median(rpsRatios).toFixed(3)} (rounds: ${list(rpsRatios)})`,
  );
  console.log(
    `ratio instrumented/bare, CPU per request:     ${median(cpuRatios).toFixed(3)} (rounds: ${list(cpuRatios)})`,
  );
} finally {
  await Promise.all(Object.values(servers).map(({ child }) => stopServer(child)));
}
