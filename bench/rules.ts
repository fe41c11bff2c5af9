// What the synthesized rules cost at 100 nodes and 3,000 pods (3,537 containers, 500 claims).
//
// A simulated cluster whose exporters agree with each other (bench/rules/cluster.ts): one
// kube-state-metrics, per node a kubelet, a cAdvisor and a node-exporter (this machine's, its CPU
// counters moving), three apiservers, and api, web and electric at 10 pods each serving the request
// histogram for 50 routes × 3 methods × 5 status codes. ONE real Prometheus scrapes them with the
// synthesized scrape jobs and keep-lists and evaluates the synthesized rule files at the synthesized
// intervals. After a warm-up it records every group's and every rule's evaluation time for a number
// of cycles, then counts what each recording rule produced: a central recording that is empty, or
// exporters whose joins do not match, fail the run (exit 1) instead of printing a flattering number.
//
//   npm run bench:rules [-- --tree DIR] [--nodes N --pods M] [--warmup SECONDS] [--cycles N]
//
// --tree measures another checkout of this project (its rule synthesis, test config and buckets).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { durationMs } from "../src/config/formats.ts";
import { REFERENCE_CLUSTER } from "../src/sizing/cluster-shape.ts";
import { captureNodeExporter } from "./ingestion/node-exporter.ts";
import { startPrometheus } from "./ingestion/prometheus.ts";
import { loadShape } from "./ingestion/shapes.ts";
import { checkJoins, recordingOutput } from "./rules/checks.ts";
import { buildCluster, PLUE_SERVICES } from "./rules/cluster.ts";
import { EvaluationRecorder, mean, perInterval } from "./rules/evaluation.ts";
import {
  cadvisor,
  checkFixtureAgreement,
  fixedExposition,
  kubelet,
  kubeStateMetrics,
  nodeExporter,
} from "./rules/kubernetes-exporters.ts";
import { plueServicePod, REFERENCE_TRAFFIC } from "./rules/plue-services.ts";
import { serveTargets, staticScrapeConfig, type Target } from "./rules/scrape.ts";
import { MovingExposition } from "./rules/series.ts";
import { loadSynthesis } from "./rules/tree.ts";

const { values: flags } = parseArgs({
  options: {
    tree: { type: "string", default: join(dirname(fileURLToPath(import.meta.url)), "..") },
    nodes: { type: "string", default: String(REFERENCE_CLUSTER.nodes) },
    pods: { type: "string", default: String(REFERENCE_CLUSTER.pods) },
    warmup: { type: "string", default: "150" },
    cycles: { type: "string", default: "6" },
  },
});
const nodeCount = Number(flags.nodes);
const podCount = Number(flags.pods);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const began = Date.now();

// ── what the checkout synthesizes ────────────────────────────────────────────────────────────────
const tree = await loadSynthesis(flags.tree);
const evaluationSeconds = durationMs(tree.evaluationInterval) / 1000;
log(
  `${tree.dir}: ${Object.keys(tree.ruleFiles).length} rule files, scrape every ${tree.scrapeInterval}, evaluate every ${tree.evaluationInterval}, ${tree.durationBuckets.length} duration buckets`,
);

// ── the cluster and its exporters ────────────────────────────────────────────────────────────────
const shapes = {
  cadvisor: loadShape("cadvisor.shape.tsv").rows,
  kubelet: loadShape("kubelet.shape.tsv").rows,
  "kube-state-metrics": loadShape("kube-state-metrics.shape.tsv").rows,
  apiserver: loadShape("apiserver.shape.tsv").rows,
};
for (const rows of Object.values(shapes)) checkFixtureAgreement(rows);
const cluster = buildCluster(nodeCount, podCount, { app: tree.appNamespace, monitoring: tree.namespace });
log(`capturing this machine's node-exporter; building ${nodeCount} nodes, ${podCount} pods …`);
const nodeExporterText = await captureNodeExporter();

const targets = new Map<string, Target[]>();
const nodeTargets = (build: (index: number) => MovingExposition, port: number) =>
  cluster.nodes.map((node, index) => ({
    identity: { node: node.name, instance: `${node.ip}:${port}` },
    exposition: build(index),
  }));
targets.set(
  "kubelet",
  nodeTargets((i) => kubelet(cluster, i, shapes.kubelet), 10250),
);
targets.set(
  "cadvisor",
  nodeTargets((i) => cadvisor(cluster, i, shapes.cadvisor), 10250),
);
targets.set(
  "node-exporter",
  cluster.pods
    .filter((pod) => pod.owner.kind === "DaemonSet" && pod.owner.name === "node-exporter")
    .map((pod) => ({
      identity: { pod: pod.name, node: pod.node.name, instance: `${pod.ip}:9100` },
      exposition: nodeExporter(nodeExporterText, pod.node),
    })),
);
targets.set("kube-state-metrics", [
  {
    identity: { pod: "kube-state-metrics-0", instance: "10.1.255.1:8080" },
    exposition: kubeStateMetrics(cluster, shapes["kube-state-metrics"], tree.kubeStateMetricsServes),
  },
]);
targets.set(
  "apiserver",
  [0, 1, 2].map((i) => ({
    identity: { instance: `10.0.255.${i + 1}:443` },
    exposition: fixedExposition(shapes.apiserver),
  })),
);
for (const service of PLUE_SERVICES) {
  targets.set(
    service,
    cluster.pods
      .filter((pod) => pod.service === service)
      .map((pod) => ({
        identity: { pod: pod.name, node: pod.node.name, instance: `${pod.ip}:8080` },
        exposition: plueServicePod(pod, tree.durationBuckets, REFERENCE_TRAFFIC),
      })),
  );
}
const exposed = [...targets.values()].flat().reduce((sum, target) => sum + target.exposition.size, 0);
log(
  `  ${exposed.toLocaleString("en-US")} moving series across ${[...targets.values()].flat().length} targets`,
);

// ── Prometheus ───────────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), "bench-rules-"));
const rulesDir = join(dir, "rules");
mkdirSync(rulesDir);
for (const [file, text] of Object.entries(tree.ruleFiles)) writeFileSync(join(rulesDir, file), text);
const startedAt = Date.now();
const served = await serveTargets(targets, startedAt);
const prometheus = await startPrometheus(dir);
const address = `127.0.0.1:${served.port}`;
const scrapeConfigs = tree.scrapeConfigs.flatMap((synthesized) => {
  const job = synthesized.job_name;
  const declared = tree.targets.get(job);
  if (job === "prometheus") {
    // Prometheus scrapes itself, as each replica does in the cluster.
    const self: Target = {
      identity: { pod: "prometheus-0", instance: prometheus.url.slice(7) },
      exposition: new MovingExposition(),
    };
    return [staticScrapeConfig(synthesized, declared, [self], prometheus.url.slice(7), () => "/metrics")];
  }
  const jobTargets = targets.get(job);
  if (!jobTargets) return [];
  return [staticScrapeConfig(synthesized, declared, jobTargets, address, (index) => `/${job}/${index}`)];
});
const scrapedJobs = scrapeConfigs.map((c) => (c as { job_name: string }).job_name);
const missing = [...targets.keys()].filter((job) => !scrapedJobs.includes(job));

let failures: string[] = [];
let report: string[] = [];
try {
  if (missing.length > 0)
    throw new Error(`the synthesized prometheus.yml scrapes no job named ${missing.join(", ")}`);
  await prometheus.load({
    global: {
      scrape_interval: tree.scrapeInterval,
      evaluation_interval: tree.evaluationInterval,
      external_labels: tree.externalLabels,
    },
    rule_files: [join(rulesDir, "*.yaml")],
    scrape_configs: scrapeConfigs,
  });
  const expectedTargets = [...targets.values()].flat().length + 1;
  const deadline = Date.now() + 4 * durationMs(tree.scrapeInterval) + 60_000;
  for (;;) {
    const up = (await prometheus.query("count(up == 1)"))[0]?.value ?? 0;
    if (up >= expectedTargets) break;
    if (Date.now() > deadline) throw new Error(`only ${up} of ${expectedTargets} targets up`);
    await sleep(2);
  }
  const warmup = Number(flags.warmup);
  log(`all ${expectedTargets} targets up; warming up ${warmup}s so rate windows hold several samples …`);
  let peakRss = 0;
  const readRss = async () => {
    const text = await (await fetch(`${prometheus.url}/metrics`)).text();
    const value = Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? 0);
    peakRss = Math.max(peakRss, value);
  };
  await sleep(warmup);
  const recorder = new EvaluationRecorder(prometheus.url);
  const cycles = Number(flags.cycles);
  log(`recording ${cycles} evaluation intervals of every group …`);
  const recordDeadline = Date.now() + (cycles + 3) * evaluationSeconds * 1000 + 60_000;
  while (recorder.intervalsCovered(evaluationSeconds) < cycles && Date.now() < recordDeadline) {
    await recorder.poll();
    await readRss();
    await sleep(3);
  }
  const groups = recorder
    .results()
    .sort((a, b) => perInterval(b, evaluationSeconds) - perInterval(a, evaluationSeconds));
  failures = [];
  if (recorder.intervalsCovered(evaluationSeconds) < cycles)
    failures.push(`some group's evaluations spanned fewer than ${cycles} intervals`);

  // ── did the rules produce data, and do the exporters agree? ──
  const output = await recordingOutput(groups, tree.recorded, prometheus.query);
  const joins = await checkJoins(cluster, prometheus.query);
  failures.push(...output.problems, ...joins.problems);
  const alerts = await prometheus.query('count by (alertname) (ALERTS{alertstate="firing"})');

  // ── series ──
  const headSeries = await prometheus.scalar("prometheus_tsdb_head_series");
  const byJob = await prometheus.query('count by (job) ({__name__=~".+"})');
  const version = (await prometheus.query("prometheus_build_info"))[0]?.labels.version ?? "?";
  await readRss();

  // ── report ──
  const ms = (seconds: number) => (seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0);
  const n = (value: number) => Math.round(value).toLocaleString("en-US");
  const total = groups.reduce((sum, group) => sum + perInterval(group, evaluationSeconds), 0);
  const percent = (seconds: number) =>
    ((100 * seconds) / evaluationSeconds).toFixed(seconds / evaluationSeconds < 0.01 ? 2 : 1);
  const rules = groups
    .flatMap((group) => group.rules.map((rule) => ({ ...rule, mean: mean(rule.seconds) })))
    .sort((a, b) => b.mean - a.mean)
    .slice(0, 5);
  const jobRows = byJob
    .map((row) => ({ job: row.labels.job ?? "(recording rules)", series: row.value }))
    .sort((a, b) => b.series - a.series);
  report = [
    "",
    `Rule evaluation at ${nodeCount} nodes, ${podCount} pods (${cluster.pods.reduce((s, p) => s + p.containers.length, 0)} containers, ${cluster.claims.length} claims); Prometheus ${version}, ${cpus().length} CPUs`,
    `rules and buckets from ${tree.dir}: ${tree.durationBuckets.length} duration buckets (+Inf); scrape interval ${tree.scrapeInterval}, evaluation interval ${tree.evaluationInterval} (as synth writes them)`,
    `${recorder.intervalsCovered(evaluationSeconds)}+ evaluation intervals of each group recorded after ${warmup}s of warm-up; a group evaluated less often counts its time per ${tree.evaluationInterval} accordingly`,
    "",
    `${"group".padEnd(34)}${"every".padStart(6)}${"rules".padStart(6)}${"mean ms".padStart(10)}${"max ms".padStart(10)}${"share".padStart(9)}   recordings empty`,
    ...groups.map((group) => {
      const { empty, recordings } = output.byGroup.get(group) ?? { empty: [], recordings: 0 };
      return `${group.name.padEnd(34)}${`${group.intervalSeconds}s`.padStart(6)}${String(group.rules.length).padStart(6)}${ms(mean(group.seconds)).padStart(10)}${ms(Math.max(0, ...group.seconds)).padStart(10)}${`${percent(perInterval(group, evaluationSeconds))}%`.padStart(9)}   ${recordings === 0 ? "-" : `${empty.length} of ${recordings}${empty.length > 0 ? ` (${empty.join(", ")})` : ""}`}`;
    }),
    "",
    "most expensive rules (mean per evaluation):",
    ...rules.map(
      (rule) =>
        `  ${ms(rule.mean).padStart(8)} ms  ${rule.group}: ${rule.name}${Object.keys(rule.labels).length > 0 ? ` ${JSON.stringify(rule.labels)}` : ""}`,
    ),
    "",
    "alerts firing: " +
      (alerts.length === 0 ? "none" : alerts.map((a) => `${a.labels.alertname} ${a.value}`).join(", ")),
    "joins across exporters:",
    ...joins.lines,
    "",
    `${"head series by job".padEnd(34)}${"series".padStart(10)}`,
    ...jobRows.map((row) => `${row.job.padEnd(34)}${n(row.series).padStart(10)}`),
    `${"total (prometheus_tsdb_head_series)".padEnd(34)}${n(headSeries).padStart(10)}`,
    "",
    `Prometheus resident memory, highest seen: ${(peakRss / 2 ** 30).toFixed(2)} GiB`,
    `wall clock: ${((Date.now() - began) / 1000).toFixed(0)} s`,
    ...(failures.length > 0 ? ["", "FAILED:", ...failures.map((f) => `  ${f}`)] : []),
    "",
    `rules: ${Math.round(total * 1000)} ms per evaluation at ${nodeCount} nodes / ${podCount} pods (${((100 * total) / evaluationSeconds).toFixed(1)}% of the ${tree.evaluationInterval} interval)`,
  ];
} finally {
  await prometheus.stop();
  served.close();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${report.join("\n")}\n`);
if (failures.length > 0) process.exitCode = 1;
