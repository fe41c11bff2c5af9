// Requests per second of a small node:http server, bare, instrumented (plue-monitoring/instrument)
// and measured by the OpenTelemetry SDK (bench/instrument-otel.ts), in one run; prints the ratios to
// bare. The servers run in child processes, the load generator (autocannon) in this one. All servers
// stay up and each round runs every variant, in an order that rotates from round to round; each ratio
// is the median of the rounds' ratios, so load from elsewhere on the machine weighs on all alike.
// Server CPU time per request is printed too: it is steadier than throughput on a busy machine.
//   npm run bench [-- --duration SECONDS --connections N --rounds N]
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { parseExposition } from "../src/instrument/contract/parse-exposition.ts";

const VARIANTS = ["bare", "instrumented", "otel"] as const;
type Variant = (typeof VARIANTS)[number];
/** The variants compared with bare. */
const MEASURED = ["instrumented", "otel"] as const;
type Measured = (typeof MEASURED)[number];

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

/** An instrumented server really counted what it served: its /users/:id count, warm-up included. */
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

const servers = {
  bare: await startServer("bare"),
  instrumented: await startServer("instrumented"),
  otel: await startServer("otel"),
};
try {
  console.log(
    `node:http, GET /users/42, ${connections} connections, ${duration}s × ${rounds} rounds per variant`,
  );
  // Warm-up (JIT, sockets), not counted.
  for (const { base } of Object.values(servers)) {
    await autocannon({ url: `${base}/users/42`, connections, duration: 1 });
  }
  const runs: Record<Variant, Run[]> = { bare: [], instrumented: [], otel: [] };
  const rpsRatios: Record<Measured, number[]> = { instrumented: [], otel: [] };
  const cpuRatios: Record<Measured, number[]> = { instrumented: [], otel: [] };
  for (let round = 1; round <= rounds; round++) {
    // Each variant takes each place in the order in turn.
    const order = VARIANTS.map((_, index) => VARIANTS[(index + round - 1) % VARIANTS.length] as Variant);
    const trio: Partial<Record<Variant, Run>> = {};
    for (const variant of order) {
      const run = await measure(variant, servers[variant].base);
      trio[variant] = run;
      runs[variant].push(run);
      console.log(
        `  round ${round}  ${variant.padEnd(12)}  ${Math.round(run.rps).toString().padStart(7)} req/s  ` +
          `p99 ${run.p99} ms  server CPU ${run.cpuPerRequest.toFixed(1)} µs/request`,
      );
    }
    const { bare } = trio as Record<Variant, Run>;
    for (const variant of MEASURED) {
      const run = trio[variant] as Run;
      rpsRatios[variant].push(run.rps / bare.rps);
      cpuRatios[variant].push(run.cpuPerRequest / bare.cpuPerRequest);
    }
  }
  const served = (variant: Variant) => runs[variant].reduce((sum, run) => sum + run.served, 0);
  const counted: Record<Measured, number> = { instrumented: 0, otel: 0 };
  for (const variant of MEASURED) {
    counted[variant] = await countedRequests(servers[variant].base);
    if (counted[variant] < served(variant))
      throw new Error(
        `the ${variant} server counted ${counted[variant]} requests, ${served(variant)} were served`,
      );
  }

  const mean = (variant: Variant, of: (run: Run) => number) =>
    runs[variant].reduce((sum, run) => sum + of(run), 0) / runs[variant].length;
  const list = (numbers: readonly number[]) => numbers.map((value) => value.toFixed(3)).join(" ");
  for (const variant of VARIANTS) {
    console.log(
      `${variant.padEnd(12)}  ${Math.round(mean(variant, (run) => run.rps))} req/s, ` +
        `${mean(variant, (run) => run.cpuPerRequest).toFixed(1)} µs server CPU per request (means)`,
    );
  }
  for (const variant of MEASURED) {
    console.log(
      `the ${variant} server's histogram counted ${counted[variant]} requests (${served(variant)} measured, plus warm-up)`,
    );
  }
  for (const variant of MEASURED) {
    console.log(
      `ratio ${variant}/bare, requests per second: ${median(rpsRatios[variant]).toFixed(3)} (rounds: ${list(rpsRatios[variant])})`,
    );
  }
  for (const variant of MEASURED) {
    console.log(
      `ratio ${variant}/bare, CPU per request: ${median(cpuRatios[variant]).toFixed(3)} (rounds: ${list(cpuRatios[variant])})`,
    );
  }
} finally {
  await Promise.all(Object.values(servers).map(({ child }) => stopServer(child)));
}
