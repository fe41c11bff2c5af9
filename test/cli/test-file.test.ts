// A team's promtool test file made runnable against the synthesized rules: what changes, what never
// does, and every problem reported with its place.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  formatTestFileProblem,
  type PreparedTestFile,
  prepareTestFile,
  unknownName,
} from "../../src/cli/test-file.ts";

const AVAILABLE = ["pods.yaml", "meta.yaml", "recording.yaml", "custom.yaml", "custom-recording.yaml"];
const OPTIONS = {
  file: "team.test.yaml",
  available: AVAILABLE,
  ruleDir: "/tmp/run/rules",
  config: { evaluationInterval: "30s" },
};
const TESTS = "tests:\n  - interval: 30s\n    input_series: []\n";

function prepared(source: string, options: Partial<typeof OPTIONS> = {}) {
  const result = prepareTestFile(source, { ...OPTIONS, ...options });
  if (!result.ok) throw new Error(`expected a test file, got:\n${problems(result).join("\n")}`);
  return { ...result, read: parse(result.text, { version: "1.1" }) as Record<string, unknown> };
}

function problems(result: PreparedTestFile): string[] {
  return result.ok ? [] : result.problems.map(formatTestFileProblem);
}

describe("prepareTestFile", () => {
  it("replaces the names in rule_files by the synthesized files' paths", () => {
    const result = prepared(`rule_files: [custom.yaml, custom-recording.yaml, custom.yaml]\n${TESTS}`);
    expect(result.read.rule_files).toEqual([
      "/tmp/run/rules/custom.yaml",
      "/tmp/run/rules/custom-recording.yaml",
    ]);
    expect(result.ruleFiles).toEqual(["custom.yaml", "custom-recording.yaml"]);
  });

  it("loads every synthesized file when rule_files is absent or empty of value", () => {
    const every = AVAILABLE.map((name) => `/tmp/run/rules/${name}`);
    expect(prepared(TESTS).read.rule_files).toEqual(every);
    expect(prepared(`rule_files:\n${TESTS}`).read.rule_files).toEqual(every);
    expect(prepared(`rule_files: ~\n${TESTS}`).read.rule_files).toEqual(every);
  });

  it("defaults evaluation_interval to the config's, and keeps one the file sets", () => {
    expect(prepared(TESTS, { config: { evaluationInterval: "15s" } }).read.evaluation_interval).toBe("15s");
    expect(prepared(`evaluation_interval: 1m\n${TESTS}`).read.evaluation_interval).toBe("1m");
  });

  it("changes nothing else: scalars keep the text promtool's YAML 1.1 reader types, comments stay", () => {
    const source = `# the team's tests
rule_files: [custom.yaml]   # ours
group_eval_order: [custom]
tests:
  - interval: 30s
    input_series:
      - series: 'up{job="worker"}'
        values: 1e3 0x10 _ stale
    alert_rule_test:
      - eval_time: 1_000s
        alertname: A
        exp_alerts:
          - exp_labels: {flag: yes, hex: 0x1F, exp: 1e3, half: .5, octal: 017, nothing: ~, quoted: "1", on: on}
            exp_annotations:
              folded: >-
                one
                two
              literal: |
                 kept
                  indented
    anchor: &labels {a: b}
    alias: *labels
`;
    const result = prepared(source);
    const untouched = (text: string) =>
      text.replace(/^rule_files:.*\n/m, "").replace(/^evaluation_interval:.*\n/m, "");
    expect(untouched(result.text)).toContain(
      'exp_labels: { flag: yes, hex: 0x1F, exp: 1e3, half: .5, octal: 017, nothing: ~, quoted: "1", on: on }',
    );
    expect(result.text).toMatch(/^# the team's tests\n/);
    const read = (text: string) => {
      const value = parse(text, { version: "1.1" }) as Record<string, unknown>;
      return { ...value, rule_files: undefined, evaluation_interval: undefined };
    };
    expect(read(result.text)).toEqual(read(source));
  });

  it("escapes glob characters in the rule directory: promtool expands rule_files as patterns", () => {
    const result = prepared(`rule_files: [custom.yaml]\n${TESTS}`, { ruleDir: "/tmp/[x]*?/rules" });
    expect(result.read.rule_files).toEqual(["/tmp/\\[x]\\*\\?/rules/custom.yaml"]);
  });

  it("reports every bad rule_files entry with its place, suggesting what was meant", () => {
    const result = prepareTestFile(
      `rule_files:\n  - custom.yml\n  - config/prometheus/rules/pods.yaml\n  - "*.yaml"\n  - {a: b}\n  - totally-unrelated.yaml\n${TESTS}`,
      OPTIONS,
    );
    expect(problems(result)).toEqual([
      'team.test.yaml:2:5: rule_files[0] = "custom.yml": no synthesized rule file has this name; did you mean custom.yaml?',
      'team.test.yaml:3:5: rule_files[1] = "config/prometheus/rules/pods.yaml": no synthesized rule file has this name; name it without a directory: pods.yaml',
      'team.test.yaml:4:5: rule_files[2] = "*.yaml": no synthesized rule file has this name (patterns are not expanded); name each file, or leave rule_files out to load all of them',
      "team.test.yaml:5:5: rule_files[3]: must be a rule file name (custom.yaml)",
      'team.test.yaml:6:5: rule_files[4] = "totally-unrelated.yaml": no synthesized rule file has this name',
    ]);
    expect(result.ok ? [] : result.problems.map((problem) => problem.unknownRuleFile === true)).toEqual([
      true,
      true,
      true,
      false,
      true,
    ]);
  });

  it("refuses a rule_files that is no list, or an empty one, and a file without tests", () => {
    expect(problems(prepareTestFile("rule_files: custom.yaml\ntests: 3\n", OPTIONS))).toEqual([
      "team.test.yaml:1:13: rule_files: must be a list of rule file names (custom.yaml)",
      "team.test.yaml:2:8: tests: must be a list of test groups",
    ]);
    expect(problems(prepareTestFile("rule_files: []\ntests: []\n", OPTIONS))).toEqual([
      "team.test.yaml:1:13: rule_files: is empty; leave it out to load every synthesized rule file",
      "team.test.yaml:2:8: tests: is empty, so nothing would be tested",
    ]);
    expect(problems(prepareTestFile("rule_files: [custom.yaml]\n", OPTIONS))).toEqual([
      "team.test.yaml: tests: missing, so nothing would be tested",
    ]);
  });

  it("refuses what is not one YAML mapping: bad syntax, duplicate keys, several documents, a list, nothing", () => {
    const syntax = problems(prepareTestFile("rule_files: [custom.yaml\ntests:\n", OPTIONS));
    expect(syntax.length).toBeGreaterThan(0);
    for (const line of syntax) expect(line).toMatch(/^team\.test\.yaml:\d+:\d+: not valid YAML: \S/);
    expect(problems(prepareTestFile(`${TESTS}${TESTS}`, OPTIONS))).toEqual([
      "team.test.yaml:4:1: not valid YAML: Map keys must be unique",
    ]);
    expect(problems(prepareTestFile(`${TESTS}---\n${TESTS}`, OPTIONS))).toEqual([
      expect.stringMatching(/^team\.test\.yaml:4:1: not valid YAML: Source contains multiple documents/),
    ]);
    expect(problems(prepareTestFile("- custom.yaml\n", OPTIONS))).toEqual([
      "team.test.yaml:1:1: is not a mapping: a promtool test file has keys rule_files and tests",
    ]);
    for (const empty of ["", "# nothing\n", "~\n"]) {
      expect(problems(prepareTestFile(empty, OPTIONS))).toEqual([
        "team.test.yaml: is empty: a promtool test file is a mapping with tests",
      ]);
    }
  });
});

describe("unknownName", () => {
  it("suggests only a name close enough to be a typo", () => {
    expect(unknownName("Custom.yaml", AVAILABLE)).toMatch(/did you mean custom\.yaml\?$/);
    expect(unknownName("recordings.yaml", AVAILABLE)).toMatch(/did you mean recording\.yaml\?$/);
    expect(unknownName("database.yaml", AVAILABLE)).not.toContain("did you mean");
    expect(unknownName("custom.yaml", [])).toBe("no synthesized rule file has this name");
  });
});
