// Every alert on the real promtool: it fires with exact labels and annotations where it should, and
// stays quiet on healthy, near-threshold and edge-case input labelled as the real exporters label it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALERT_NAMES, RECORDING_RULE_FILE } from "../../src/rules/index.ts";
import { writeRuleFiles } from "../helpers/rule-files.ts";
import { tempDir } from "../helpers/system.ts";
import { casesByRuleFile } from "./cases/index.ts";
import { rulesConfig } from "./config.ts";
import { type RuleCase, runPromtoolTests } from "./promtool.ts";

// With a remote-write queue, so that the remote-write alerts are written and tested too.
const config = rulesConfig();
let dir: { path: string; cleanup: () => void };
let written: string[];

beforeAll(() => {
  dir = tempDir("plue-rules-");
  written = writeRuleFiles(dir.path, config);
});
afterAll(() => dir.cleanup());

/** Files whose cases span hours or days of samples: one promtool run (and test) per case. */
const ONE_RUN_PER_CASE: ReadonlySet<string> = new Set(["slo.yaml"]);

interface PromtoolRun {
  title: string;
  ruleFile: string;
  cases: RuleCase[];
  /** The case's index, for its own test file; undefined when all the file's cases run together. */
  index?: number;
}

const runs: PromtoolRun[] = Object.entries(casesByRuleFile).flatMap(([ruleFile, cases]) =>
  ONE_RUN_PER_CASE.has(ruleFile)
    ? cases.map((one, index) => ({ title: `${ruleFile}: ${one.name}`, ruleFile, cases: [one], index }))
    : [{ title: ruleFile, ruleFile, cases }],
);

describe("promtool test rules", () => {
  it.each(runs)("$title", async ({ ruleFile, cases, index }) => {
    expect(written).toContain(ruleFile);
    const testFile = ruleFile.replace(/\.yaml$/, index === undefined ? ".test.yaml" : `.${index}.test.yaml`);
    const result = await runPromtoolTests(dir.path, ruleFile, config, cases, testFile, [RECORDING_RULE_FILE]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
  });
});

describe("coverage of the cases", () => {
  const checks = Object.values(casesByRuleFile).flatMap((cases) => cases.flatMap((c) => c.checks));

  it.each(ALERT_NAMES)("%s has a case where it fires and one where it must stay quiet", (alert) => {
    const mine = checks.filter((check) => check.alert === alert);
    expect(mine.some((check) => check.expect.length > 0)).toBe(true);
    if (alert !== "Watchdog") expect(mine.some((check) => check.expect.length === 0)).toBe(true);
  });
});
