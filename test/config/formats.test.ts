// Each validation rule with good and bad values, through the same resolver the CLI uses.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { durationMs, formatDuration } from "../../src/config/formats.ts";
import type { UserConfig } from "../../src/config/schema.ts";
import { testConfig } from "../helpers/config.ts";

function problemsFor(overrides: Record<string, unknown>): string[] {
  try {
    testConfig(overrides as UserConfig);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problem.key);
  }
}

const cases: { key: string; good: unknown[]; bad: unknown[] }[] = [
  {
    key: "prometheusRetention",
    good: ["30d", "12h", "1y", "2w3d", "90m", "1h30m"],
    bad: ["30x", "", "d30", "30", "3d2w", "0d", "30 d"],
  },
  {
    key: "prometheusStorageSize",
    good: ["50Gi", "500Mi", "1Ti", "100G", "1.5Gi", "1e9"],
    bad: ["50GB", "fifty", "", "-5Gi", "0Gi", "50 Gi"],
  },
  { key: "grafanaStorageSize", good: ["10Gi"], bad: ["10gb"] },
  { key: "alertCpuThreshold", good: [0.5, 80, 94], bad: [0, -1, 120, "eighty", Number.NaN] },
  { key: "alertMemoryThreshold", good: [1, 90], bad: [0, 101] },
  { key: "alertErrorRateThreshold", good: [0.1, 1, 4.9], bad: [0, 200] },
  { key: "alertCpuCriticalThreshold", good: [100, 96], bad: [100.5] },
  {
    key: "alertmanagerSlackWebhook",
    good: ["", "https://hooks.slack.com/services/T0/B0/XYZ"],
    bad: ["http://hooks.slack.com/services/T0/B0/XYZ", "hooks.slack.com/x", "https://"],
  },
  { key: "alertmanagerDefaultWebhookUrl", good: ["", "https://alerts.plue.dev/hook"], bad: ["ftp://x.dev/"] },
  { key: "alertmanagerHeartbeatUrl", good: ["", "https://hc-ping.com/uuid"], bad: ["not a url"] },
  {
    key: "alertmanagerPagerdutyKey",
    good: ["", "0123456789abcdef0123456789ABCDEF"],
    bad: ["short", "0123456789abcdef0123456789ABCDE!"],
  },
  {
    key: "namespace",
    good: ["monitoring", "m", "obs-1"],
    bad: ["Monitoring", "-monitoring", "monitoring-", "mon_itoring", "a".repeat(64), "a.b"],
  },
  { key: "appNamespace", good: ["plue"], bad: ["Plue"] },
  {
    key: "domain",
    good: ["plue.dev", "monitoring.example.com", "a-b.c-d.io"],
    bad: ["plue", "Plue.dev", "plue..dev", "-plue.dev", "https://plue.dev", ""],
  },
  { key: "alertmanagerReplicas", good: [1, 2, 5], bad: [0, 1.5, 6] },
  { key: "alertmanagerSlackChannel", good: ["#alerts", "#plue-oncall"], bad: ["alerts", "#with space"] },
  { key: "scrapeInterval", good: ["15s", "1m"], bad: ["15"] },
  {
    key: "remoteWrite",
    good: [[], [{ url: "https://mimir.plue.dev/api/v1/push", name: "mimir" }]],
    bad: [[{ url: "http://x.dev" }], [{ uri: "https://x.dev" }], "https://x.dev"],
  },
  { key: "extraProbeUrls", good: [["https://api.plue.dev/health"]], bad: [["api.plue.dev"]] },
  {
    key: "postgresExporterDsn",
    good: ["", "postgresql://exporter:pw@db.plue:5432/postgres?sslmode=require"],
    bad: ["mysql://x"],
  },
  { key: "ingressAuth", good: ["basic"], bad: ["none", "oauth"] },
  { key: "oauth2ProxyUrl", good: ["", "https://oauth2.plue.dev"], bad: ["oauth2.plue.dev"] },
  { key: "storageClassName", good: ["", "fast-ssd"], bad: ["Fast SSD"] },
  { key: "cluster", good: ["plue-production", "eu_1"], bad: ["", "has space"] },
  {
    key: "runbookBaseUrl",
    good: ["https://github.com/plue/plue-monitoring/blob/main/docs/runbooks"],
    bad: ["docs/runbooks"],
  },
];

describe("config validation", () => {
  for (const { key, good, bad } of cases) {
    it.each(good.map((value) => [JSON.stringify(value), value]))(`${key} accepts %s`, (_, value) => {
      expect(problemsFor({ [key]: value })).toEqual([]);
    });
    it.each(bad.map((value) => [JSON.stringify(value), value]))(`${key} rejects %s`, (_, value) => {
      expect(
        problemsFor({ [key]: value }).some((problem) => problem === key || problem.startsWith(`${key}.`)),
      ).toBe(true);
    });
  }

  it("accepts pinned images and rejects latest or untagged ones", () => {
    expect(problemsFor({ images: { grafana: "docker.io/grafana/grafana:12.1.1" } })).toEqual([]);
    expect(problemsFor({ images: { grafana: `grafana/grafana@sha256:${"a".repeat(64)}` } })).toEqual([]);
    expect(problemsFor({ images: { grafana: "grafana/grafana:latest" } })).toEqual(["images.grafana"]);
    expect(problemsFor({ images: { prometheus: "quay.io/prometheus/prometheus" } })).toEqual([
      "images.prometheus",
    ]);
  });

  it("requires each warning threshold below its critical twin", () => {
    expect(problemsFor({ alertCpuThreshold: 95 })).toEqual(["alertCpuThreshold"]);
    expect(problemsFor({ alertErrorRateThreshold: 5, alertErrorRateCriticalThreshold: 5 })).toEqual([
      "alertErrorRateThreshold",
    ]);
    expect(problemsFor({ alertMemoryThreshold: 96, alertMemoryCriticalThreshold: 99 })).toEqual([]);
  });

  it("requires oauth2ProxyUrl when Grafana sits behind oauth2-proxy", () => {
    expect(problemsFor({ ingressAuth: "oauth2-proxy" })).toEqual(["oauth2ProxyUrl"]);
    expect(problemsFor({ ingressAuth: "oauth2-proxy", oauth2ProxyUrl: "https://oauth2.plue.dev" })).toEqual(
      [],
    );
  });

  it("applies the seed's defaults", () => {
    const config = testConfig();
    expect(config).toMatchObject({
      prometheusRetention: "30d",
      prometheusStorageSize: "50Gi",
      alertmanagerSlackWebhook: "",
      alertmanagerPagerdutyKey: "",
      alertCpuThreshold: 80,
      alertMemoryThreshold: 80,
      alertErrorRateThreshold: 1,
      grafanaStorageSize: "10Gi",
      appNamespace: "plue",
      alertmanagerReplicas: 2,
    });
  });
});

describe("Prometheus durations", () => {
  it("converts both ways", () => {
    expect(durationMs("2w3d")).toBe(17 * 24 * 3600_000);
    expect(durationMs("1h30m")).toBe(90 * 60_000);
    expect(formatDuration(durationMs("1h30m"))).toBe("1h30m");
    expect(formatDuration(10_000)).toBe("10s");
    expect(formatDuration(1500)).toBe("1s500ms");
    expect(() => durationMs("5 minutes")).toThrow(/not a Prometheus duration/);
  });
});
