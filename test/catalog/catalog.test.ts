// The catalog is consistent, and every metric in it comes from a job the cluster's prometheus.yml
// really scrapes.
import { describe, expect, it } from "vitest";
import { catalog, expandJobs } from "../../src/catalog/index.ts";
import { PLUE_SERVICES } from "../../src/catalog/plue-services.ts";
import { cluster } from "../../src/deployment.ts";
import { prometheusConfig } from "../../src/prometheus/index.ts";
import { testConfig } from "../helpers/config.ts";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function scrapedJobs(dsn: string): Set<string> {
  const config = testConfig({ postgresExporterDsn: dsn });
  const prometheus = prometheusConfig(config, cluster) as { scrape_configs?: { job_name: string }[] };
  return new Set((prometheus.scrape_configs ?? []).map((scrape) => scrape.job_name));
}

describe("the metric catalog", () => {
  it("names each metric once, with valid metric and label names", () => {
    const names = catalog.map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    for (const metric of catalog) {
      expect(metric.name).toMatch(METRIC_NAME);
      for (const label of metric.labels) expect(label, metric.name).toMatch(LABEL_NAME);
      expect(metric.jobs.length, metric.name).toBeGreaterThan(0);
      expect(metric.help, metric.name).not.toBe("");
    }
  });

  it("follows naming conventions: counters end in _total, histograms are base names", () => {
    for (const metric of catalog) {
      if (metric.type === "counter") expect(metric.name, metric.name).toMatch(/_total$/);
      if (metric.type === "histogram") expect(metric.name, metric.name).not.toMatch(/_(bucket|count|sum)$/);
    }
  });

  it("with a postgres DSN, every metric comes from a job the cluster's prometheus.yml scrapes", () => {
    const scraped = scrapedJobs("postgresql://plue:secret@postgres.plue.svc:5432/plue?sslmode=require");
    const unscraped = catalog
      .filter((metric) => ![...expandJobs(metric.jobs, PLUE_SERVICES)].some((job) => scraped.has(job)))
      .map((metric) => `${metric.name} (${metric.jobs.join(", ")})`);
    expect(unscraped).toEqual([]);
  });

  it("without a DSN no postgres-exporter is deployed: only its pg_* metrics are missing", () => {
    const scraped = scrapedJobs("");
    const unscraped = catalog
      .filter((metric) => ![...expandJobs(metric.jobs, PLUE_SERVICES)].some((job) => scraped.has(job)))
      .map((metric) => metric.name);
    expect(unscraped.length).toBeGreaterThan(0);
    expect(unscraped.every((name) => name.startsWith("pg_"))).toBe(true);
  });

  it('"plue" stands for each of the services api, web and electric', () => {
    expect([...expandJobs(["plue", "blackbox"], PLUE_SERVICES)].sort()).toEqual([
      "api",
      "blackbox",
      "electric",
      "web",
    ]);
  });
});
