// Every query the dashboards send: it parses (lezer-promql and Prometheus 2.42 itself), reads only
// catalog metrics, our recorded series or ALERTS, and returns data when fed exporter-shaped series.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { catalog, expressionProblems } from "../../src/catalog/index.ts";
import { PLUE_SERVICES } from "../../src/catalog/plue-services.ts";
import { dashboards, panelQueries, queriesOfDashboard } from "../../src/dashboards/index.ts";
import { substituteVariables } from "../../src/dashboards/queries.ts";
import { toYaml } from "../../src/render.ts";
import { recorded, recordingRules } from "../../src/rules/recording.ts";
import { realTime } from "../../src/rules/timing.ts";
import { sloRecordedNames, sloRuleGroups } from "../../src/slo/index.ts";
import { testConfig } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import {
  API_1,
  clusterSeries,
  crowdSeries,
  directSeries,
  httpSeries,
  resourceSeries,
  restarts,
  WEB_1,
} from "./exporter-series.ts";

// With a postgres-exporter DSN the overview has its PostgreSQL panel too: every panel is present.
const config = testConfig({
  postgresExporterDsn: "postgresql://exporter@db.plue.svc:5432/plue?sslmode=require",
});
const queries = panelQueries(config);
/** Series a panel may read besides the catalog's: our recording rules' and Prometheus' own ALERTS. */
const readable = [...Object.values(recorded), ...sloRecordedNames, "ALERTS"];
const problemsOf = (expr: string) =>
  expressionProblems(expr, catalog, { recorded: readable, plueJobs: PLUE_SERVICES });

describe("dashboard queries", () => {
  it("cover every panel target and variable of the four dashboards", () => {
    const bySource = new Set(queries.map((query) => `${query.dashboardUid}/${query.source}`));
    for (const dashboard of dashboards(config)) {
      const panels = (dashboard.json.panels as { type: string; title: string }[]).filter(
        (p) => p.type !== "row",
      );
      for (const panel of panels) expect(bySource).toContain(`${dashboard.uid}/${panel.title}`);
    }
    expect(queries.filter((query) => query.source.startsWith("variable ")).length).toBe(7);
  });

  it.each(queries.map((query) => [`${query.dashboardTitle} / ${query.source} ${query.refId}`, query]))(
    "%s parses and reads only catalog metrics, recorded series or ALERTS",
    (_name, query) => {
      expect(problemsOf(query.expr)).toEqual([]);
    },
  );

  it("an unknown metric, a wrong job or a syntax error is reported", () => {
    const json = structuredClone(dashboards(config)[2]?.json) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const targets = json.panels.flatMap((panel) => panel.targets ?? []);
    (targets[0] as { expr: string }).expr =
      'sum(rate(plue_made_up_requests_total{namespace="$namespace"}[5m]))';
    (targets[1] as { expr: string }).expr = 'node_memory_MemAvailable_bytes{job="kube-state-metrics"}';
    (targets[2] as { expr: string }).expr = `sum(rate(${recorded.requestRate}[5m])`;
    const problems = queriesOfDashboard(json, config).flatMap((query) => problemsOf(query.expr));
    expect(problems).toEqual([
      "plue_made_up_requests_total: not in the metric catalog",
      'node_memory_MemAvailable_bytes{job="kube-state-metrics"}: job "kube-state-metrics" does not provide node_memory_MemAvailable_bytes',
      expect.stringMatching(/^syntax error/),
    ]);
  });

  it("substitute Grafana's variables as Grafana does, and refuse an unknown one", () => {
    for (const query of queries) expect(query.expr).not.toMatch(/\$|\[\[/);
    expect(queries.some((query) => query.raw.includes("$namespace"))).toBe(true);

    const overview = queries.find((query) => query.source === "CPU by service");
    expect(overview?.expr).toContain(`namespace="${config.appNamespace}", service=~".+"`);
    const chosen = panelQueries(config, { namespace: "staging", service: ["api", "web"] });
    expect(chosen.find((query) => query.source === "CPU by service")?.expr).toContain(
      'namespace="staging", service=~"(api|web)"',
    );
    expect(substituteVariables("rate(x[$__rate_interval])", { __rate_interval: "2m" })).toBe("rate(x[2m])");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${name} syntax
    expect(substituteVariables('x{a="${a}", b=~"[[b]]"}', { a: "1", b: "2" })).toBe('x{a="1", b=~"2"}');
    expect(() => substituteVariables('x{namespace="$namespcae"}', { namespace: "plue" })).toThrow(
      /namespcae/,
    );
  });

  it("recording rules read only catalog metrics, series recorded earlier in their group, or (SLOs) the shared recordings", () => {
    const problems: string[] = [];
    const sloGroups = new Set(sloRuleGroups(config, realTime).map((group) => group.name));
    for (const group of [...recordingRules(config, realTime), ...sloRuleGroups(config, realTime)]) {
      // An SLO's rates may come from the shared recordings, as an alert's do.
      const earlier: string[] = sloGroups.has(group.name) ? Object.values(recorded) : [];
      for (const rule of group.rules) {
        const name = "record" in rule ? rule.record : rule.alert;
        const found = expressionProblems(rule.expr, catalog, { recorded: earlier, plueJobs: PLUE_SERVICES });
        problems.push(...found.map((problem) => `${name}: ${problem}`));
        earlier.push(name);
      }
    }
    expect(problems).toEqual([]);
  });

  it("every recorded series is read by a panel or by another recording rule", () => {
    const rules = [...recordingRules(config, realTime), ...sloRuleGroups(config, realTime)].flatMap(
      (group) => group.rules,
    );
    const reads = [...queries.map((query) => query.expr), ...rules.map((rule) => rule.expr)].join("\n");
    const unread = [...Object.values(recorded), ...sloRecordedNames].filter(
      (name) => !new RegExp(`${name}(?![\\w:])`).test(reads),
    );
    expect(unread).toEqual([]);
  });

  describe("on Prometheus 2.42 (promtool)", () => {
    const dir = tempDir("plue-dashboard-queries-");
    afterAll(() => dir.cleanup());

    it("parses every query", async () => {
      // promtool has no query linter; a recording rule per query makes it parse each one.
      const rules = queries.map((query, index) => ({
        record: `dashboard:query_${index}:check`,
        expr: query.expr,
      }));
      writeFileSync(
        join(dir.path, "queries.yaml"),
        toYaml({ groups: [{ name: "dashboard-queries", rules }] }),
      );
      const result = await runCommand("promtool", ["check", "rules", "queries.yaml"], { cwd: dir.path });
      expect(result.stdout + result.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(result.code).toBe(0);
    });

    it("every query returns data from the recording rules fed exporter-shaped series", async () => {
      writeFileSync(
        join(dir.path, "recording.yaml"),
        toYaml({ groups: [...recordingRules(config, realTime), ...sloRuleGroups(config, realTime)] }),
      );
      const input_series = [
        ...httpSeries,
        ...resourceSeries,
        ...clusterSeries,
        ...directSeries,
        restarts(API_1, "api", "0x8 1x8"),
        restarts(WEB_1, "web", "0x16"),
      ];
      // `count(q) > bool 0` is 1 when q returns at least one series and nothing when it returns none.
      const promql_expr_test = queries.map((query) => ({
        expr: `count(${query.expr}) > bool 0`,
        eval_time: "10m",
        exp_samples: [{ labels: "{}", value: 1 }],
      }));
      writeFileSync(
        join(dir.path, "answers.test.yaml"),
        toYaml({
          rule_files: ["recording.yaml"],
          evaluation_interval: "1m",
          tests: [{ interval: "1m", input_series, promql_expr_test }],
        }),
      );
      const result = await runCommand("promtool", ["test", "rules", "answers.test.yaml"], { cwd: dir.path });
      expect(result.stdout + result.stderr).toContain("SUCCESS");
      expect(result.code).toBe(0);
    });

    it("panels of one series per node, claim or route draw only their top N of a crowd", async () => {
      const crowded = [
        "Node CPU",
        "Node memory",
        "Persistent volume usage",
        "Request rate by method and route",
      ];
      const limited = queries.filter((query) => crowded.includes(query.source));
      expect(limited.map((query) => query.source).sort()).toEqual([...crowded].sort());
      const CROWD = 40;
      const promql_expr_test = limited.flatMap((query) => {
        const top = /^topk\((\d+), (.*)\)$/s.exec(query.expr);
        expect(top, `${query.source} is a topk`).not.toBeNull();
        const [, n, inner] = top as RegExpExecArray;
        expect(Number(n)).toBeLessThan(CROWD);
        return [
          // The crowd is larger than the limit without it, and the panel shows exactly the limit.
          {
            expr: `count(${inner}) > bool ${n}`,
            eval_time: "10m",
            exp_samples: [{ labels: "{}", value: 1 }],
          },
          {
            expr: `count(${query.expr})`,
            eval_time: "10m",
            exp_samples: [{ labels: "{}", value: Number(n) }],
          },
        ];
      });
      writeFileSync(
        join(dir.path, "crowd.test.yaml"),
        toYaml({
          rule_files: ["recording.yaml"],
          evaluation_interval: "1m",
          tests: [{ interval: "1m", input_series: crowdSeries(CROWD), promql_expr_test }],
        }),
      );
      const result = await runCommand("promtool", ["test", "rules", "crowd.test.yaml"], { cwd: dir.path });
      expect(result.stdout + result.stderr).toContain("SUCCESS");
      expect(result.code).toBe(0);
    });
  });
});
