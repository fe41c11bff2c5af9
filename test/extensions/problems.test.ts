// A team's extensions get every check the built-ins get, at config time: exit 2 naming the key, the
// alert, rule or panel, and what is accepted; every problem at once.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { UserConfig } from "../../src/config/schema.ts";
import { networkPolicies, scrapedNamespacePolicies } from "../../src/kubernetes/network-policies.ts";
import { configProblems as problemsOf, testConfig } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const worker = {
  metrics: [
    { name: "worker_queue_depth", type: "gauge", labels: ["queue"], jobs: ["worker"], help: "Jobs waiting" },
    {
      name: "worker_jobs_processed_total",
      type: "counter",
      labels: ["queue", "outcome"],
      jobs: ["worker"],
      help: "Jobs finished",
    },
  ],
  scrapeJobs: [{ name: "worker", namespace: "plue", service: "worker", port: 9464 }],
} satisfies UserConfig;

const alert = (name: string, expr: string) => ({
  name,
  expr,
  severity: "warning" as const,
  summary: "s",
  description: "d",
  runbookUrl: "https://wiki.plue.dev/runbooks/x",
});

describe("accepted", () => {
  it("a team's metrics, job, alert and rule that read what is declared and scraped", () => {
    expect(
      problemsOf({
        ...worker,
        alerts: [alert("WorkerQueueBacklog", 'max by (queue) (worker_queue_depth{job="worker"}) > 1000')],
        recordingRules: [
          {
            record: "queue:worker_jobs_processed_total:sum_rate5m",
            expr: "sum by (queue) (rate(worker_jobs_processed_total[5m]))",
          },
        ],
      }),
    ).toEqual([]);
  });

  it("an alert on a built-in metric, and one reading a recorded series", () => {
    expect(
      problemsOf({
        alerts: [
          alert("ApiNoTraffic", 'sum(rate(http_server_request_duration_seconds_count{job="api"}[10m])) == 0'),
          alert("ApiErrorsHigh", "namespace_service:http_server_requests_5xx:ratio_rate5m > 0.5"),
        ],
      }),
    ).toEqual([]);
  });
});

describe("a team's job exporting one of our metrics", () => {
  it("is declared with the same type, and its metric is then read from that job too", () => {
    expect(
      problemsOf({
        ...worker,
        metrics: [
          ...worker.metrics,
          { name: "http_server_request_duration_seconds", type: "histogram", jobs: ["worker"], help: "h" },
        ],
        alerts: [
          alert("WorkerSlow", 'sum(rate(http_server_request_duration_seconds_count{job="worker"}[5m])) > 1'),
        ],
      }),
    ).toEqual([]);
  });
});

describe("refused", () => {
  it("an alert reading an undeclared metric: named, with did you mean", () => {
    expect(problemsOf({ ...worker, alerts: [alert("Backlog", "worker_queue_dept > 10")] })).toEqual([
      "alerts.0.expr: alert Backlog reads worker_queue_dept, which is in no exporter's catalog and no rule records it; did you mean worker_queue_depth?; a team's own metric is declared under metrics",
    ]);
  });

  it("an expression that does not parse, or that Prometheus would not load, naming the alert", () => {
    const problems = problemsOf({
      ...worker,
      alerts: [
        alert("Broken", "max by (queue) (worker_queue_depth > 10"),
        alert("NotARange", "rate(worker_jobs_processed_total) > 0"),
        alert("ARangeVector", "worker_queue_depth[5m]"),
        alert("BadRegex", 'worker_queue_depth{queue=~"(?!x)"} > 1'),
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^alerts\.0\.expr: alert Broken does not parse: syntax error/),
      expect.stringMatching(
        /^alerts\.1\.expr: alert NotARange does not parse: expected type matrix in call to function "rate"/,
      ),
      "alerts.2.expr: alert ARangeVector does not parse: evaluates to a range vector; expected an instant vector or a scalar",
      expect.stringMatching(/^alerts\.3\.expr: alert BadRegex does not parse: .*lookaround/),
    ]);
  });

  it("a metric from a job nobody scrapes, and a declared job that is not scraped", () => {
    expect(
      problemsOf({
        metrics: [{ name: "jobs_total", type: "counter", jobs: ["wroker"], help: "h" }],
        scrapeJobs: worker.scrapeJobs,
        alerts: [alert("PgDown", "pg_up == 0")],
      }),
    ).toEqual([
      expect.stringMatching(/^metrics\.0\.jobs\.0: is no job prometheus\.yml scrapes; did you mean worker\?/),
      "alerts.0.expr: alert PgDown reads pg_up, which only postgres-exporter provides, and prometheus.yml scrapes none of them under this config",
    ]);
  });

  it("a job matcher selecting a job that does not provide the metric", () => {
    expect(problemsOf({ ...worker, alerts: [alert("Wrong", 'worker_queue_depth{job="api"} > 1')] })).toEqual([
      'alerts.0.expr: alert Wrong: worker_queue_depth{job="api"} selects job "api", which does not provide worker_queue_depth (worker do)',
    ]);
  });

  it("names that shadow the built-ins", () => {
    expect(
      problemsOf({
        metrics: [{ name: "up", type: "summary", jobs: ["api"], help: "h" }],
        scrapeJobs: [{ name: "api", namespace: "plue", service: "api2", port: 4001 }],
        alerts: [alert("TargetDown", "up == 0")],
        recordingRules: [{ record: "namespace_service:up:sum", expr: "sum by (namespace, service) (up)" }],
      }),
    ).toEqual([
      "metrics.0.name: is a gauge in the built-in catalog; declare it as a gauge to add jobs that export it too",
      expect.stringMatching(/^scrapeJobs\.0\.name: is the name of a built-in job; choose another/),
      "alerts.0.name: is a built-in alert's name; choose another",
      "recordingRules.0.record: is a series the stack records or scrapes already; choose another name",
    ]);
  });

  it("a scrape job in the stack's namespace or a system namespace, or of a Service scraped already", () => {
    expect(
      problemsOf({
        scrapeJobs: [
          { name: "a", namespace: "monitoring", service: "a", port: 1 },
          { name: "b", namespace: "kube-system", service: "b", port: 2 },
          { name: "c", namespace: "plue", service: "api", port: 4000 },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^scrapeJobs\.0\.namespace: is the stack's own namespace/),
      expect.stringMatching(/^scrapeJobs\.1\.namespace: is a system namespace/),
      "scrapeJobs.2.service: on port 4000 is scraped already, by job api",
    ]);
  });

  it("annotations whose templates could fail to expand", () => {
    expect(
      problemsOf({
        ...worker,
        alerts: [
          {
            ...alert("T", "worker_queue_depth > 1"),
            summary: "{{ $labels.queue ",
            description: "{{ .Foo }}",
          },
        ],
      }),
    ).toEqual([
      expect.stringMatching(
        /^alerts\.0\.summary: not accepted; expected a summary whose template actions .* found an unmatched/,
      ),
      expect.stringMatching(/^alerts\.0\.description: not accepted; .* found \{\{ \.Foo \}\}/),
    ]);
  });

  it("a dashboard panel reading an undeclared metric, and uids or titles taken", () => {
    const panel = (expr: string) => ({ type: "timeseries", title: "Depth", targets: [{ refId: "A", expr }] });
    expect(
      problemsOf({
        ...worker,
        dashboards: [
          { title: "Worker", uid: "plue-api-performance", panels: [panel("max(worker_queue_depth)")] },
          { title: "Worker", panels: [panel("max(worker_queue_deep)")] },
        ],
      }),
    ).toEqual([
      "dashboards.0.uid: is another dashboard's uid; each dashboard needs its own",
      "dashboards.1.title: is another dashboard's title; Grafana needs titles unique in a folder",
      expect.stringMatching(
        /^dashboards\.1: dashboard "Worker", panel "Depth" reads worker_queue_deep, .*did you mean worker_queue_depth\?/,
      ),
    ]);
  });

  it("a ratio SLO whose selectors are not one counter selector each", () => {
    expect(
      problemsOf({
        ...worker,
        slos: [
          {
            service: "worker",
            objective: 99,
            indicator: {
              kind: "ratio",
              errors: "sum(worker_jobs_processed_total)",
              total: "worker_queue_depth",
            },
          },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^slos\.0\.indicator\.errors: a single vector selector of a counter/),
      expect.stringMatching(/^slos\.0\.indicator\.total: reads worker_queue_depth, a gauge/),
    ]);
  });
});

interface NetworkPolicyJson {
  metadata: { name: string; namespace: string };
  spec: { egress?: unknown[]; ingress?: { ports?: unknown[] }[] };
}

describe("a scrape job in a namespace of its own", () => {
  const config = testConfig({
    ...worker,
    scrapeJobs: [
      { name: "worker", namespace: "jobs", service: "worker", port: 9464, path: "/internal/metrics" },
    ],
  });

  it("gets Prometheus' egress to that namespace on its port, and a policy for that namespace's owners", () => {
    const prometheus = networkPolicies(config)
      .map((policy) => policy.toJSON() as NetworkPolicyJson)
      .find((policy) => policy.metadata.name === "prometheus");
    expect(prometheus?.spec.egress).toEqual(
      expect.arrayContaining([
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "jobs" } } }],
          ports: [{ protocol: "TCP", port: 9464 }],
        },
      ]),
    );
    const policy = scrapedNamespacePolicies(config).get("jobs")?.toJSON() as NetworkPolicyJson | undefined;
    expect(policy?.metadata.namespace).toBe("jobs");
    expect(policy?.spec.ingress?.[0]?.ports).toEqual([{ protocol: "TCP", port: 9464 }]);
  });
});

describe("plue-monitoring synth", () => {
  it("exits 2 naming the metric and the alert, and writes nothing", async () => {
    const dir = tempDir();
    try {
      const out = join(dir.path, "out");
      const result = await runCommand(
        process.execPath,
        [
          join(process.cwd(), "bin/plue-monitoring.mjs"),
          "synth",
          "--set",
          "namespace=monitoring",
          "--set",
          "domain=plue.dev",
          "--set",
          "grafanaAdminPassword=pw-1234",
          "--set",
          `alerts=${JSON.stringify([alert("ApiSlow", "http_server_request_duration_second_count > 1")])}`,
          "--out",
          out,
        ],
        { cwd: dir.path },
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        "alerts.0.expr (from --set): alert ApiSlow reads http_server_request_duration_second_count, which is in no exporter's catalog and no rule records it; did you mean http_server_request_duration_seconds_count?",
      );
      const listing = await runCommand("ls", [dir.path]);
      expect(listing.stdout.trim()).toBe("");
    } finally {
      dir.cleanup();
    }
  });
});
