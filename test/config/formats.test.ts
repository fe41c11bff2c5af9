// Each validation rule with good and bad values, through the same resolver the CLI uses.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { durationMs, formatDuration } from "../../src/config/formats.ts";
import { fileLayer, resolveConfig, setLayer } from "../../src/config/resolve.ts";
import type { UserConfig } from "../../src/config/schema.ts";
import { requiredValues, testConfig } from "../helpers/config.ts";

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
    good: ["30d", "1d", "1y", "2w3d", "36h", "1d12h", "100y"],
    bad: ["30x", "", "d30", "30", "3d2w", "0d", "30 d", "12h", "1ms", "101y", "99999999999999999999y"],
  },
  {
    key: "prometheusStorageSize",
    good: ["50Gi", "1Gi", "1Ti", "100G", "1.5Gi", "2e9", "1Pi"],
    bad: ["50GB", "fifty", "", "-5Gi", "0Gi", "50 Gi", "500Mi", "1n", "2Pi", "1e400", "0x10Gi"],
  },
  { key: "grafanaStorageSize", good: ["10Gi", "100Mi"], bad: ["10gb", "1n", "99Mi"] },
  { key: "alertmanagerStorageSize", good: ["1Gi", "10Mi"], bad: ["1Mi", "1m"] },
  { key: "alertCpuThreshold", good: [0.5, 80, 94], bad: [0, -1, 120, "eighty", Number.NaN] },
  { key: "alertMemoryThreshold", good: [1, 90], bad: [0, 101] },
  { key: "alertErrorRateThreshold", good: [0.1, 1, 4.9], bad: [0, 200] },
  { key: "alertCpuCriticalThreshold", good: [100, 96], bad: [100.5] },
  {
    key: "alertmanagerSlackWebhook",
    good: ["", "https://hooks.slack.com/services/T0/B0/XYZ"],
    bad: [
      "http://hooks.slack.com/services/T0/B0/XYZ",
      "hooks.slack.com/x",
      "https://",
      "https://hooks.slack.com/services/T0/B0/XYZ\r\n",
      "https://hooks.slack.com/services/T0/\tB0",
      "https://hooks.slack.com/ services",
      "https:hooks.slack.com/services",
      "https://user:pw@hooks.slack.com/services",
      "https://hooks.slack.com:99999/x",
      "https://hooks.slack.com:0/x",
      `https://hooks.slack.com/${"x".repeat(2100)}`,
    ],
  },
  { key: "alertmanagerDefaultWebhookUrl", good: ["", "https://alerts.plue.dev/hook"], bad: ["ftp://x.dev/"] },
  {
    key: "alertmanagerHeartbeatUrl",
    good: ["", "https://hc-ping.com/uuid", "https://hc.example/%7Bid%7D?a=b&c=d#f"],
    bad: [
      "not a url",
      "https:a.example",
      "https://hc.example/{id}",
      "https://hc.example/%zz",
      'https://a"b.example',
    ],
  },
  {
    key: "alertmanagerPagerdutyKey",
    good: ["", "0123456789abcdef0123456789ABCDEF"],
    bad: ["short", "0123456789abcdef0123456789ABCDE!"],
  },
  {
    key: "namespace",
    good: ["monitoring", "m", "obs-1"],
    bad: [
      "Monitoring",
      "-monitoring",
      "monitoring-",
      "mon_itoring",
      "a".repeat(64),
      "a.b",
      // Namespaces that are not the stack's own to lock down and delete.
      "plue",
      "ingress-nginx",
      "kube-system",
      "kube-public",
      "kube-node-lease",
      "default",
    ],
  },
  { key: "appNamespace", good: ["plue", "default"], bad: ["Plue", "kube-system", "kube-public"] },
  {
    key: "domain",
    good: ["plue.dev", "monitoring.example.com", "a-b.c-d.io"],
    bad: [
      "plue",
      "Plue.dev",
      "plue..dev",
      "-plue.dev",
      "https://plue.dev",
      "",
      `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.dev`,
    ],
  },
  { key: "prometheusReplicas", good: [1, 2, 5], bad: [0, 1.5, 6] },
  { key: "alertmanagerReplicas", good: [1, 2, 5], bad: [0, 1.5, 6] },
  { key: "alertmanagerSlackChannel", good: ["#alerts", "#plue-oncall"], bad: ["alerts", "#with space"] },
  { key: "scrapeInterval", good: ["15s", "1m", "1s", "2m"], bad: ["15", "10m", "2m1s", "500ms", "1y"] },
  { key: "evaluationInterval", good: ["15s", "2m"], bad: ["99999999999999999999y", "3m", "0s"] },
  {
    key: "remoteWrite",
    good: [[], [{ url: "https://mimir.plue.dev/api/v1/push", name: "mimir" }]],
    bad: [[{ url: "http://x.dev" }], [{ uri: "https://x.dev" }], "https://x.dev"],
  },
  {
    key: "extraProbeUrls",
    good: [["https://api.plue.dev/health"], Array.from({ length: 100 }, (_, i) => `https://a${i}.plue.dev`)],
    bad: [
      ["api.plue.dev"],
      ["https://api.plue.dev/health\n"],
      Array.from({ length: 101 }, (_, i) => `https://a${i}.plue.dev`),
    ],
  },
  {
    key: "postgresExporterDsn",
    good: ["", "postgresql://exporter:pw@db.plue:5432/postgres?sslmode=require"],
    bad: [
      "mysql://x",
      "postgresql://u:p@db:5432/x\n",
      "postgresql:///nohost",
      `postgresql://h/${"x".repeat(2100)}`,
    ],
  },
  {
    key: "grafanaAdminPassword",
    good: ["pw", "a b c", "ünïcödé-passwörd"],
    bad: ["", "  ", "line\nbreak", "tab\there", "x".repeat(257)],
  },
  { key: "ingressAuth", good: ["basic"], bad: ["none", "oauth"] },
  {
    key: "oauth2ProxyUrl",
    good: ["", "https://oauth2.plue.dev", "https://auth.plue.dev:8443/proxy/"],
    bad: [
      "oauth2.plue.dev",
      'https://o.plue.dev/"; evil',
      "https://o.plue.dev/x;more_set_headers",
      "https://o.plue.dev/?rd=x",
      "https://o.plue.dev/$host",
      "https://o.plue.dev/'x'",
    ],
  },
  {
    key: "storageClassName",
    good: ["", "fast-ssd", "ebs.csi.aws.com"],
    bad: ["Fast SSD", "a..b", ".a", "a."],
  },
  { key: "certManagerClusterIssuer", good: ["", "letsencrypt-prod"], bad: ["a..b", "Lets"] },
  {
    key: "cluster",
    good: ["plue-production", "eu_1", "a".repeat(63)],
    bad: ["", "has space", "a".repeat(64), "-x"],
  },
  {
    key: "runbookBaseUrl",
    good: ["https://github.com/plue/plue-monitoring/blob/main/docs/runbooks"],
    bad: [
      "docs/runbooks",
      "https://r.example/{{",
      "https://r.example/{{ .Labels.x }}",
      "https://r.example/$x",
      "https://r.example/runbooks?page=",
      "https://r.example/runbooks#",
    ],
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
    expect(problemsFor({ images: { grafana: "registry.example.com:5000/a/b-c__d:1.0" } })).toEqual([]);
    for (const malformed of [
      "-grafana:1.0",
      "../../grafana:1.0",
      "grafana:1.0:2.0",
      "Grafana:1.0",
      "a//b:1",
    ]) {
      expect(problemsFor({ images: { grafana: malformed } }), malformed).toEqual(["images.grafana"]);
    }
  });

  it("requires each warning threshold below its critical twin", () => {
    expect(problemsFor({ alertCpuThreshold: 95 })).toEqual(["alertCpuThreshold"]);
    expect(problemsFor({ alertErrorRateThreshold: 5, alertErrorRateCriticalThreshold: 5 })).toEqual([
      "alertErrorRateThreshold",
    ]);
    expect(problemsFor({ alertMemoryThreshold: 96, alertMemoryCriticalThreshold: 99 })).toEqual([]);
  });

  it("gives the stack a namespace of its own, whichever key names the other one", () => {
    expect(problemsFor({ appNamespace: "monitoring" })).toEqual(["namespace"]);
    expect(problemsFor({ ingressControllerNamespace: "monitoring" })).toEqual(["namespace"]);
    expect(problemsFor({ namespace: "obs", appNamespace: "monitoring" })).toEqual([]);
  });

  it("reads numbers from text as decimals only", () => {
    const fromSet = (value: string) => {
      try {
        resolveConfig([fileLayer(requiredValues, "test"), setLayer([`alertCpuThreshold=${value}`])]);
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((problem) => `${problem.key} = ${problem.shown}`);
      }
    };
    expect(fromSet("70")).toEqual([]);
    expect(fromSet("7e1")).toEqual([]);
    expect(fromSet("0x10")).toEqual(['alertCpuThreshold = "0x10"']);
    expect(fromSet(" ")).toEqual(['alertCpuThreshold = " "']);
    expect(fromSet("0b101")).toEqual(['alertCpuThreshold = "0b101"']);
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
