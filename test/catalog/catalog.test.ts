// The catalog is consistent, and every metric in it comes from a job the cluster's prometheus.yml
// really scrapes.
import { describe, expect, it } from "vitest";
import { catalog, expandJobs } from "../../src/catalog/index.ts";
import { PLUE_SERVICES, plueServiceMetrics } from "../../src/catalog/plue-services.ts";
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

/**
 * The instruments of open-telemetry/semantic-conventions v1.44.0 (model/http/metrics.yaml,
 * model/db/metrics.yaml, model/db/registry.yaml) behind Plue's service metrics, with the attributes
 * the contract relies on.
 */
const SEMCONV_INSTRUMENTS = [
  {
    name: "http.server.request.duration",
    instrument: "histogram",
    unit: "s",
    attributes: ["http.request.method", "http.route", "http.response.status_code"],
  },
  { name: "http.server.active_requests", instrument: "updowncounter", unit: "{request}", attributes: [] },
  {
    name: "db.client.connection.count",
    instrument: "updowncounter",
    unit: "{connection}",
    attributes: ["db.client.connection.state", "db.client.connection.pool.name"],
  },
  {
    name: "db.client.connection.max",
    instrument: "updowncounter",
    unit: "{connection}",
    attributes: ["db.client.connection.pool.name"],
  },
  {
    name: "db.client.connection.timeouts",
    instrument: "counter",
    unit: "{timeout}",
    attributes: ["db.client.connection.pool.name"],
  },
] as const;

/**
 * The OpenTelemetry → Prometheus compatibility spec, for these instruments: dots to underscores, a
 * unit of `s` adds `_seconds` and a `{…}` annotation nothing, counters end in `_total`, updowncounters
 * are gauges.
 */
function prometheusOf(instrument: (typeof SEMCONV_INSTRUMENTS)[number]) {
  const sanitize = (name: string) => name.replaceAll(".", "_");
  const unitSuffix = instrument.unit === "s" ? "_seconds" : "";
  const typeSuffix = instrument.instrument === "counter" ? "_total" : "";
  return {
    name: `${sanitize(instrument.name)}${unitSuffix}${typeSuffix}`,
    type: instrument.instrument === "updowncounter" ? "gauge" : instrument.instrument,
    labels: instrument.attributes.map(sanitize),
  };
}

describe("Plue's service metrics", () => {
  it("are the semantic conventions' instruments, named as the OpenTelemetry → Prometheus compatibility spec names them", () => {
    expect(plueServiceMetrics.map(({ name, type, labels }) => ({ name, type, labels }))).toEqual(
      SEMCONV_INSTRUMENTS.map(prometheusOf),
    );
  });
});
