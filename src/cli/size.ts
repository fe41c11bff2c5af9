// `plue-monitoring size`: how big Prometheus must be for a cluster of N nodes and M pods, with this
// config's ingestion keep-lists, jobs, scrape interval and retention (src/sizing, docs/sizing.md).
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.ts";
import type { UserConfig } from "../config/schema.ts";
import { configuredPrometheus, shortfalls } from "../sizing/configured.ts";
import { BLOCK_BYTES_PER_SAMPLE, estimateSize, LIMIT_OVER_REQUEST } from "../sizing/estimate.ts";
import { measurements } from "../sizing/measurements.ts";
import { quantityAtLeast } from "../sizing/quantity.ts";
import { REFERENCE_SERVICES } from "../sizing/services.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

export const sizeUsage = `Usage: plue-monitoring size --nodes N --pods M [--service-pods S] [--config FILE] [--set KEY=VALUE]... [--json]

Estimates Prometheus' head series per job, memory (request and limit) and disk for the retention,
for a cluster of N nodes and M pods, with the config's ingestion keep-lists and scrape settings.
  --nodes N        nodes in the cluster (1 to 5000)
  --pods M         pods in the cluster (0 to 150000)
  --service-pods S of them, pods of api, web and electric together
                   (default ${REFERENCE_SERVICES.pods}, or M if fewer)
  --config FILE    plue-monitoring.config.{ts,json,yaml}; default: the one in the working directory
  --set KEY=VALUE  override one key (camelCase or the seed's snake_case name); repeatable
  --json           print the estimate as JSON`;

/**
 * The keys every config must have but no estimate depends on, so that `size` runs without a config
 * file. A config file, the environment or --set override them as usual.
 */
const SIZING_BASE: UserConfig = {
  namespace: "monitoring",
  domain: "example.com",
  grafanaAdminPassword: "not-used-for-sizing",
};

function count(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`${flag} is required\n\n${sizeUsage}`);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

const thousands = (value: number) => Math.round(value).toLocaleString("en-US");
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export async function sizeCommand(args: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: "string" },
      pods: { type: "string" },
      "service-pods": { type: "string" },
      config: { type: "string" },
      set: { type: "string", multiple: true },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    context.stdout(sizeUsage);
    return 0;
  }
  // Kubernetes' documented limits for one cluster (kubernetes/website
  // content/en/docs/setup/best-practices/cluster-large.md): 5,000 nodes, 150,000 pods.
  const nodes = count("--nodes", values.nodes, 1, 5000);
  const pods = count("--pods", values.pods, 0, 150_000);
  const servicePods =
    values["service-pods"] === undefined
      ? Math.min(REFERENCE_SERVICES.pods, pods)
      : count("--service-pods", values["service-pods"], 0, pods);
  const config = await loadConfig({
    cwd: context.cwd,
    configFile: values.config,
    env: context.env,
    sets: values.set ?? [],
    base: SIZING_BASE,
  });

  const estimate = estimateSize(config, { nodes, pods, servicePods });
  const configured = configuredPrometheus(config);
  const problems = shortfalls(configured, estimate);
  const recommended = {
    memoryRequest: quantityAtLeast(estimate.memory.requestBytes),
    memoryLimit: quantityAtLeast(estimate.memory.limitBytes),
    storageSize: quantityAtLeast(estimate.disk.totalBytes),
  };

  if (values.json) {
    context.stdout(
      JSON.stringify(
        { ...estimate, recommended, configured, shortfalls: problems, measured: measurements.measured },
        null,
        2,
      ),
    );
    return 0;
  }

  const widths = [20, 8, 12, 12, 12];
  const row = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("");
  const { services } = estimate;
  const totals = estimate.jobs.reduce(
    (sum, job) => ({
      exposed: sum.exposed + job.exposed,
      scraped: sum.scraped + job.scraped,
      kept: sum.kept + job.kept,
    }),
    { exposed: services.kept, scraped: services.kept, kept: services.kept },
  );
  context.stdout(
    [
      `Prometheus for ${thousands(nodes)} nodes and ${thousands(pods)} pods (ingestion keep-lists ${estimate.keepLists ? "on" : "off"}, retention ${estimate.disk.retention})`,
      "",
      row(["job", "targets", "exposed", "scraped", "stored"]),
      ...estimate.jobs.map((job) =>
        row([
          job.job,
          thousands(job.targets),
          thousands(job.exposed),
          thousands(job.scraped),
          thousands(job.kept),
        ]),
      ),
      row([
        "api, web, electric",
        thousands(services.pods),
        thousands(services.kept),
        thousands(services.kept),
        thousands(services.kept),
      ]),
      row(["total", "", thousands(totals.exposed), thousands(totals.scraped), thousands(totals.kept)]),
      `  (api, web, electric: ${thousands(services.seriesPerPod)} series per pod, the metric contract's budget at ${REFERENCE_SERVICES.routes} routes × ${REFERENCE_SERVICES.methods} methods × ${REFERENCE_SERVICES.statusCodes} status codes; counted, not measured)`,
      "  (other jobs — Prometheus, Alertmanager, Grafana, blackbox, postgres-exporter, annotated pods — not counted)",
      "",
      `memory   working set ~${gib(estimate.memory.workingSetBytes)}: request ${recommended.memoryRequest}, limit ${recommended.memoryLimit}`,
      `         (limit = ${LIMIT_OVER_REQUEST} × working set, room for compaction every 2h and for queries)`,
      `disk     ${thousands(estimate.samplesPerSecond)} samples/s × ${estimate.disk.retention} × ${BLOCK_BYTES_PER_SAMPLE} B/sample + 10% for compaction = ${gib(estimate.disk.blocksBytes)} of blocks`,
      `         + ${gib(estimate.disk.walBytes)} write-ahead log = ${gib(estimate.disk.totalBytes)}: prometheusStorageSize ${recommended.storageSize}`,
      "",
      `configured: prometheusStorageSize ${configured.storage.quantity}, memory limit ${configured.memoryLimit?.quantity ?? "none"}${config.prometheusMemoryLimit === "" ? " (from clusterSize, or the reference cluster without it)" : " (prometheusMemoryLimit)"}`,
      ...(problems.length > 0
        ? problems.map((problem) => `  short: ${problem}`)
        : ["  enough for this size"]),
      "",
      `measured ${measurements.measured.date} on Prometheus ${measurements.measured.prometheus}, ${measurements.measured.cluster} (npm run bench:ingestion)`,
    ].join("\n"),
  );
  return 0;
}
