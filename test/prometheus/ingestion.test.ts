// The ingestion keep-lists: derived from what the rules, panels and SLOs read, applied by the real
// Prometheus to what the real exporters serve (the recorded corpus), and switched off by
// `ingestion: "all"`.
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogOf, findMetric, readsOf } from "../../src/catalog/index.ts";
import type { StackConfig } from "../../src/config/schema.ts";
import { panelQueries } from "../../src/dashboards/index.ts";
import { cluster } from "../../src/deployment.ts";
import { scrapeConfigs } from "../../src/prometheus/index.ts";
import {
  INFRASTRUCTURE_JOBS,
  type InfrastructureJob,
  keptMetricNames,
  kubeStateMetricsAllowlist,
} from "../../src/prometheus/ingestion.ts";
import type { ScrapeConfig } from "../../src/prometheus/types.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { fullConfig } from "./fixtures.ts";
import { eventually, type RunningBinary, startPrometheus } from "./processes.ts";

const config = fullConfig();
const SYNTHETIC = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);

const RUNBOOKS_DIR = join(import.meta.dirname, "..", "..", "docs", "runbooks");
/** The PromQL an on-call engineer runs from the runbooks: what it reads must be there too. */
const runbookQueries = readdirSync(RUNBOOKS_DIR).flatMap((file) =>
  [...readFileSync(join(RUNBOOKS_DIR, file), "utf8").matchAll(/```promql\n([\s\S]*?)```/g)].map(
    (match) => match[1] ?? "",
  ),
);

/** Every expression the config's rules (recording, alerting, SLO), panels and runbooks evaluate. */
function expressionsOf(stack: StackConfig): string[] {
  const rules = ruleFiles(stack).flatMap((file) => file.groups.flatMap((group) => group.rules));
  return [
    ...rules.map((rule) => rule.expr),
    ...panelQueries(stack).map((query) => query.expr),
    ...runbookQueries,
  ];
}

/** The infrastructure jobs' series each expression reads, by job, from the catalog. */
function readFromInfrastructure(stack: StackConfig): Map<InfrastructureJob, Set<string>> {
  const catalog = catalogOf(stack);
  const read = new Map<InfrastructureJob, Set<string>>(INFRASTRUCTURE_JOBS.map((job) => [job, new Set()]));
  for (const expr of expressionsOf(stack)) {
    for (const selector of readsOf(expr).selectors) {
      const entry = selector.metric ? findMetric(catalog, selector.metric) : undefined;
      if (!entry || !selector.metric || SYNTHETIC.has(selector.metric)) continue;
      for (const job of INFRASTRUCTURE_JOBS) if (entry.jobs.includes(job)) read.get(job)?.add(entry.name);
    }
  }
  return read;
}

const baseName = (series: string) => series.replace(/_(bucket|count|sum)$/, "");

describe("the ingestion keep-lists", () => {
  it("keep every metric a rule, panel, SLO or runbook reads from an infrastructure job", () => {
    for (const [job, names] of readFromInfrastructure(config)) {
      const kept = new Set((keptMetricNames(config, job) ?? []).map(baseName));
      expect(
        [...names].filter((name) => !kept.has(name)),
        job,
      ).toEqual([]);
    }
  });

  it("keep nothing that no rule, panel, SLO or runbook reads (the catalog lists only what is read)", () => {
    const read = readFromInfrastructure(config);
    for (const job of INFRASTRUCTURE_JOBS) {
      const unread = (keptMetricNames(config, job) ?? [])
        .map(baseName)
        .filter((name) => !read.get(job)?.has(name));
      expect([...new Set(unread)], job).toEqual([]);
    }
  });

  it("are the metric_relabel_configs of exactly the infrastructure jobs, and kube-state-metrics' allowlist", () => {
    const relabeled = scrapeConfigs(config, cluster).filter((job) => job.metric_relabel_configs);
    expect(relabeled.map((job) => job.job_name).sort()).toEqual([...INFRASTRUCTURE_JOBS].sort());
    const ksm = keptMetricNames(config, "kube-state-metrics") ?? [];
    expect(kubeStateMetricsAllowlist(config)?.split(",")).toEqual(ksm.map((name) => `^${name}$`));
    // Nothing of the apiserver's own /metrics is read: it is scraped for `up` alone.
    const apiserver = relabeled.find((job) => job.job_name === "apiserver");
    expect(apiserver?.metric_relabel_configs).toEqual([
      { source_labels: ["__name__"], regex: ".+", action: "drop" },
    ]);
  });

  it("add a team's declared metrics and ingestion.extraKeep", () => {
    const extended = fullConfig({
      ingestion: { extraKeep: ["container_network_receive_bytes_total", "apiserver_request_total"] },
      metrics: [
        {
          name: "node_pressure_cpu_waiting_seconds_total",
          type: "counter",
          labels: [],
          jobs: ["node-exporter"],
          help: "CPU pressure stall time",
        },
      ],
    });
    expect(keptMetricNames(extended, "cadvisor")).toContain("container_network_receive_bytes_total");
    expect(keptMetricNames(extended, "apiserver")).toEqual([
      "apiserver_request_total",
      "container_network_receive_bytes_total",
    ]);
    expect(keptMetricNames(extended, "node-exporter")).toContain("node_pressure_cpu_waiting_seconds_total");
    expect(kubeStateMetricsAllowlist(extended)).toContain("^apiserver_request_total$");
  });

  it('are off with ingestion "all", written short or in full', () => {
    for (const all of [fullConfig({ ingestion: "all" }), fullConfig({ ingestion: { keep: "all" } })]) {
      expect(scrapeConfigs(all, cluster).filter((job) => job.metric_relabel_configs)).toEqual([]);
      expect(kubeStateMetricsAllowlist(all)).toBeUndefined();
    }
  });
});

/** Each infrastructure job and the corpus file that stands for one of its targets. */
const CORPUS: Partial<Record<InfrastructureJob, string>> = {
  kubelet: "kubelet.prom",
  cadvisor: "cadvisor.prom",
  "kube-state-metrics": "kube-state-metrics.prom",
  "node-exporter": "node-exporter.prom",
};
const corpusDir = join(import.meta.dirname, "..", "fixtures", "exporters");
const exposition = (job: InfrastructureJob) => readFileSync(join(corpusDir, CORPUS[job] as string), "utf8");
/** The metric names an exposition holds (histogram and summary series by their own names). */
const namesIn = (text: string) =>
  new Set(
    text
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)?.[0] as string),
  );

describe("the real Prometheus scraping the exporters' corpus", () => {
  let server: Server;
  let prometheus: RunningBinary | undefined;
  let base = "";
  const dir = tempDir("plue-ingestion-");

  /** Prometheus scrapes the corpus once per job under both settings: "used" as `<job>`, "all" as `<job>-all`. */
  beforeAll(async () => {
    server = createServer((request, response) => {
      const job = request.url?.slice(1) as InfrastructureJob;
      response.writeHead(CORPUS[job] ? 200 : 404, { "content-type": "text/plain; version=0.0.4" });
      // Without the corpus' sample timestamps, which a fresh TSDB would refuse as too old.
      response.end(
        CORPUS[job]
          ? exposition(job).replace(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})? \S+) -?\d+$/gm, "$1")
          : "",
      );
    });
    const serverPort = await freePort();
    await new Promise<void>((resolve) => server.listen(serverPort, "127.0.0.1", resolve));
    const jobs = (stack: StackConfig, suffix: string): ScrapeConfig[] =>
      scrapeConfigs(stack, cluster)
        .filter((job) => job.job_name in CORPUS)
        .map((job) => ({
          job_name: `${job.job_name}${suffix}`,
          metrics_path: `/${job.job_name}`,
          static_configs: [{ targets: [`127.0.0.1:${serverPort}`] }],
          ...(job.metric_relabel_configs ? { metric_relabel_configs: job.metric_relabel_configs } : {}),
        }));
    const yml = {
      global: { scrape_interval: "1s", scrape_timeout: "1s" },
      scrape_configs: [...jobs(config, ""), ...jobs(fullConfig({ ingestion: "all" }), "-all")],
    };
    ({ prometheus, url: base } = await startPrometheus(dir.path, yml));
  });

  afterAll(async () => {
    await prometheus?.stop();
    server?.close();
    dir.cleanup();
  });

  async function storedNames(job: string): Promise<Set<string>> {
    const url = `${base}/api/v1/label/__name__/values?match[]=${encodeURIComponent(`{job="${job}"}`)}`;
    const body = (await (await fetch(url)).json()) as { data: string[] };
    return new Set(body.data.filter((name) => !name.startsWith("scrape_") && name !== "up"));
  }

  it("stores from each job exactly the corpus' names that are kept, every one a rule or panel reads", async () => {
    const read = readFromInfrastructure(config);
    for (const job of Object.keys(CORPUS) as InfrastructureJob[]) {
      const served = namesIn(exposition(job));
      const kept = new Set(keptMetricNames(config, job));
      const scraped = async (name: string) => {
        const url = `${base}/api/v1/query?query=${encodeURIComponent(`up{job="${name}"} == 1`)}`;
        const body = (await (await fetch(url)).json()) as { data: { result: unknown[] } };
        return body.data.result.length > 0 ? true : undefined;
      };
      await eventually(
        `${job} scraped`,
        async () => ((await scraped(job)) && (await scraped(`${job}-all`))) || undefined,
        15_000,
      );
      const everything = await storedNames(`${job}-all`);
      // Scraping everything stores everything served: the keep-list is what makes the difference.
      expect([...everything].sort(), job).toEqual([...served].sort());
      const stored = await storedNames(job);
      expect([...stored].sort(), job).toEqual([...served].filter((name) => kept.has(name)).sort());
      // Whatever the rules and panels read that this exporter serves is there.
      const missing = [...(read.get(job) ?? [])].filter(
        (name) =>
          [...served].some((series) => baseName(series) === name) &&
          ![...stored].some((series) => baseName(series) === name),
      );
      expect(missing, job).toEqual([]);
      expect(stored.size, job).toBeLessThan(served.size);
    }
  });
});
