// What a team may write is held to what both Prometheus versions load (2.42 in tests, 3.13 in the
// cluster), and to what the YAML readers of Prometheus and kubectl read back: each case here was
// accepted by synth and refused by promtool or kubectl before it was refused at config time.
import { describe, expect, it } from "vitest";
import { promqlErrors } from "../../src/catalog/promql-check.ts";
import { unsupportedTemplateActions } from "../../src/config/extensions.ts";
import { portabilityProblems, re2Problem, recordedSeries } from "../../src/extensions/problems.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { isAlertRule } from "../../src/rules/types.ts";
import { configProblems as problemsOf, testConfig } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

/** Why an expression would not load, as synth judges it: [] when it would. */
const judged = (expr: string) => {
  const errors = promqlErrors(expr);
  return errors.length > 0 ? errors : portabilityProblems(expr);
};

const alert = (fields: Record<string, unknown>) => ({
  name: "TeamAlert",
  expr: "sum(up) == 0",
  severity: "warning" as const,
  summary: "s",
  description: "d",
  runbookUrl: "https://wiki.plue.dev/runbooks/x",
  ...fields,
});

/** Expressions Prometheus 3's grammar and JavaScript's regexes take, and Prometheus 2.42 refuses. */
const refusedBy242 = [
  "rate(up[0s]) > 0",
  "rate(up[300]) > 0",
  "rate(up[5m+1m]) > 0",
  "min_over_time(up[5m]) offset 5m",
  "max_over_time(up[5m:][10m])",
  'up{"job"="api"} == 0',
  "limitk(1, up)",
  "mad_over_time(up[5m]) > 0",
  'sort_by_label(up, "job")',
  "double_exponential_smoothing(up[5m], 0.5, 0.5) > 0",
  'up{job="a\\qb"} == 0',
  "up\u00a0== 0",
  'up{job=~"a{1001}"} == 0',
  'up{job=~"[^]"} == 0',
  'up{job=~"\\\\Z"} == 0',
  'up{job=~"[a-\\\\d]"} == 0',
  'up{job=~"(?<name>api)"} == 0',
  // Beyond the 3000 characters an editor state parses at first.
  `${"sum(up) + ".repeat(320)}rate(up) > 0`,
];

/** Odd, but loaded by both. */
const loadedByBoth = [
  "up offset -5m == 0",
  "up @ start() == 0",
  "0x1F < up",
  "-Inf < up",
  'up{job=~"\\\\.|[\\\\]a-]{2,3}|\\\\x41"} == 0 # a comment, é',
  `${"sum(up) + ".repeat(320)}sum(up) > 0`,
];

describe("PromQL that both Prometheus versions load", () => {
  it("refuses what Prometheus 2.42 refuses, each with a reason", () => {
    for (const expr of refusedBy242) expect(judged(expr), expr).not.toEqual([]);
  });

  it("accepts the odd but portable", () => {
    for (const expr of loadedByBoth) expect(judged(expr), expr).toEqual([]);
  });

  it("agrees with the real promtool on both lists", async () => {
    const dir = tempDir();
    try {
      const { writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const verdicts = await Promise.all(
        [...refusedBy242, ...loadedByBoth].map(async (expr, i) => {
          const file = join(dir.path, `rule-${i}.yaml`);
          writeFileSync(file, JSON.stringify({ groups: [{ name: "g", rules: [{ record: "a:b", expr }] }] }));
          return (await runCommand("promtool", ["check", "rules", file])).code === 0;
        }),
      );
      expect(verdicts).toEqual([...refusedBy242.map(() => false), ...loadedByBoth.map(() => true)]);
    } finally {
      dir.cleanup();
    }
  });

  it("reads regexes as RE2 does, refusing what it cannot tell apart", () => {
    expect(re2Problem("api|web")).toBeUndefined();
    expect(re2Problem("5..")).toBeUndefined();
    expect(re2Problem("[[:alpha:]]")).toMatch(/POSIX class/);
    expect(re2Problem("\\pL")).toMatch(/escape \\p/);
    expect(re2Problem("((a{100}){100}){100}")).toMatch(/too large/);
  });
});

describe("templates that cannot fail to parse or execute", () => {
  it("take a trim marker with its space, humanize $value only, and case functions on text only", () => {
    for (const ok of [
      "{{- $value -}}",
      "{{ $value | humanize | toUpper }}",
      "{{ $labels.job | title }}",
      "{{ $externalLabels.cluster }}",
    ]) {
      expect(unsupportedTemplateActions(ok), ok).toEqual([]);
    }
    for (const bad of [
      "{{-$value}}",
      "{{$value-}}",
      "{{ $value | toUpper }}",
      "{{ $labels.job | humanize }}",
      "{{ $value | humanize | humanize }}",
    ]) {
      expect(unsupportedTemplateActions(bad), bad).toEqual([bad]);
    }
  });

  it("refuse template actions in an alert's labels", () => {
    expect(problemsOf({ alerts: [alert({ labels: { team: "{{ $value }}" } })] })).toEqual([
      expect.stringMatching(/^alerts\.0\.labels\.team: .*expanded as Go templates/),
    ]);
  });
});

describe("what YAML readers refuse", () => {
  it("is refused in annotations, label values and expressions", () => {
    expect(
      problemsOf({
        alerts: [
          alert({
            summary: "a\u0080b",
            description: "\tindented\nsecond line",
            labels: { team: "x\u2028y" },
          }),
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^alerts\.0\.summary: .*found U\+0080/),
      expect.stringMatching(/^alerts\.0\.description: .*first line starting with a tab/),
      expect.stringMatching(/^alerts\.0\.labels\.team: .*found U\+2028/),
    ]);
  });

  it("is refused anywhere in a dashboard, which its ConfigMap holds as it is", () => {
    expect(
      problemsOf({
        dashboards: [{ title: "Team", panels: [{ type: "text", options: { content: "\u007f" } }] }],
      }),
    ).toEqual([expect.stringMatching(/^dashboards\.0\.panels\.0\.options\.content: .*found U\+007F/)]);
  });
});

describe("dashboards and rules that fit their ConfigMaps", () => {
  it("refuses a uid that names another dashboard's ConfigMap, and one without a letter or digit", () => {
    expect(
      problemsOf({
        dashboards: [
          { title: "A", uid: "PLUE-SYSTEM-OVERVIEW" },
          { title: "B", uid: "team_a" },
          { title: "C", uid: "Team-A" },
          { title: "D", uid: "--" },
        ],
      }),
    ).toEqual([expect.stringMatching(/^dashboards\.3\.uid: not accepted; .*with a letter or digit/)]);
    expect(
      problemsOf({
        dashboards: [
          { title: "A", uid: "PLUE-SYSTEM-OVERVIEW" },
          { title: "B", uid: "team_a" },
          { title: "C", uid: "Team-A" },
        ],
      }),
    ).toEqual([
      expect.stringMatching(
        /^dashboards\.0\.uid: names the same ConfigMap \(grafana-dashboard-plue-system-overview\)/,
      ),
      expect.stringMatching(/^dashboards\.2\.uid: names the same ConfigMap \(grafana-dashboard-team-a\)/),
    ]);
  });

  it("refuses a dashboard or rules over what a ConfigMap holds, naming the key", () => {
    expect(
      problemsOf({
        dashboards: [{ title: "Big", panels: [{ type: "text", description: "a".repeat(1_100_000) }] }],
      }),
    ).toEqual([expect.stringMatching(/^dashboards\.0: dashboard "Big" takes \d+ KiB in its ConfigMap/)]);
    const alerts = Array.from({ length: 100 }, (_, i) =>
      alert({
        name: `Team${i}`,
        description: "d".repeat(2000),
        summary: "s".repeat(2000),
        expr: `sum(up) > ${i}`,
      }),
    );
    const recordingRules = Array.from({ length: 200 }, (_, i) => ({
      record: `team:up:sum${i}`,
      expr: `sum(up{job!="${"a".repeat(3500)}"}) + ${i}`,
    }));
    expect(problemsOf({ alerts, recordingRules })).toEqual([
      expect.stringMatching(/^recordingRules: the team's rules take \d+ KiB of Prometheus' rules ConfigMap/),
    ]);
  });
});

describe("recordedSeries", () => {
  it("is every series a rule file records, without building the alert groups", () => {
    const config = testConfig({
      recordingRules: [{ record: "team:up:sum", expr: "sum(up)" }],
      slos: [
        { service: "api", name: "fast", objective: 99, indicator: { kind: "latency", threshold: "1s" } },
      ],
    });
    const records = ruleFiles(config).flatMap((file) =>
      file.groups.flatMap((group) => group.rules.flatMap((rule) => (isAlertRule(rule) ? [] : [rule.record]))),
    );
    expect(recordedSeries(config).sort()).toEqual(records.sort());
  });
});
