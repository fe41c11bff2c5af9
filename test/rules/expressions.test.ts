// Every rule expression parses with the Prometheus grammar (lezer-promql) and reads only metrics the
// catalog lists — from the job that provides them — or series our recording rules write.
import { describe, expect, it } from "vitest";
import { catalog, expressionProblems, readsOf } from "../../src/catalog/index.ts";
import { PLUE_SERVICES } from "../../src/catalog/plue-services.ts";
import { alertGroups, ruleFiles } from "../../src/rules/index.ts";
import { scaledTiming } from "../../src/rules/timing.ts";
import { isAlertRule, type RuleFile } from "../../src/rules/types.ts";
import { testConfig } from "../helpers/config.ts";

const config = testConfig();

/** Each rule's problems, as "<alert or record>: <problem>". */
function problemsOf(files: readonly RuleFile[]): string[] {
  const rules = files.flatMap((file) => file.groups.flatMap((group) => group.rules));
  const recorded = rules.flatMap((rule) => ("record" in rule ? [rule.record] : []));
  return rules.flatMap((rule) =>
    expressionProblems(rule.expr, catalog, { recorded, plueJobs: PLUE_SERVICES }).map(
      (problem) => `${isAlertRule(rule) ? rule.alert : rule.record}: ${problem}`,
    ),
  );
}

describe("rule expressions", () => {
  it.each([
    ["in a cluster", ruleFiles(config)],
    ["on the local stack (time scale 60)", ruleFiles(config, scaledTiming(60, config.scrapeInterval))],
  ])("%s: parse, and read only catalog metrics from the jobs that provide them", (_, files) => {
    expect(problemsOf(files)).toEqual([]);
  });

  it("every alert reads at least one metric", () => {
    for (const build of alertGroups) {
      for (const rule of build(config, scaledTiming(1, "30s")).rules.filter(isAlertRule)) {
        if (rule.alert === "Watchdog") continue;
        expect(readsOf(rule.expr).selectors.length, rule.alert).toBeGreaterThan(0);
      }
    }
  });

  it("no alert reads raw histogram buckets: one per bucket and pod, they are summed once, by recording rules", () => {
    const bucketReaders = ruleFiles(config)
      .flatMap((file) => file.groups.flatMap((group) => group.rules))
      .filter(isAlertRule)
      .flatMap((rule) =>
        readsOf(rule.expr)
          .selectors.filter(
            (selector) => selector.metric?.endsWith("_bucket") && !selector.metric.includes(":"),
          )
          .map((selector) => `${rule.alert}: ${selector.text}`),
      );
    expect(bucketReaders).toEqual([]);
  });
});

describe("the check catches what it should", () => {
  // A real group with one rule changed, checked the same way as the real files.
  function withChangedExpr(alert: string, change: (expr: string) => string): RuleFile[] {
    return ruleFiles(config).map((file) => ({
      ...file,
      groups: file.groups.map((group) => ({
        ...group,
        rules: group.rules.map((rule) =>
          isAlertRule(rule) && rule.alert === alert ? { ...rule, expr: change(rule.expr) } : rule,
        ),
      })),
    }));
  }

  it("a rule reading a metric no exporter provides", () => {
    const files = withChangedExpr("DatabaseConnectionFailure", (expr) =>
      expr.replaceAll("db_client_connection_timeouts_total", "db_pool_timeouts_total"),
    );
    expect(problemsOf(files)).toContain(
      "DatabaseConnectionFailure: db_pool_timeouts_total: not in the metric catalog",
    );
  });

  it("a rule reading a metric from a job that does not provide it", () => {
    const files = withChangedExpr("NodeNotReady", (expr) =>
      expr.replaceAll('job="kube-state-metrics"', 'job="node-exporter"'),
    );
    expect(problemsOf(files)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^NodeNotReady: .*job "node-exporter" does not provide kube_node_status_condition$/,
        ),
      ]),
    );
  });

  it("a syntax error", () => {
    const files = withChangedExpr("NodeNotReady", (expr) =>
      expr.replace("max by (node) (", "max by (node) (("),
    );
    expect(problemsOf(files).some((problem) => problem.startsWith("NodeNotReady: syntax error"))).toBe(true);
  });

  it("a selector without a metric name", () => {
    expect(expressionProblems('{job="api"} == 0', catalog, { plueJobs: PLUE_SERVICES })).toEqual([
      '{job="api"}: selects no metric by name',
    ]);
  });

  it("histogram series by their base name, and recorded series by name", () => {
    const options = { plueJobs: PLUE_SERVICES, recorded: ["namespace_service:up:sum"] };
    expect(
      expressionProblems(
        'rate(http_server_request_duration_seconds_bucket{job="api"}[5m]) + namespace_service:up:sum',
        catalog,
        options,
      ),
    ).toEqual([]);
    expect(expressionProblems("kube_pod_status_phase_bucket", catalog, options)).toEqual([
      "kube_pod_status_phase_bucket: not in the metric catalog",
    ]);
  });
});
