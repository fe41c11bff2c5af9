// Ground truth from a real OpenTelemetry SDK: a MeterProvider with the JS SDK's PrometheusExporter,
// recording the contract's instruments exactly as semantic-conventions v1.44.0 defines them (names,
// kinds, units, attributes, http.server.request.duration's advisory buckets), scraped by the real
// `plue-monitoring check-metrics` process. The JS exporter writes no unit suffix (its names lack the
// `_seconds` of the OpenTelemetry → Prometheus compatibility spec, which the Go exporter follows);
// named by a View the way the spec names it, the stock SDK passes, with the 2 s bucket warning. The
// recorded output, test/fixtures/exporters/otel-sdk-service.prom, must keep matching the live SDK,
// so an upgrade that renames anything fails here. RECORD_OTEL_CORPUS=1 rewrites it.
import { readFileSync, writeFileSync } from "node:fs";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationType, MeterProvider, type ViewOptions } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { plueServiceMetrics } from "../../src/catalog/plue-services.ts";
import { type MetricFamily, parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { DURATION_BUCKETS } from "../../src/instrument/index.ts";
import { OTEL_ADVISORY_DURATION_BUCKETS } from "../helpers/opentelemetry.ts";
import { freePort, runCommand } from "../helpers/system.ts";
import { serveText } from "./serve-text.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const CORPUS = new URL("../fixtures/exporters/otel-sdk-service.prom", import.meta.url);
const SEMCONV = "open-telemetry/semantic-conventions";

const POOL = { "db.client.connection.pool.name": "127.0.0.1:5432/plue" };

/**
 * The compatibility spec's name for the one instrument whose unit has a Prometheus suffix
 * (`s` → `_seconds`); the other units are `{…}` annotations, which add nothing.
 */
const UNIT_SUFFIX_VIEWS: ViewOptions[] = [
  { instrumentName: "http.server.request.duration", name: "http.server.request.duration_seconds" },
];

/** docs/metrics-contract.md's View: the spec's name, and the Node module's buckets, 2 included. */
const DOCUMENTED_VIEWS: ViewOptions[] = [
  {
    ...UNIT_SUFFIX_VIEWS[0],
    aggregation: {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: { boundaries: [...DURATION_BUCKETS] },
    },
  },
];

interface SdkService {
  url: string;
  shutdown(): Promise<void>;
}
const running: SdkService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown()));
});

/** The api as a stock OpenTelemetry JS service would instrument it, serving /metrics on a free port. */
async function startSdkService(views: ViewOptions[]): Promise<SdkService> {
  const port = await freePort();
  let exporter: PrometheusExporter | undefined;
  await new Promise<void>((resolve, reject) => {
    exporter = new PrometheusExporter({ host: "127.0.0.1", port }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
  const provider = new MeterProvider({
    // The SDK's own resource (telemetry.sdk.*) with the service's name, as NodeSDK would set it up.
    resource: defaultResource().merge(resourceFromAttributes({ "service.name": "api" })),
    readers: [exporter as PrometheusExporter],
    views,
  });
  const meter = provider.getMeter("plue-api", "1.0.0");

  // model/http/metrics.yaml@v1.44.0
  const duration = meter.createHistogram("http.server.request.duration", {
    description: "Duration of HTTP server requests.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...OTEL_ADVISORY_DURATION_BUCKETS] },
  });
  const requests: [method: string, route: string, status: number, seconds: number][] = [
    ["GET", "/api/repos/:owner/:name", 200, 0.012],
    ["GET", "/api/repos/:owner/:name", 200, 0.034],
    ["GET", "/api/repos/:owner/:name", 200, 1.6],
    ["GET", "/api/repos/:owner/:name", 404, 0.008],
    ["POST", "/api/repos/:owner/:name/star", 500, 0.21],
  ];
  for (const [method, route, status, seconds] of requests) {
    duration.record(seconds, {
      "http.request.method": method,
      "http.route": route,
      "http.response.status_code": status,
    });
  }
  const active = meter.createUpDownCounter("http.server.active_requests", {
    description: "Number of active HTTP server requests.",
    unit: "{request}",
  });
  active.add(1, { "http.request.method": "GET", "url.scheme": "http" });

  // model/db/metrics.yaml@v1.44.0; attributes from model/db/registry.yaml@v1.44.0
  meter
    .createObservableUpDownCounter("db.client.connection.count", {
      description:
        "The number of connections that are currently in state described by the `state` attribute.",
      unit: "{connection}",
    })
    .addCallback((result) => {
      result.observe(2, { "db.client.connection.state": "used", ...POOL });
      result.observe(8, { "db.client.connection.state": "idle", ...POOL });
    });
  meter
    .createObservableUpDownCounter("db.client.connection.max", {
      description: "The maximum number of open connections allowed.",
      unit: "{connection}",
    })
    .addCallback((result) => result.observe(10, POOL));
  meter
    .createCounter("db.client.connection.timeouts", {
      description:
        "The number of connection timeouts that have occurred trying to obtain a connection from the pool.",
      unit: "{timeout}",
    })
    .add(1, POOL);

  const service = {
    url: `http://127.0.0.1:${port}/metrics`,
    shutdown: () => provider.shutdown(),
  };
  running.push(service);
  return service;
}

async function scrapeText(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.ok).toBe(true);
  return response.text();
}

/** The real CLI, as a user runs it. */
function checkMetricsProcess(...args: string[]) {
  return runCommand("node", ["bin/plue-monitoring.mjs", "check-metrics", ...args], { cwd: ROOT });
}

/** Each family's type and the label names its samples carry (`le` aside), for comparing expositions. */
function shapeOf(families: Map<string, MetricFamily>): Record<string, { type: string; labels: string[] }> {
  return Object.fromEntries(
    [...families.values()].map((family) => {
      const labels = new Set(family.samples.flatMap((sample) => Object.keys(sample.labels)));
      labels.delete("le");
      return [family.name, { type: family.type, labels: [...labels].sort() }];
    }),
  );
}

describe("a service on the OpenTelemetry JS SDK and its Prometheus exporter", () => {
  it("with the exporter's own names: no unit suffix, so check-metrics fails and says how to fix it", async () => {
    const service = await startSdkService([]);
    const text = await scrapeText(service.url);
    // What the JS exporter does with the compatibility spec: `_total` yes, dots to underscores yes,
    // the unit only as a `# UNIT` comment, never as a suffix.
    expect(text).toContain("# TYPE http_server_request_duration histogram\n");
    expect(text).toContain("# UNIT http_server_request_duration s\n");
    expect(text).toContain("# TYPE db_client_connection_timeouts_total counter\n");
    expect(text).not.toContain("_seconds");

    const result = await checkMetricsProcess(service.url);
    expect(result.stdout).toMatch(
      /FAIL\s+http_server_request_duration_seconds\s+missing \(found http_server_request_duration, without the unit suffix _seconds: .*View/,
    );
    expect(result.stdout.match(/^ {2}ok /gm)).toHaveLength(4);
    expect(result.code).toBe(1);
  });

  it("with the compatibility spec's names: check-metrics passes, warning that a 2 s bucket would make SlowResponseTime exact", async () => {
    const service = await startSdkService(UNIT_SUFFIX_VIEWS);
    const result = await checkMetricsProcess(service.url);
    expect(result.stdout.split("\n")[0]).toBe(`${service.url}: conforms (1 warning)`);
    for (const metric of plueServiceMetrics) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}ok {4}${metric.name} `, "m"));
    }
    const warnings = result.stdout.split("\n").filter((line) => line.startsWith("warning:"));
    expect(warnings).toEqual([
      'warning: http_server_request_duration_seconds: no bucket bound at 2 (le="2"): SlowResponseTime ' +
        '(p99 > 2s) interpolates between le="1" and le="2.5"; a bucket at 2 would make that alert exact',
    ]);
    expect(result.code).toBe(0);
  });

  it("with the View of docs/metrics-contract.md, a bucket at 2 too: check-metrics passes without a warning", async () => {
    const service = await startSdkService(DOCUMENTED_VIEWS);
    expect(await scrapeText(service.url)).toContain('le="2"}');
    const result = await checkMetricsProcess(service.url);
    expect(result.stdout.split("\n")[0]).toBe(`${service.url}: conforms`);
    expect(result.stdout).not.toContain("warning:");
    expect(result.code).toBe(0);
  });

  it("still serves the recorded corpus's families, types and label names", async () => {
    const service = await startSdkService(UNIT_SUFFIX_VIEWS);
    const live = await scrapeText(service.url);
    if (process.env.RECORD_OTEL_CORPUS) writeFileSync(CORPUS, corpus(live));
    const recorded = parseExposition(readFileSync(CORPUS, "utf8"));
    expect(shapeOf(parseExposition(live))).toEqual(shapeOf(recorded));
    // The extra labels and families every OpenTelemetry SDK adds are there, and accepted.
    expect(shapeOf(recorded).target_info?.labels).toEqual([
      "service_name",
      "telemetry_sdk_language",
      "telemetry_sdk_name",
      "telemetry_sdk_version",
    ]);
    expect(shapeOf(recorded).db_client_connection_max?.labels).toEqual([
      "db_client_connection_pool_name",
      "otel_scope_name",
      "otel_scope_version",
    ]);
  });

  it("the recorded corpus passes check-metrics, with the 2 s bucket warning", async () => {
    const server = await serveText(readFileSync(CORPUS, "utf8"));
    try {
      const result = await checkMetricsProcess(server.url);
      expect(result.stdout.split("\n")[0]).toBe(`${server.url}: conforms (1 warning)`);
      expect(result.stdout).toMatch(/^warning: http_server_request_duration_seconds: no bucket bound at 2 /m);
      expect(result.code).toBe(0);
    } finally {
      await server.close();
    }
  });
});

/**
 * Where each family of the corpus comes from: one `# source: <repository> <path>@<tag>` line above its
 * HELP (test/fixtures/exporters/README.md), then what was taken from there.
 */
const JS_SERIALIZER = `open-telemetry/opentelemetry-js experimental/packages/opentelemetry-exporter-prometheus/src/PrometheusSerializer.ts@experimental/v0.223.0`;
const HTTP_METRICS = `${SEMCONV} model/http/metrics.yaml@v1.44.0`;
const DB_METRICS = `${SEMCONV} model/db/metrics.yaml@v1.44.0`;
const SOURCES: Record<string, string> = {
  target_info: `${JS_SERIALIZER} — the SDK's resource (service.name, telemetry.sdk.*) as the exporter writes it`,
  http_server_request_duration_seconds: `${HTTP_METRICS} — http.server.request.duration (histogram, s, attributes http.request.method, http.route, http.response.status_code); buckets: docs/http/http-metrics.md@v1.44.0; _seconds: a View, as open-telemetry/opentelemetry-go exporters/prometheus/testdata/counter.txt@exporters/prometheus/v0.67.0 names a unit of s`,
  http_server_active_requests: `${HTTP_METRICS} — http.server.active_requests (updowncounter, {request}, attributes http.request.method, url.scheme)`,
  db_client_connection_count: `${DB_METRICS} — db.client.connection.count (updowncounter, {connection}, attributes db.client.connection.state, db.client.connection.pool.name: model/db/registry.yaml@v1.44.0)`,
  db_client_connection_max: `${DB_METRICS} — db.client.connection.max (updowncounter, {connection}, attribute db.client.connection.pool.name)`,
  db_client_connection_timeouts_total: `${DB_METRICS} — db.client.connection.timeouts (counter, {timeout}, attribute db.client.connection.pool.name)`,
};

/** The live text with the shared corpus header and a source line above each family. */
function corpus(live: string): string {
  const version = (name: string) =>
    (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, "utf8")) as { version: string })
      .version;
  const header = [
    `# Corpus: an HTTP service instrumented with the OpenTelemetry JS SDK (@opentelemetry/sdk-metrics ${version("@opentelemetry/sdk-metrics")}, @opentelemetry/exporter-prometheus ${version("@opentelemetry/exporter-prometheus")})`,
    "# What: /metrics as the SDK's Prometheus exporter serves it. Instruments, units, attributes and advisory buckets from",
    `#   ${SEMCONV} model/http/metrics.yaml@v1.44.0, model/db/metrics.yaml@v1.44.0 (buckets: docs/http/http-metrics.md@v1.44.0)`,
    "#   Names: the OpenTelemetry → Prometheus compatibility spec as open-telemetry/opentelemetry-go implements it",
    "#   (exporters/prometheus@v0.67.0 testdata: counter.txt, a unit of s → _seconds and _total on counters;",
    "#   counter_no_unit.txt, a {…} unit adds no suffix). The JS exporter writes no unit suffix (only a # UNIT comment),",
    "#   so the duration histogram is named http.server.request.duration_seconds by a View; all else is its own output.",
    "#   Recorded by test/check-metrics/otel-sdk.test.ts (RECORD_OTEL_CORPUS=1), which holds it to the live SDK.",
  ];
  const body = live.replace(/^# HELP (\S+)/gm, (help, name: string) => {
    const source = SOURCES[name];
    if (!source) throw new Error(`no source recorded for ${name}: add it to SOURCES`);
    return `# source: ${source}\n${help}`;
  });
  return `${header.join("\n")}\n${body}`;
}
