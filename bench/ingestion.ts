// How many series the stack ingests at scale with its keep-lists, against scraping everything.
//
// A simulated cluster of 100 nodes and 3,000 pods (3,537 containers, 500 claims): per node a
// node-exporter (this machine's real output), a kubelet and a cAdvisor with that node's pods and
// containers; one kube-state-metrics for the whole cluster; three apiservers. The expositions are built
// from the scale fixtures (bench/fixtures/ingestion, derived from real recordings) and served from a
// local HTTP server. ONE real Prometheus scrapes them with the metric_relabel_configs of our own
// synthesized prometheus.yml (src/sizing/keep.ts reads them), kube-state-metrics' exposition filtered by
// its --metric-allowlist first as kube-state-metrics would. Prometheus itself counts what each scrape
// exposed (scrape_samples_scraped) and what was kept (scrape_samples_post_metric_relabeling); for
// kube-state-metrics the whole exposition is scraped once more by a job that stores nothing.
// Its resident memory and head series calibrate the sizing; --print-measurements prints
// src/sizing/measurements.ts from this run.
//
//   npm run bench:ingestion [-- --print-measurements]

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REFERENCE_CLUSTER } from "../src/sizing/cluster-shape.ts";
import { jobKeeps } from "../src/sizing/keep.ts";
import {
  type JobMeasurement,
  MEASURED_JOBS,
  type MeasuredJob,
  type Measurements,
} from "../src/sizing/types.ts";
import { testConfig } from "../test/helpers/config.ts";
import { KUBELET_UNREAD_SERIES_PER_NODE, KUBELET_UNREAD_SOURCE } from "./ingestion/documented.ts";
import { parseSamples } from "./ingestion/exposition-text.ts";
import { captureNodeExporter, freePort } from "./ingestion/node-exporter.ts";
import { type BenchPrometheus, startPrometheus, walBytes } from "./ingestion/prometheus.ts";
import {
  coefficients,
  exposition,
  loadShape,
  oneNode,
  type ShapeRow,
  wholeCluster,
} from "./ingestion/shapes.ts";

const SCRAPE_INTERVAL_SECONDS = 15;
const APISERVERS = 3;
/** The bench's own job: kube-state-metrics' whole exposition, counted and dropped. */
const KSM_UNFILTERED = "kube-state-metrics-unfiltered";

const { values: flags } = parseArgs({ options: { "print-measurements": { type: "boolean" } } });

const log = (line: string) => process.stderr.write(`${line}\n`);

// ── what the synthesized stack keeps ─────────────────────────────────────────────────────────────
const config = testConfig();
const keeps = jobKeeps(config, MEASURED_JOBS);

// ── the expositions ──────────────────────────────────────────────────────────────────────────────
log("capturing this machine's node-exporter …");
const nodeExporterText = await captureNodeExporter();
const nodeExporterVersion =
  /node_exporter_build_info\{[^}]*version="([^"]+)"/.exec(nodeExporterText)?.[1] ?? "?";

const shapes = {
  cadvisor: loadShape("cadvisor.shape.tsv").rows,
  kubelet: loadShape("kubelet.shape.tsv").rows,
  "kube-state-metrics": loadShape("kube-state-metrics.shape.tsv").rows,
  apiserver: loadShape("apiserver.shape.tsv").rows,
};
const nodeExporterRows: ShapeRow[] = Object.entries(
  parseSamples(nodeExporterText).reduce<Record<string, number>>((counts, sample) => {
    counts[sample.name] = (counts[sample.name] ?? 0) + 1;
    return counts;
  }, {}),
).map(([name, series]) => ({ name, scope: "node", series, labels: [], valueBytes: 0 }));

const measuredJobs: Record<MeasuredJob, JobMeasurement> = {
  cadvisor: { targets: "per node", series: coefficients(shapes.cadvisor, "per node") },
  kubelet: {
    targets: "per node",
    series: coefficients(shapes.kubelet, "per node"),
    unreadPerNode: KUBELET_UNREAD_SERIES_PER_NODE,
  },
  "node-exporter": { targets: "per node", series: coefficients(nodeExporterRows, "per node") },
  "kube-state-metrics": { targets: 1, series: coefficients(shapes["kube-state-metrics"], 1) },
  apiserver: { targets: APISERVERS, series: coefficients(shapes.apiserver, APISERVERS) },
};

log("building expositions for 100 nodes, 3,000 pods …");
const built = Date.now();
const targets = new Map<string, string[]>(); // job → exposition per target
const nodeIndexes = [...Array(REFERENCE_CLUSTER.nodes).keys()];
targets.set(
  "node-exporter",
  nodeIndexes.map(() => nodeExporterText),
);
targets.set(
  "kubelet",
  nodeIndexes.map((i) => exposition(shapes.kubelet, oneNode(i))),
);
targets.set(
  "cadvisor",
  nodeIndexes.map((i) => exposition(shapes.cadvisor, oneNode(i))),
);
const ksmServed = shapes["kube-state-metrics"].filter((row) => keeps["kube-state-metrics"].served(row.name));
targets.set("kube-state-metrics", [exposition(ksmServed, wholeCluster())]);
targets.set(KSM_UNFILTERED, [exposition(shapes["kube-state-metrics"], wholeCluster())]);
const apiserverText = exposition(shapes.apiserver, { target: [0, 1] });
targets.set(
  "apiserver",
  Array.from({ length: APISERVERS }, () => apiserverText),
);
const megabytes = [...targets.values()].flat().reduce((sum, text) => sum + text.length, 0) / 1e6;
log(`  ${megabytes.toFixed(0)} MB of exposition text in ${((Date.now() - built) / 1000).toFixed(1)} s`);

// ── serve them ───────────────────────────────────────────────────────────────────────────────────
const port = await freePort();
const server: Server = createServer((request, response) => {
  const [, job, index] = (request.url ?? "").split("/");
  const text = targets.get(decodeURIComponent(job ?? ""))?.[Number(index)];
  if (text === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(text);
});
await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

const scrapeJob = (job: string, rules: object[]) => ({
  job_name: job,
  scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`,
  scrape_timeout: `${SCRAPE_INTERVAL_SECONDS}s`,
  static_configs: (targets.get(job) ?? []).map((_, index) => ({
    targets: [`127.0.0.1:${port}`],
    // Each target its own path and instance, as each node is its own host in a cluster.
    labels: { __metrics_path__: `/${job}/${index}`, instance: `${job}-${index}` },
  })),
  ...(rules.length > 0 ? { metric_relabel_configs: rules } : {}),
});
const scrapedJobs = MEASURED_JOBS.filter((job) => keeps[job].scraped);
const productionConfig = {
  global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s` },
  scrape_configs: scrapedJobs.map((job) => scrapeJob(job, keeps[job].rules)),
};

// ── measure ──────────────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), "bench-ingestion-"));
const prometheus = await startPrometheus(dir);
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Prometheus' own /metrics, by name (first series). */
async function selfMetrics(): Promise<Record<string, number>> {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  const result: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match && !((match[1] as string) in result)) result[match[1] as string] = Number(match[2]);
  }
  return result;
}

/** Highest resident memory over two scrape intervals: the garbage collector makes single readings jumpy. */
async function peakRss(): Promise<number> {
  let peak = 0;
  for (let i = 0; i < 12; i++) {
    peak = Math.max(peak, (await selfMetrics()).process_resident_memory_bytes ?? 0);
    await sleep(SCRAPE_INTERVAL_SECONDS / 6);
  }
  return peak;
}

/** Scrapes before memory is read: enough for the scrape caches and the heap to settle. */
const SETTLING_SCRAPES = 4;

/** Waits until every target of `jobs` has been scraped `scrapes` times since now. */
async function scrapesDone(p: BenchPrometheus, jobs: string[], scrapes: number): Promise<void> {
  const expected = jobs.reduce((sum, job) => sum + (targets.get(job)?.length ?? 0), 0);
  const jobMatcher = jobs.join("|");
  const deadline = Date.now() + (scrapes + 6) * SCRAPE_INTERVAL_SECONDS * 1000;
  for (;;) {
    const up = await p.query(`count(up{job=~"${jobMatcher}"} == 1)`);
    if ((up[0]?.value ?? 0) >= expected) break;
    if (Date.now() > deadline) {
      const down = await p.query(`up{job=~"${jobMatcher}"} == 0`);
      throw new Error(`only ${up[0]?.value ?? 0} of ${expected} targets up; down: ${down.length}`);
    }
    await sleep(2);
  }
  await sleep(scrapes * SCRAPE_INTERVAL_SECONDS + 3);
}

const byJob = async (expr: string) =>
  Object.fromEntries((await prometheus.query(`sum by (job) (${expr})`)).map((r) => [r.labels.job, r.value]));

let report: string[] = [];
let measurementsText = "";
try {
  await sleep(5);
  const idle = await peakRss();
  log(`idle Prometheus: ${(idle / 2 ** 20).toFixed(0)} MiB resident`);

  // Two unknowns: resident = idle + perScraped × series scraped + perHead × head series. First
  // everything is scraped and nothing stored, then the same with the keep-lists.
  const dropAll = [{ source_labels: ["__name__"], regex: ".+", action: "drop" }];
  log(`scraping ${scrapedJobs.join(", ")} every ${SCRAPE_INTERVAL_SECONDS}s, storing nothing …`);
  await prometheus.load({
    ...productionConfig,
    scrape_configs: scrapedJobs.map((job) => scrapeJob(job, dropAll)),
  });
  await scrapesDone(prometheus, [...scrapedJobs], SETTLING_SCRAPES);
  const scrapingOnly = await peakRss();

  log("the same with our keep-lists …");
  await prometheus.load(productionConfig);
  await scrapesDone(prometheus, [...scrapedJobs], SETTLING_SCRAPES);
  const scraped = await byJob("scrape_samples_scraped");
  const kept = await byJob("scrape_samples_post_metric_relabeling");
  const targetCounts = await byJob("up");
  const loaded = await peakRss();
  const self1 = await selfMetrics();
  const wal1 = walBytes(prometheus.dataDir);
  await sleep(2 * SCRAPE_INTERVAL_SECONDS);
  const self2 = await selfMetrics();
  const wal2 = walBytes(prometheus.dataDir);
  const headSeries = self2.prometheus_tsdb_head_series ?? 0;
  const appended =
    (self2.prometheus_tsdb_head_samples_appended_total ?? 0) -
    (self1.prometheus_tsdb_head_samples_appended_total ?? 0);
  const walPerSample = appended > 0 ? (wal2 - wal1) / appended : Number.NaN;
  const scrapedTotal = scrapedJobs.reduce((sum, job) => sum + (scraped[job] ?? 0), 0);
  const scrapedBytesPerSeries = (scrapingOnly - idle) / scrapedTotal;
  const headBytesPerSeries = Math.max(0, (loaded - scrapingOnly) / headSeries);

  log("scraping kube-state-metrics' whole exposition once more, storing nothing …");
  await prometheus.load({
    ...productionConfig,
    scrape_configs: [...productionConfig.scrape_configs, scrapeJob(KSM_UNFILTERED, dropAll)],
  });
  await scrapesDone(prometheus, [KSM_UNFILTERED], 1);
  const ksmAll = (await byJob("scrape_samples_scraped"))[KSM_UNFILTERED] ?? 0;
  const version = /[{,]version="([^"]+)"/.exec(
    await (await fetch(`${prometheus.url}/metrics`))
      .text()
      .then((t) => t.split("\n").find((l) => l.startsWith("prometheus_build_info")) ?? ""),
  )?.[1];

  // ── what the model (the fixtures multiplied out) says, to hold it to what Prometheus counted ──
  const predicted = (job: MeasuredJob, keptOnly: boolean) => {
    const { series } = measuredJobs[job];
    const { served, stored } = keeps[job];
    let total = 0;
    for (const [name, [fixed, perNode, perPod]] of Object.entries(series)) {
      if (keptOnly && !(served(name) && stored(name))) continue;
      total += fixed + perNode * REFERENCE_CLUSTER.nodes + perPod * REFERENCE_CLUSTER.pods;
    }
    return total;
  };

  const rows = scrapedJobs.map((job) => {
    const all = job === "kube-state-metrics" ? ksmAll : (scraped[job] ?? 0);
    const unread = job === "kubelet" ? KUBELET_UNREAD_SERIES_PER_NODE * REFERENCE_CLUSTER.nodes : 0;
    return { job, targets: targetCounts[job] ?? 0, all: all + unread, unread, kept: kept[job] ?? 0 };
  });
  const mismatches = scrapedJobs.flatMap((job) => {
    const row = rows.find((r) => r.job === job);
    if (!row) return [];
    const checks: [string, number, number][] = [
      ["exposed", row.all - row.unread, predicted(job, false)],
      ["kept", row.kept, predicted(job, true)],
    ];
    return checks
      .filter(([, measured, model]) => Math.abs(measured - model) > Math.max(2, model * 0.005))
      .map(
        ([what, measured, model]) =>
          `${job} ${what}: Prometheus counted ${measured}, the fixtures say ${model.toFixed(0)}`,
      );
  });

  const perUnit = (keptOnly: boolean) => {
    let perNode = 0;
    let perPod = 0;
    for (const job of scrapedJobs) {
      const { series, unreadPerNode } = measuredJobs[job];
      const { served, stored } = keeps[job];
      for (const [name, [, node, pod]] of Object.entries(series)) {
        if (keptOnly && !(served(name) && stored(name))) continue;
        perNode += node;
        perPod += pod;
      }
      if (unreadPerNode && (!keptOnly || keeps[job].rules.length === 0)) perNode += unreadPerNode;
    }
    return { perNode, perPod };
  };

  const total = rows.reduce((sum, row) => sum + row.all, 0);
  const totalKept = rows.reduce((sum, row) => sum + row.kept, 0);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const n = (value: number) => Math.round(value).toLocaleString("en-US");
  const ratio = (all: number, kept: number) => (kept > 0 ? `${(all / kept).toFixed(1)}×` : "all dropped");
  const before = perUnit(false);
  const after = perUnit(true);
  report = [
    "",
    `Ingestion at 100 nodes, 3,000 pods (3,537 containers, 500 claims), ${APISERVERS} apiservers; Prometheus ${version ?? "?"}, ${cpus().length} CPUs`,
    `node-exporter ${nodeExporterVersion} of this machine; the rest from bench/fixtures/ingestion (see their headers)`,
    "",
    `${"job".padEnd(20)}${"targets".padStart(8)}${"exposed".padStart(12)}${"kept".padStart(10)}${"exposed/kept".padStart(14)}`,
    ...rows.map(
      (row) =>
        `${row.job.padEnd(20)}${String(row.targets).padStart(8)}${n(row.all).padStart(12)}${n(row.kept).padStart(10)}${ratio(row.all, row.kept).padStart(14)}`,
    ),
    `${"total".padEnd(20)}${"".padStart(8)}${n(total).padStart(12)}${n(totalKept).padStart(10)}${ratio(total, totalKept).padStart(14)}`,
    "",
    `per node: ${n(before.perNode)} series exposed, ${n(after.perNode)} kept`,
    `per pod:  ${before.perPod.toFixed(1)} series exposed, ${after.perPod.toFixed(1)} kept`,
    `kube-state-metrics exposed = its whole exposition, scraped by ${KSM_UNFILTERED} and dropped; kept = after --metric-allowlist and the keep-list`,
    `kubelet exposed includes ${n(KUBELET_UNREAD_SERIES_PER_NODE * REFERENCE_CLUSTER.nodes)} series NOT SCRAPED: upstream not reachable here, documented figure ${KUBELET_UNREAD_SOURCE}`,
    mismatches.length === 0
      ? "Prometheus' counts match the fixtures multiplied out (within 0.5%)"
      : `MISMATCH between Prometheus and the fixtures:\n  ${mismatches.join("\n  ")}`,
    "",
    `Prometheus memory (resident, highest over two scrape intervals after ${SETTLING_SCRAPES} scrapes): idle ${mib(idle)}; scraping the ${n(scrapedTotal)}`,
    `  series above, storing none ${mib(scrapingOnly)}; storing the kept set (${n(headSeries)} head series) ${mib(loaded)}`,
    `  → ${scrapedBytesPerSeries.toFixed(0)} bytes per series scraped (parsing, scrape cache), ${headBytesPerSeries.toFixed(0)} bytes per head series`,
    `write-ahead log: ${walPerSample.toFixed(2)} bytes per sample appended`,
    "",
    `ingestion: kept ${n(totalKept)} of ${n(total)} series (T/K = ${(total / totalKept).toFixed(1)}×)`,
  ];

  if (flags["print-measurements"]) {
    const measurements: Measurements = {
      measured: {
        date: new Date().toISOString().slice(0, 10),
        prometheus: `${version ?? "?"} (${"/usr/bin/prometheus"})`,
        machine: `${cpus().length} CPUs`,
        cluster: `100 nodes, 3,000 pods, 3,537 containers, 500 claims, ${APISERVERS} apiservers`,
      },
      idleBytes: Math.round(idle),
      headBytesPerSeries: Math.round(headBytesPerSeries),
      scrapedBytesPerSeries: Math.round(scrapedBytesPerSeries),
      walBytesPerSample: Number(walPerSample.toFixed(2)),
      jobs: measuredJobs,
    };
    const round = (value: number) => Number(value.toFixed(4));
    const jobsText = MEASURED_JOBS.map((job) => {
      const { targets: jobTargets, series, unreadPerNode } = measurements.jobs[job];
      const lines = Object.entries(series)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, c]) => `      ${name}: [${c.map(round).join(", ")}],`);
      return [
        `  ${JSON.stringify(job)}: {`,
        `    targets: ${JSON.stringify(jobTargets)},`,
        ...(unreadPerNode ? [`    unreadPerNode: ${unreadPerNode},`] : []),
        "    series: {",
        ...lines,
        "    },",
        "  },",
      ].join("\n");
    }).join("\n");
    measurementsText = [
      "// Written by `npm run bench:ingestion -- --print-measurements`; see docs/sizing.md.",
      "// Per job, every series name its exporter serves and the series it adds [per cluster, per node,",
      "// per pod], from bench/fixtures/ingestion (real recordings, their headers cite them) and this",
      "// machine's node-exporter; Prometheus counted the same totals when it scraped them at 100 nodes and",
      "// 3,000 pods. The memory and write-ahead log figures were measured on that Prometheus.",
      'import type { Measurements } from "./types.ts";',
      "",
      "export const measurements: Measurements = {",
      `  measured: ${JSON.stringify(measurements.measured)},`,
      `  idleBytes: ${measurements.idleBytes},`,
      `  headBytesPerSeries: ${measurements.headBytesPerSeries},`,
      `  scrapedBytesPerSeries: ${measurements.scrapedBytesPerSeries},`,
      `  walBytesPerSample: ${measurements.walBytesPerSample},`,
      "  jobs: {",
      jobsText.replace(/^/gm, "  "),
      "  },",
      "};",
      "",
    ].join("\n");
  }
} finally {
  await prometheus.stop();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(measurementsText);
process.stdout.write(`${report.join("\n")}\n`);
