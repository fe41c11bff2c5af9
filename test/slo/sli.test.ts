// The SLO rules on the real promtool: a latency SLI counted from the histogram's bucket at the
// threshold, whichever text the bound is stored under (Prometheus 2 keeps le="1" as exposed, 3 stores
// le="1.0"), and a ratio SLO over a team's own counters, recorded and alerted on with the team job's
// labels. Every expected value is worked out by hand from the inputs.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { UserConfig } from "../../src/config/schema.ts";
import { toYaml } from "../../src/render.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { testConfig } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import { counter, RUNBOOKS, span } from "../rules/promtool.ts";

/** Writes the config's slo.yaml and a test file of `tests` beside it; promtool's output and code. */
async function promtool(overrides: UserConfig, tests: unknown[]) {
  const config = testConfig(overrides);
  const file = ruleFiles(config).find((candidate) => candidate.name === "slo.yaml");
  if (!file) throw new Error("no slo.yaml");
  writeFileSync(join(dir.path, "slo.yaml"), toYaml({ groups: file.groups }));
  writeFileSync(
    join(dir.path, "slo.test.yaml"),
    toYaml({ rule_files: ["slo.yaml"], evaluation_interval: config.evaluationInterval, tests }),
  );
  const result = await runCommand("promtool", ["test", "rules", "slo.test.yaml"], { cwd: dir.path });
  return { code: result.code, output: result.stdout + result.stderr };
}

const dir = tempDir("plue-slo-sli-");
afterAll(() => dir.cleanup());

const apiTarget = {
  job: "api",
  instance: "10.244.1.20:4000",
  namespace: "plue",
  service: "api",
  pod: "api-7d9f8c6b5-x2x9k",
};
const labels = (values: Record<string, string>) =>
  `{${Object.entries(values)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(", ")}}`;

/**
 * The api's request histogram over 20 minutes at 10 requests/s: 90% within 250ms, 97% within 1s,
 * all within 2.5s. `le` holds each bound as `text` writes it.
 */
function histogram(text: (bound: string) => string) {
  const route = { http_request_method: "GET", http_route: "/api/repos", http_response_status_code: "200" };
  const buckets: [string, number][] = [
    ["0.25", 9],
    ["1", 9.7],
    ["2.5", 10],
    ["+Inf", 10],
  ];
  return [
    ...buckets.map(([bound, perSecond]) => ({
      series: `http_server_request_duration_seconds_bucket${labels({ ...apiTarget, ...route, le: text(bound) })}`,
      values: counter(perSecond * 30, span(20)),
    })),
    {
      series: `http_server_request_duration_seconds_count${labels({ ...apiTarget, ...route })}`,
      values: counter(300, span(20)),
    },
  ];
}

/** Prometheus 3's text of a bound: ".0" on a whole number. */
const prometheus3 = (bound: string) => (/^\d+$/.test(bound) ? `${bound}.0` : bound);

const latencySlos: UserConfig = {
  slos: [
    { service: "api", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
    { service: "api", name: "fast", objective: 95, indicator: { kind: "latency", threshold: "250ms" } },
  ],
};

/** The failed share over 5 minutes, in thousandths. */
const slowShare = (slo: string, thousandths: number) => ({
  expr: `round(1000 * slo:sli_error:ratio_rate5m{service="api", slo="${slo}"})`,
  eval_time: "15m",
  exp_samples: [{ labels: labels({ namespace: "plue", service: "api", slo }), value: thousandths }],
});

describe("a latency SLO", () => {
  it.each([
    ["as Plue's services expose them (Prometheus 2)", (bound: string) => bound],
    ["as Prometheus 3 stores them", prometheus3],
  ])("counts the requests slower than its threshold, with bounds %s", async (_, text) => {
    const result = await promtool(latencySlos, [
      {
        interval: "30s",
        input_series: histogram(text),
        promql_expr_test: [
          // 1s: 3% of requests slower; 250ms: 10%.
          slowShare("latency", 30),
          slowShare("fast", 100),
          {
            expr: 'round(1000 * slo:sli_error:ratio_rate1h{service="api", slo="latency"})',
            eval_time: "15m",
            exp_samples: [
              { labels: labels({ namespace: "plue", service: "api", slo: "latency" }), value: 30 },
            ],
          },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
  });

  it("reads nothing as fast when the bound is missing, so a wrong threshold cannot pass for a good one", async () => {
    // The bucket at 1s exposed as "1.00", neither text: no fast requests found, so no ratio at all
    // rather than "all slow"; the config refuses thresholds that are no bound (test/slo/list.test.ts).
    const result = await promtool(latencySlos, [
      {
        interval: "30s",
        input_series: histogram((bound) => (bound === "1" ? "1.00" : bound)),
        promql_expr_test: [
          slowShare("fast", 100),
          { expr: 'slo:sli_error:ratio_rate5m{slo="latency"}', eval_time: "15m", exp_samples: [] },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
  });
});

describe("a ratio SLO on a team's counters", () => {
  const worker: UserConfig = {
    metrics: [
      {
        name: "worker_jobs_total",
        type: "counter",
        labels: ["outcome"],
        jobs: ["worker"],
        help: "Jobs finished, by outcome",
      },
    ],
    scrapeJobs: [{ name: "worker", namespace: "jobs", service: "worker", port: 9464 }],
    slos: [
      {
        service: "worker",
        name: "jobs",
        objective: 99,
        indicator: {
          kind: "ratio",
          errors: 'worker_jobs_total{job="worker", outcome="failed"}',
          total: 'worker_jobs_total{job="worker"}',
        },
      },
    ],
  };
  const target = {
    job: "worker",
    instance: "10.244.2.7:9464",
    namespace: "jobs",
    service: "worker",
    pod: "worker-0",
  };
  const sloLabels = { namespace: "jobs", service: "worker", slo: "jobs" };
  /** `expr` at 40m; a bare selector's sample keeps its name. */
  const at = (expr: string, value: number) => {
    const name = /^([\w:]+)\{/.exec(expr)?.[1];
    return {
      expr,
      eval_time: "40m",
      exp_samples: [{ labels: labels(name ? { __name__: name, ...sloLabels } : sloLabels), value }],
    };
  };

  it("records the failed share, the objective and the budget with the team job's namespace, and pages on a 10× burn", async () => {
    // 1 of 10 jobs a second fails: 10% against a 1% budget, a burn of 10: under 14.4 over 1h, over 6
    // over 6h and 30m, so the critical rule fires (its `for` is 2 minutes). The 30-day window holds
    // 10% too: 1 - 0.1 / 0.01 = -9 of the budget left, and 0 seconds to exhaustion.
    const result = await promtool(worker, [
      {
        interval: "30s",
        input_series: [
          {
            series: `worker_jobs_total${labels({ ...target, outcome: "succeeded" })}`,
            values: counter(270, span(45)),
          },
          {
            series: `worker_jobs_total${labels({ ...target, outcome: "failed" })}`,
            values: counter(30, span(45)),
          },
        ],
        promql_expr_test: [
          at('round(1000 * slo:sli_error:ratio_rate5m{slo="jobs"})', 100),
          at('round(1000 * slo:sli_error:ratio_rate6h{slo="jobs"})', 100),
          at('slo:objective:ratio{slo="jobs"}', 0.99),
          at('slo:error_budget:ratio{slo="jobs"}', 0.01),
          at('round(slo:error_budget_remaining:ratio{slo="jobs"})', -9),
          at('slo:error_budget_exhaustion:seconds{slo="jobs"}', 0),
          at('slo:window:seconds{slo="jobs"}', 2592000),
        ],
        alert_rule_test: [
          { eval_time: "1m", alertname: "ErrorBudgetBurn", exp_alerts: [] },
          {
            eval_time: "40m",
            alertname: "ErrorBudgetBurn",
            exp_alerts: [
              {
                exp_labels: { ...sloLabels, severity: "critical" },
                exp_annotations: {
                  summary: "worker burns its jobs error budget at 10× the sustainable rate",
                  description:
                    "The jobs SLO of worker (99% of worker's events good over 30d) is spending its error budget 10 times as fast as the window allows: above 14.4× over both the last 1h and 5m, or above 6× over both the last 6h and 30m, with at least 10 failed events in the long window. At 14.4× the whole budget lasts 2.1 days.",
                  runbook_url: `${RUNBOOKS}/ErrorBudgetBurn.md`,
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
  });
});
