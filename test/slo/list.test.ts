// The SLO list (built-ins, replaced or joined by config.slos) and the checks of config.slos that its
// schema cannot make alone. Checked on configs built around validation, so each problem shows alone.
import { describe, expect, it } from "vitest";
import type { StackConfig } from "../../src/config/schema.ts";
import { sloList, sloProblems } from "../../src/slo/index.ts";
import { type SloInput, sloSchema } from "../../src/slo/schema.ts";
import { testConfig } from "../helpers/config.ts";

const worker = {
  metrics: [
    {
      name: "worker_jobs_total",
      type: "counter" as const,
      labels: ["outcome"],
      jobs: ["worker"],
      help: "Jobs finished",
    },
  ],
  scrapeJobs: [{ name: "worker", namespace: "jobs", service: "worker", port: 9464, path: "/metrics" }],
};

const workerRatio: SloInput = {
  service: "worker",
  name: "jobs",
  objective: 99,
  indicator: {
    kind: "ratio",
    errors: 'worker_jobs_total{job="worker", outcome="failed"}',
    total: 'worker_jobs_total{job="worker"}',
  },
};

/** The test config with these SLOs as the schema reads them, past the config's own validation. */
function withSlos(slos: SloInput[], overrides: Partial<StackConfig> = {}): StackConfig {
  return { ...testConfig(), ...overrides, slos: slos.map((slo) => sloSchema.parse(slo)) };
}

const summary = (config: StackConfig) =>
  sloList(config).map((slo) => [slo.service, slo.name, slo.objective, slo.window, slo.namespace ?? "-"]);

describe("sloList", () => {
  it("holds 99.9% availability of api, web and electric over 30 days by default", () => {
    expect(summary(testConfig())).toEqual([
      ["api", "availability", 99.9, "30d", "plue"],
      ["web", "availability", 99.9, "30d", "plue"],
      ["electric", "availability", 99.9, "30d", "plue"],
    ]);
    expect(sloList(testConfig()).every((slo) => slo.minFailedEvents === 10)).toBe(true);
  });

  it("replaces a built-in by service and name (the name defaulting to the indicator's kind) and adds the rest", () => {
    const config = withSlos(
      [
        { service: "web", objective: 99.5, window: "28d", indicator: { kind: "availability" } },
        { service: "api", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
        workerRatio,
      ],
      { ...worker, appNamespace: "plue-prod" },
    );
    expect(summary(config)).toEqual([
      ["api", "availability", 99.9, "30d", "plue-prod"],
      ["web", "availability", 99.5, "28d", "plue-prod"],
      ["electric", "availability", 99.9, "30d", "plue-prod"],
      ["api", "latency", 99, "30d", "plue-prod"],
      // A team's scrape job: the namespace it scrapes.
      ["worker", "jobs", 99, "30d", "jobs"],
    ]);
    expect(sloList(config).map((slo) => slo.origin)).toEqual(["built-in", 0, "built-in", 1, 2]);
  });

  it("gives a ratio SLO on no known job no namespace, and keeps the first of two entries for one SLO", () => {
    const config = withSlos([
      { ...workerRatio, service: "billing" },
      { ...workerRatio, service: "billing", objective: 95 },
    ]);
    expect(summary(config).slice(3)).toEqual([["billing", "jobs", 99, "30d", "-"]]);
  });

  it("shortens the built-ins' window to the retention when Prometheus keeps less than 30 days", () => {
    expect(summary(testConfig({ prometheusRetention: "15d" })).map((slo) => slo[3])).toEqual([
      "2w1d",
      "2w1d",
      "2w1d",
    ]);
    expect(summary(testConfig({ prometheusRetention: "1y" })).map((slo) => slo[3])).toEqual([
      "30d",
      "30d",
      "30d",
    ]);
  });
});

describe("sloProblems", () => {
  it("accepts SLOs of every kind on services that provide what they read", () => {
    expect(
      sloProblems(
        withSlos(
          [
            { service: "api", objective: 99, indicator: { kind: "latency", threshold: "250ms" } },
            { service: "web", name: "fast", objective: 95, indicator: { kind: "latency", threshold: "2s" } },
            { service: "electric", objective: 99.95, window: "7d", indicator: { kind: "availability" } },
            workerRatio,
          ],
          worker,
        ),
      ),
    ).toEqual([]);
  });

  it("refuses a latency threshold between the histogram's bounds", () => {
    const config = withSlos([
      { service: "api", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
      { service: "api", name: "slow", objective: 99, indicator: { kind: "latency", threshold: "300ms" } },
    ]);
    expect(sloProblems(config)).toEqual([
      {
        key: "slos.1.indicator.threshold",
        shown: '"300ms"',
        message:
          "a bucket bound of http_server_request_duration_seconds (10ms, 25ms, 50ms, 100ms, 250ms, 500ms, 1s, 2s, 5s, 10s): between bounds the histogram cannot tell fast from slow",
      },
    ]);
  });

  it("refuses availability or latency on a service whose job does not provide the request histogram", () => {
    const message = (kind: string) =>
      `a ${kind} SLO reads http_server_request_duration_seconds from the job named like the service: api, web, electric provide it (a team's job does once a metrics entry lists it in jobs); for another service use { kind: "ratio" }`;
    const config = withSlos(
      [
        { service: "worker", objective: 99, indicator: { kind: "availability" } },
        { service: "worker", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
      ],
      worker,
    );
    expect(sloProblems(config)).toEqual([
      { key: "slos.0.service", shown: '"worker"', message: message("availability") },
      { key: "slos.1.service", shown: '"worker"', message: message("latency") },
    ]);
    // A metrics entry that lists the team's job for the histogram makes it a provider.
    const declared = withSlos([{ service: "worker", objective: 99, indicator: { kind: "availability" } }], {
      ...worker,
      metrics: [
        {
          name: "http_server_request_duration_seconds",
          type: "histogram",
          labels: ["http_response_status_code"],
          jobs: ["worker"],
          help: "Request durations",
        },
      ],
    });
    expect(sloProblems(declared)).toEqual([]);
  });

  it("refuses a window longer than Prometheus keeps", () => {
    const config = withSlos(
      [
        { service: "api", objective: 99, window: "30d", indicator: { kind: "availability" } },
        { ...workerRatio, window: "7d" },
      ],
      { ...worker, prometheusRetention: "15d" },
    );
    expect(sloProblems(config)).toEqual([
      {
        key: "slos.0.window",
        shown: '"30d"',
        message:
          "at most prometheusRetention (15d): the budget sums the whole window, which Prometheus must keep",
      },
    ]);
  });

  it("refuses a second entry for the same service and name, named or by its kind", () => {
    const config = withSlos([
      { service: "api", objective: 99, indicator: { kind: "availability" } },
      { service: "api", name: "availability", objective: 99.5, indicator: { kind: "availability" } },
      { service: "api", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
      { service: "web", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
    ]);
    expect(sloProblems(config)).toEqual([
      {
        key: "slos.1.name",
        shown: '"availability"',
        message:
          "a name not used for api already (slos.0 is api/availability; without a name, an SLO is named by its indicator's kind)",
      },
    ]);
  });

  it("is run by the config's validation", () => {
    expect(() =>
      testConfig({
        slos: [{ service: "api", objective: 99, indicator: { kind: "latency", threshold: "300ms" } }],
      }),
    ).toThrow(/slos\.0\.indicator\.threshold = "300ms"/);
  });
});
