// The stack's output read for each Prometheus 2 → 3 change that could touch it. Tests run Debian's
// Prometheus 2.42 and clusters run 3.13, so nothing here can show 3.13 misbehaving: instead the shipped
// rules, dashboards, prometheus.yml and command lines, and the /metrics answers of the servers this
// project runs, are held to what upstream's migration guide says changed. Every check is first shown
// failing on a deliberately bad input. The reasoning: docs/architecture.md "Prometheus 2 → 3".
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { catalog } from "../../src/catalog/index.ts";
import { durationMs } from "../../src/config/formats.ts";
import type { StackConfig } from "../../src/config/schema.ts";
import { queriesOfDashboard } from "../../src/dashboards/index.ts";
import type { LocalDeployment } from "../../src/deployment.ts";
import { createServiceMetrics } from "../../src/instrument/index.ts";
import {
  clusterOptions,
  type RunningClusterSimulator,
  SIMULATOR_PATHS,
  startClusterSimulator,
} from "../../src/local/cluster-simulator.ts";
import { createApi } from "../../src/local/plue/api.ts";
import { createElectric } from "../../src/local/plue/electric.ts";
import { FaultKnobs } from "../../src/local/plue/knobs.ts";
import type { ServiceFactory, ServiceInstance } from "../../src/local/plue/service.ts";
import { createWeb } from "../../src/local/plue/web.ts";
import { localTiming } from "../../src/local/stack.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { prometheusArgs, prometheusConfig } from "../../src/prometheus/index.ts";
import type { ScrapeConfig } from "../../src/prometheus/types.ts";
import {
  bucketBoundRegex,
  type Finding,
  type Hazard,
  isLegacyLabelName,
  isLegacyMetricName,
  newlineSensitiveDots,
  PROMETHEUS_3_ACCEPT_HEADER,
  type PromqlContext,
  prometheus3BoundText,
  promqlFindings,
  relabelFindings,
  removedFlagFindings,
  scrapeContentTypeProblem,
} from "../../src/prometheus/v3-compat.ts";
import { toYaml } from "../../src/render.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { isAlertRule, type RuleGroup } from "../../src/rules/types.ts";
import { synthesize } from "../../src/synth.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort, runCommand } from "../helpers/system.ts";
import { fullConfig } from "./fixtures.ts";

/** Prometheus' default --query.lookback-delta; the command line leaves it alone. */
const LOOKBACK_DELTA_MS = 5 * 60_000;

/** Windows span at least this many sample intervals: what Timing.window promises (four scrapes). */
const MIN_INTERVALS_PER_WINDOW = 4;

const config = fullConfig();

// ---- the outputs, as shipped ----------------------------------------------------------------------

interface Expression {
  where: string;
  expr: string;
}

interface Output {
  prometheusYml: Record<string, unknown>;
  groups: RuleGroup[];
  /** Dashboard queries (cluster only: Grafana runs only there). */
  dashboardExpressions: Expression[];
}

const jobsOf = (yml: Record<string, unknown>) => yml.scrape_configs as ScrapeConfig[];
const globalOf = (yml: Record<string, unknown>) =>
  yml.global as { scrape_interval: string; evaluation_interval: string; external_labels: object };

/** The synthesized file tree, parsed back from the text written to disk. */
function clusterOutput(stackConfig: StackConfig): Output & { clusterArgs: string[] } {
  const tree = synthesize(stackConfig);
  const file = (path: string) => {
    const text = tree.get(path);
    if (text === undefined) throw new Error(`synth wrote no ${path}`);
    return text;
  };
  const under = (prefix: string) => [...tree.keys()].filter((path) => path.startsWith(prefix));
  const statefulSet = parseAllDocuments(file("manifests/prometheus.yaml"))
    .map((document) => document.toJS())
    .find((object) => object.kind === "StatefulSet");
  const container = statefulSet?.spec.template.spec.containers.find(
    (candidate: { name: string }) => candidate.name === "prometheus",
  );
  return {
    prometheusYml: parseYaml(file("config/prometheus/prometheus.yml")),
    groups: under("config/prometheus/rules/").flatMap((path) => parseYaml(file(path)).groups as RuleGroup[]),
    dashboardExpressions: under("config/grafana/dashboards/").flatMap((path) =>
      queriesOfDashboard(JSON.parse(file(path)), stackConfig).map((query) => ({
        where: `${query.dashboardTitle} / ${query.source} ${query.refId}`,
        expr: query.expr,
      })),
    ),
    clusterArgs: container.args as string[],
  };
}

function localDeploymentAt(scale: number): LocalDeployment {
  return {
    kind: "local",
    topology: defaultTopology,
    timing: localTiming(config, scale),
    rulesDir: "/nonexistent/rules",
    tlsCaFile: "/nonexistent/ca.pem",
  };
}

/** What the local stack writes at a time scale (src/local/parts/prometheus.ts), parsed back. */
function localOutput(scale: number): Output {
  const deployment = localDeploymentAt(scale);
  return {
    prometheusYml: parseYaml(toYaml(prometheusConfig(config, deployment))),
    groups: ruleFiles(config, deployment.timing).flatMap(
      (file) => parseYaml(toYaml({ groups: file.groups })).groups as RuleGroup[],
    ),
    dashboardExpressions: [],
  };
}

function ruleExpressions(groups: readonly RuleGroup[]): Expression[] {
  return groups.flatMap((group) =>
    group.rules.map((rule) => ({
      where: `${group.name}/${isAlertRule(rule) ? rule.alert : rule.record}`,
      expr: rule.expr,
    })),
  );
}

/**
 * Sample intervals as this output's Prometheus sees them: a job's scrape interval (its own, else the
 * global one), a recorded series' group interval; anything else the slowest job, to be safe.
 */
function contextFor(output: Output): (where: string) => PromqlContext {
  const global = globalOf(output.prometheusYml);
  const jobInterval = new Map(
    jobsOf(output.prometheusYml).map((job) => [
      job.job_name,
      durationMs(job.scrape_interval ?? global.scrape_interval),
    ]),
  );
  const slowest = Math.max(...jobInterval.values());
  const recording = output.groups.flatMap((group) =>
    group.rules
      .filter((rule) => !isAlertRule(rule))
      .map((rule) => ({ rule, intervalMs: durationMs(group.interval ?? global.evaluation_interval) })),
  );
  return (where) => ({
    where,
    evaluationIntervalMs: durationMs(global.evaluation_interval),
    minIntervalsPerWindow: MIN_INTERVALS_PER_WINDOW,
    sampleIntervalMs: (selector) => {
      const recorders = recording.filter(({ rule }) => "record" in rule && rule.record === selector.metric);
      if (recorders.length > 0) return Math.max(...recorders.map(({ intervalMs }) => intervalMs));
      if (!selector.jobs) return slowest;
      return Math.max(...selector.jobs.map((job) => jobInterval.get(job) ?? slowest));
    },
    setByRecordingRule: (metric, label, value) =>
      recording.some(
        ({ rule }) => "record" in rule && rule.record === metric && rule.labels?.[label] === value,
      ),
  });
}

function findingsIn(output: Output, hazard: Hazard): Finding[] {
  const context = contextFor(output);
  return [...ruleExpressions(output.groups), ...output.dashboardExpressions]
    .flatMap(({ where, expr }) => promqlFindings(expr, context(where)))
    .filter((finding) => finding.hazard === hazard);
}

/** A context for hand-written expressions: every job scraped every 30s, rules every 30s. */
const handContext: PromqlContext = {
  where: "test",
  evaluationIntervalMs: 30_000,
  minIntervalsPerWindow: MIN_INTERVALS_PER_WINDOW,
  sampleIntervalMs: () => 30_000,
};
const hazardsOf = (expr: string, context: Partial<PromqlContext> = {}) =>
  promqlFindings(expr, { ...handContext, ...context }).map((finding) => finding.hazard);

const alertmanagerApiVersions = (yml: Record<string, unknown>) =>
  ((yml.alerting as { alertmanagers?: { api_version?: string }[] }).alertmanagers ?? []).map(
    (alertmanager) => alertmanager.api_version ?? "v2 (the default)",
  );

/** `--flag` names in a command line. */
const flagNames = (args: readonly string[]) => args.map((arg) => /^--([^=]+)/.exec(arg)?.[1] ?? arg);

/** Names in a text exposition: every sample's metric name and label names. */
function expositionNames(text: string): { metrics: Set<string>; labels: Set<string> } {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const sample = /^([^{\s]+)(?:\{(.*)\})?\s/.exec(line);
    metrics.add(sample?.[1] ?? line);
    for (const [, label] of (sample?.[2] ?? "").matchAll(/(?:^|,)\s*([^=,\s]+)="/g))
      labels.add(label as string);
  }
  return { metrics, labels };
}

// ---- each check, failing on purpose ---------------------------------------------------------------

describe("each check fails on a deliberately bad input", () => {
  it("le and quantile matched by value, unless our own recording rule set that value", () => {
    expect(hazardsOf('sum(rate(x_bucket{le="1"}[5m]))')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x{quantile=~"0.9.*"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le="0.5"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('histogram_quantile(0.9, sum by (le) (rate(x_bucket{le!=""}[5m])))')).toEqual([]);
    const ours = {
      setByRecordingRule: (metric: string, label: string, value: string) =>
        metric === "r:quantile" && label === "quantile" && value === "0.5",
    };
    expect(hazardsOf('r:quantile{quantile="0.5"}', ours)).toEqual([]);
    expect(hazardsOf('r:quantile{quantile="1"}', ours)).toEqual(["bucket-label-value"]);
  });

  it("a bound matched in one of its two texts; both, as bucketBoundRegex writes them, pass", () => {
    // One text only: Prometheus 2 keeps "1" as exposed, Prometheus 3 stores "1.0".
    expect(hazardsOf('x_bucket{le=~"1"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le=~"1.0"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le=~"1|2.0"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le!~"1|1.0"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le="1|1.0"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le=~"0.25"}')).toEqual([]);
    expect(hazardsOf('x_bucket{le="0.25"}')).toEqual(["bucket-label-value"]);
    expect(hazardsOf('x_bucket{le=~"1|1.0"}')).toEqual([]);
    expect(hazardsOf(`x_bucket{le=~${JSON.stringify(bucketBoundRegex(1e6))}}`)).toEqual([]);
    // Prometheus 3's text: Go's shortest %g, ".0" on whole numbers.
    expect([1, 10, 0.005, 2.5, 1e6, 0.00001].map(prometheus3BoundText)).toEqual([
      "1.0",
      "10.0",
      "0.005",
      "2.5",
      "1e+06",
      "1e-05",
    ]);
    expect([1, 0.25, 1e6].map(bucketBoundRegex)).toEqual(["1|1.0", "0.25", "1000000|1e\\+06"]);
  });

  it("ranges shorter than four sample intervals, and subqueries shorter than two steps", () => {
    expect(hazardsOf('rate(x{job="a"}[1m])')).toEqual(["short-window"]);
    expect(hazardsOf('rate(x{job="a"}[2m])')).toEqual([]);
    expect(hazardsOf("max_over_time(x[1m:1m])")).toEqual(["short-window", "short-window"]);
    expect(hazardsOf("max_over_time(rate(x[2m])[2m:1m])")).toEqual([]);
    // The step defaults to the evaluation interval.
    expect(hazardsOf("max_over_time(rate(x[2m])[30s:])")).toEqual(["short-window", "short-window"]);
    expect(hazardsOf("rate(x[5m])", { sampleIntervalMs: () => 2 * 60_000 })).toEqual(["short-window"]);
  });

  it("a regex '.' on a label that can hold a newline; [^\\n], (?s) and (?-s) are the same in both", () => {
    expect(hazardsOf('x{http_route=~"/api/.*"}')).toEqual(["newline-dot"]);
    expect(hazardsOf('x{http_route!~".+"}')).toEqual(["newline-dot"]);
    expect(hazardsOf('label_replace(x, "route", "$1", "http_route", "(.+)")')).toEqual(["newline-dot"]);
    expect(hazardsOf('x{http_route=~"/api/[^\\\\n]*"}')).toEqual([]);
    expect(hazardsOf('x{namespace=~".+", http_response_status_code=~"5.."}')).toEqual([]);
    expect(newlineSensitiveDots("a.b")).toEqual([1]);
    expect(newlineSensitiveDots("a\\.b[.](?s:.)\\Q.\\E(?-s).")).toEqual([]);
    expect(newlineSensitiveDots("(a(?s).)b.")).toEqual([9]);
    expect(newlineSensitiveDots("[]a.]x[^]]y[[:alpha:].]z.")).toEqual([24]);
    expect(newlineSensitiveDots("(?P<name>.)")).toEqual([9]);
  });

  it("relabeling: a regex '.' on an annotation, on what was rewritten from one, on a static target", () => {
    const annotated: ScrapeConfig = {
      job_name: "pods",
      kubernetes_sd_configs: [{ role: "pod" }],
      relabel_configs: [
        { source_labels: ["__meta_kubernetes_pod_annotation_x"], regex: "(.+)", target_label: "a" },
        { source_labels: ["__meta_kubernetes_pod_annotation_x"], regex: "([^\\n]+)", target_label: "b" },
        { source_labels: ["b"], regex: "b.*", action: "keep" },
        { source_labels: ["__meta_kubernetes_namespace", "__address__"], regex: "x;.*", action: "drop" },
        { source_labels: ["__meta_kubernetes_pod_label_app"], target_label: "app" },
        { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod.name" },
      ],
    };
    expect(relabelFindings(annotated).map(({ where, hazard }) => `${where} ${hazard}`)).toEqual([
      "pods relabel_configs[0] newline-dot",
      "pods relabel_configs[2] newline-dot", // b was written from the annotation
      "pods relabel_configs[4] newline-dot", // an unlisted discovery label, with the default (.*)
      "pods relabel_configs[5] utf8-name",
    ]);
    const probe = (url: string): ScrapeConfig => ({
      job_name: "blackbox",
      static_configs: [{ targets: [url] }],
      relabel_configs: [{ source_labels: ["__address__"], target_label: "__param_target" }],
    });
    expect(relabelFindings(probe("https://plue.dev"))).toEqual([]);
    expect(relabelFindings(probe("https://plue.dev/a\nb")).map((finding) => finding.hazard)).toEqual([
      "newline-dot",
    ]);
  });

  it("holt_winters, quoted names and names the legacy scheme rejects", () => {
    expect(hazardsOf("holt_winters(x[5m], 0.5, 0.5)")).toContain("holt-winters");
    expect(hazardsOf("double_exponential_smoothing(x[5m], 0.5, 0.5)")).toEqual(["holt-winters"]);
    expect(hazardsOf('{"http.server.request.duration"}')).toEqual(["utf8-name"]);
    expect(hazardsOf('x{"service.name"="api"}')).toEqual(["utf8-name"]);
    expect(hazardsOf('sum by ("service.name") (x)')).toEqual(["utf8-name"]);
    expect(hazardsOf('{__name__="http.server.request.duration"}')).toEqual(["utf8-name"]);
    expect(hazardsOf('label_replace(x, "service.name", "$1", "service", "(.*)")')).toEqual(["utf8-name"]);
    expect(hazardsOf('count_values("a-b", x)')).toEqual(["utf8-name"]);
    expect(isLegacyMetricName("namespace_service:up:sum")).toBe(true);
    expect(isLegacyLabelName("a:b")).toBe(false);
  });

  it("flags and feature flags Prometheus 3 removed", () => {
    const args = [
      "--storage.tsdb.retention=30d",
      "--alertmanager.timeout=10s",
      "--storage.tsdb.allow-overlapping-blocks",
      "--enable-feature=remote-write-receiver,exemplar-storage,promql-at-modifier",
      "--storage.tsdb.retention.time=30d",
    ];
    expect(removedFlagFindings(args).map((finding) => finding.message.split(" ")[0])).toEqual([
      "--storage.tsdb.retention",
      "--alertmanager.timeout",
      "--storage.tsdb.allow-overlapping-blocks",
      "--enable-feature=remote-write-receiver",
      "--enable-feature=promql-at-modifier",
    ]);
  });

  it("an Alertmanager reached by the v1 API", () => {
    const yml = { alerting: { alertmanagers: [{ api_version: "v1" }, {}] } };
    expect(alertmanagerApiVersions(yml)).toEqual(["v1", "v2 (the default)"]);
  });

  it("Content-Types Prometheus 3 fails the scrape on (2.x read them all as text)", () => {
    for (const bad of [
      undefined,
      "",
      "text/html; charset=utf-8",
      "application/json",
      "text",
      "text/plain; version",
    ]) {
      expect(scrapeContentTypeProblem(bad), String(bad)).toBeDefined();
    }
    expect(scrapeContentTypeProblem("text/plain; version=0.0.4; version=1.0.0")).toMatch(/repeats/);
    for (const good of [
      "text/plain; version=0.0.4; charset=utf-8",
      "text/plain;version=1.0.0;escaping=allow-utf-8",
      "Text/Plain; charset=utf-8; version=0.0.4;",
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
      'application/vnd.google.protobuf; proto="io.prometheus.client.MetricFamily"; encoding=delimited',
    ]) {
      expect(scrapeContentTypeProblem(good), good).toBeUndefined();
    }
  });
});

// ---- the stack's output ---------------------------------------------------------------------------

describe("rules and dashboards as the cluster loads them", () => {
  const output = clusterOutput(config);

  it("are what synth writes: every rule group and every dashboard query is read", () => {
    expect(output.groups.length).toBeGreaterThan(5);
    expect(output.dashboardExpressions.length).toBeGreaterThan(10);
  });

  it("parse with Prometheus 3's grammar", () => {
    expect(findingsIn(output, "syntax")).toEqual([]);
  });

  it("match no le or quantile label by its text (but the quantile our recording rules attach)", () => {
    expect(findingsIn(output, "bucket-label-value")).toEqual([]);
  });

  it("match a latency SLO's bound in both texts, whole and fractional", () => {
    const withLatency = clusterOutput(
      fullConfig({
        slos: [
          { service: "api", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
          { service: "web", objective: 99, indicator: { kind: "latency", threshold: "250ms" } },
        ],
      }),
    );
    const exprs = ruleExpressions(withLatency.groups).map(({ expr }) => expr);
    expect(exprs.some((expr) => expr.includes('le=~"1|1.0"'))).toBe(true);
    expect(exprs.some((expr) => expr.includes('le=~"0.25"'))).toBe(true);
    expect(findingsIn(withLatency, "bucket-label-value")).toEqual([]);
  });

  it.each(["10s", "15s", "30s"])(
    "keep every range and subquery four scrapes long at a scrape interval of %s",
    (scrapeInterval) => {
      const scraped = clusterOutput({ ...config, scrapeInterval, evaluationInterval: scrapeInterval });
      expect(findingsIn(scraped, "short-window")).toEqual([]);
    },
  );

  it("use no regex '.' that may meet a newline", () => {
    expect(findingsIn(output, "newline-dot")).toEqual([]);
  });

  it("call no holt_winters and use only legacy metric and label names", () => {
    expect(findingsIn(output, "holt-winters")).toEqual([]);
    expect(findingsIn(output, "utf8-name")).toEqual([]);
    const rules = output.groups.flatMap((group) => group.rules);
    const names = rules.map((rule) => (isAlertRule(rule) ? rule.alert : rule.record));
    expect(names.filter((name) => !isLegacyMetricName(name))).toEqual([]);
    const labelNames = rules.flatMap((rule) => [
      ...Object.keys(rule.labels ?? {}),
      ...Object.keys(isAlertRule(rule) ? rule.annotations : {}),
    ]);
    expect(labelNames.filter((name) => !isLegacyLabelName(name))).toEqual([]);
  });

  it("read catalog metrics whose names and labels are all legacy", () => {
    expect(catalog.filter((metric) => !isLegacyMetricName(metric.name)).map((metric) => metric.name)).toEqual(
      [],
    );
    const labels = catalog.flatMap((metric) => metric.labels);
    expect(labels.filter((label) => !isLegacyLabelName(label))).toEqual([]);
  });
});

describe.each([1, 10, 60, 120])("rules as the local stack loads them at time scale %d", (scale) => {
  const output = localOutput(scale);

  it("keep every range four scrapes long, postgres-exporter's slower interval included", () => {
    expect(findingsIn(output, "short-window")).toEqual([]);
  });

  it("raise nothing else", () => {
    const context = contextFor(output);
    const findings = ruleExpressions(output.groups).flatMap(({ where, expr }) =>
      promqlFindings(expr, context(where)),
    );
    expect(findings).toEqual([]);
  });
});

describe("prometheus.yml", () => {
  const shipped = clusterOutput(config);
  const cluster = shipped.prometheusYml;
  const local = localOutput(60).prometheusYml;

  it("relabels the annotated pods, whose annotations are free text, alike in Prometheus 2 and 3", () => {
    expect(jobsOf(cluster).flatMap(relabelFindings)).toEqual([]);
  });

  it("relabels every other job alike in Prometheus 2 and 3, here and in the cluster", () => {
    const others = jobsOf(cluster).filter((job) => job.job_name !== "kubernetes-pods");
    expect(others.flatMap(relabelFindings)).toEqual([]);
    expect(jobsOf(local).flatMap(relabelFindings)).toEqual([]);
  });

  it("would relabel a probed URL holding a newline differently, so the config refuses one", () => {
    expect(() => testConfig({ extraProbeUrls: ["https://status.plue.dev/a\nb"] })).toThrow(
      /extraProbeUrls\.0 = "https:\/\/status\.plue\.dev\/a\\nb".*no spaces or control characters/,
    );
    const withNewline = clusterOutput({ ...config, extraProbeUrls: ["https://status.plue.dev/a\nb"] });
    const blackbox = jobsOf(withNewline.prometheusYml).filter((job) => job.job_name === "blackbox");
    expect(blackbox.flatMap(relabelFindings).map((finding) => finding.hazard)).toContain("newline-dot");
  });

  it("scrapes every job at least twice within the 5m lookback, so an instant selector never comes up empty", () => {
    for (const yml of [cluster, local]) {
      const intervals = jobsOf(yml).map((job) =>
        durationMs(job.scrape_interval ?? globalOf(yml).scrape_interval),
      );
      expect(intervals.filter((interval) => 2 * interval > LOOKBACK_DELTA_MS)).toEqual([]);
    }
    expect(flagNames(shipped.clusterArgs)).not.toContain("query.lookback-delta");
  });

  it("sends alerts by the Alertmanager v2 API", () => {
    expect(alertmanagerApiVersions(cluster)).toEqual(["v2"]);
    expect(alertmanagerApiVersions(local)).toEqual(["v2"]);
  });

  it("uses only legacy label names for external and static target labels", () => {
    for (const yml of [cluster, local]) {
      const names = [
        ...Object.keys(globalOf(yml).external_labels),
        ...jobsOf(yml).flatMap((job) =>
          (job.static_configs ?? []).flatMap((group) => Object.keys(group.labels ?? {})),
        ),
      ];
      expect(names.filter((name) => !isLegacyLabelName(name))).toEqual([]);
    }
  });
});

/** Flags Debian's patches add to its 2.42 build; upstream 3.13 has none of them. */
const DEBIAN_ONLY_FLAGS = ["web.local-assets", "storage.tsdb.use-lockfile", "storage.agent.use-lockfile"];

describe("Prometheus' command line", () => {
  const clusterArgs = clusterOutput(config).clusterArgs;
  /** Flags src/local/parts/prometheus.ts adds to prometheusArgs (read from its source). */
  const partFlags = [
    ...readFileSync(new URL("../../src/local/parts/prometheus.ts", import.meta.url), "utf8").matchAll(
      /"(--[a-z][\w.-]*(?:=[^"]*)?)"/g,
    ),
  ].map((match) => match[1] as string);
  const localArgs = [
    ...prometheusArgs(config, localDeploymentAt(60), { configFile: "/x/prometheus.yml", dataDir: "/x/data" }),
    ...partFlags,
  ];

  it("in the cluster holds no flag or feature flag that 3.x removed", () => {
    expect(clusterArgs.length).toBeGreaterThan(2);
    expect(removedFlagFindings(clusterArgs)).toEqual([]);
  });

  it("in the cluster holds only flags Prometheus 2.42 also has (so 3.x, which only removed some, has them)", async () => {
    const help = await runCommand("prometheus", ["--help"]);
    const known = new Set(
      [...(help.stdout + help.stderr).matchAll(/--(?:\[no-\])?([a-z][\w.-]*)/g)].map((m) => m[1]),
    );
    for (const flag of DEBIAN_ONLY_FLAGS) known.delete(flag);
    expect(flagNames(clusterArgs).filter((flag) => !known.has(flag))).toEqual([]);
  });

  it("locally runs 2.42 with these flags, none of them removed in 3.x", () => {
    expect(flagNames(localArgs)).toEqual([
      "config.file",
      "storage.tsdb.path",
      "storage.tsdb.retention.time",
      "web.enable-lifecycle",
      "web.listen-address",
      "rules.alert.resend-delay",
      "log.level",
      "web.enable-admin-api",
    ]);
    expect(removedFlagFindings(localArgs)).toEqual([]);
  });
});

describe("/metrics endpoints this project serves", () => {
  const factories: Record<string, ServiceFactory> = {
    api: createApi,
    web: createWeb,
    electric: createElectric,
  };
  const running: { name: string; instance: ServiceInstance; url: string }[] = [];
  let simulator: RunningClusterSimulator;

  beforeAll(async () => {
    // The exposition needs no database: the pools point at a closed port and stay empty.
    const database = { host: "127.0.0.1", port: await freePort(), user: "none", database: "none" };
    for (const [name, factory] of Object.entries(factories)) {
      const instance = factory({ metrics: createServiceMetrics(), knobs: new FaultKnobs(), database });
      const port = await freePort();
      await new Promise<void>((resolve) => instance.server.listen(port, "127.0.0.1", resolve));
      // One request (a 404 needs no database), so the duration histogram has buckets to expose.
      await (await fetch(`http://127.0.0.1:${port}/no-such-page`)).body?.cancel();
      running.push({ name, instance, url: `http://127.0.0.1:${port}/metrics` });
    }
    simulator = await startClusterSimulator({
      host: "127.0.0.1",
      port: await freePort(),
      cluster: clusterOptions(config, defaultTopology, 60),
    });
  });

  afterAll(async () => {
    for (const { instance } of running) {
      await new Promise<void>((resolve) => (instance.server as Server).close(() => resolve()));
      await instance.close();
    }
    await simulator?.close();
  });

  const endpoints = () => [
    ...running.map(({ name, url }) => ({ name, url })),
    ...[
      SIMULATOR_PATHS.kubeStateMetrics,
      SIMULATOR_PATHS.kubelet(defaultTopology.nodes[0] as string),
      SIMULATOR_PATHS.cadvisor(defaultTopology.nodes[0] as string),
    ].map((path) => ({ name: `cluster simulator ${path}`, url: `${simulator.url}${path}` })),
  ];

  it("answer Prometheus 3.13's Accept header with a Content-Type it parses, and only legacy names", async () => {
    expect(endpoints()).toHaveLength(6);
    for (const { name, url } of endpoints()) {
      const response = await fetch(url, { headers: { Accept: PROMETHEUS_3_ACCEPT_HEADER } });
      const body = await response.text();
      expect(response.status, name).toBe(200);
      expect(scrapeContentTypeProblem(response.headers.get("content-type")), name).toBeUndefined();
      const { metrics, labels } = expositionNames(body);
      expect(metrics.size, name).toBeGreaterThan(0);
      expect(
        [...metrics].filter((metric) => !isLegacyMetricName(metric)),
        name,
      ).toEqual([]);
      expect(
        [...labels].filter((label) => !isLegacyLabelName(label)),
        name,
      ).toEqual([]);
    }
  });

  it('expose whole-number bucket bounds as le="1", which Prometheus 3 stores as le="1.0"', async () => {
    for (const { name, url } of running) {
      const body = await (await fetch(url, { headers: { Accept: PROMETHEUS_3_ACCEPT_HEADER } })).text();
      expect(body, name).toMatch(/^http_server_request_duration_seconds_bucket\{(?:.*,)?le="1"[,}]/m);
    }
  });
});
