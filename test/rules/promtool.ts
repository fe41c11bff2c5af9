// Typed promtool rule tests: cases written in TypeScript, rendered to the YAML `promtool test rules`
// reads, and run against rule files rendered from the config.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { StackConfig } from "../../src/config/schema.ts";
import { toYaml } from "../../src/render.ts";
import { runCommand } from "../helpers/system.ts";

export type Labels = Record<string, string>;

/** One input series in promtool's notation: `name{labels}` and expanding values ("0+1x10 stale"). */
export interface InputSeries {
  series: string;
  values: string;
}

export interface ExpectedAlert {
  labels: Labels;
  annotations: { summary: string; description: string };
}

export interface AlertCheck {
  at: string;
  alert: string;
  /** The alerts firing at `at`; empty means the alert must not fire. */
  expect: ExpectedAlert[];
}

export interface RuleCase {
  name: string;
  /** Scrape interval of the input series; 30s, the default scrape_interval, unless stated. */
  interval?: string;
  series: InputSeries[];
  checks: AlertCheck[];
}

/** The default runbookBaseUrl, spelled out so the test does not reuse the code under test. */
export const RUNBOOKS = "https://github.com/plue/plue-monitoring/blob/main/docs/runbooks";

/** An input series as Prometheus stores it after a scrape: a label exported empty is no label at all. */
export function series(name: string, labels: Labels, values: string): InputSeries {
  const rendered = Object.entries(labels)
    .filter(([, value]) => value !== "")
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(", ");
  return { series: `${name}{${rendered}}`, values };
}

export const fires = (at: string, alert: string, ...expect: ExpectedAlert[]): AlertCheck => ({
  at,
  alert,
  expect,
});
export const quiet = (at: string, ...alerts: string[]): AlertCheck[] =>
  alerts.map((alert) => ({ at, alert, expect: [] }));

/** Values for consecutive segments: [[1, 10], [0, 5]] → "1x9 0x4" (10 samples of 1, then 5 of 0). */
export function segments(...parts: [value: number | "stale" | "_", samples: number][]): string {
  return parts
    .filter(([, samples]) => samples > 0)
    .map(([value, samples]) =>
      value === "stale" || value === "_"
        ? Array.from({ length: samples }, () => value).join(" ")
        : samples === 1
          ? `${value}`
          : `${value}x${samples - 1}`,
    )
    .join(" ");
}

/** Samples of a 30s scrape (the default interval) covering `minutes`, both ends included. */
export const span = (minutes: number): number => minutes * 2 + 1;

/** A counter growing by `perSample` each sample, for `samples` samples, from `start`. */
export const counter = (perSample: number, samples: number, start = 0): string =>
  `${start}+${perSample}x${samples - 1}`;

/** A counter whose growth per sample changes: [[25.5, 10], [9, 20]] grows 25.5 for 10 samples, then 9. */
export function counterSegments(...parts: [perSample: number, samples: number][]): string {
  let last: number | undefined;
  return parts
    .map(([perSample, samples]) => {
      const start = last === undefined ? 0 : last + perSample;
      last = start + perSample * (samples - 1);
      return `${round(start)}+${perSample}x${samples - 1}`;
    })
    .join(" ");
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * A promtool test file for the cases against `ruleFile`, with `recordingFiles` loaded too. promtool
 * evaluates groups in an unspecified order unless told (cmd/promtool/unittest.go orderedGroups,
 * v2.42.0), so `groupEvalOrder` puts the recording groups first: an alert reading a recorded series
 * sees what they record at the same evaluation, as it would one evaluation later in Prometheus.
 */
export function promtoolTestFile(
  ruleFile: string,
  evaluationInterval: string,
  cases: readonly RuleCase[],
  recordingFiles: readonly string[] = [],
  groupEvalOrder: readonly string[] = [],
) {
  return {
    rule_files: [...recordingFiles.filter((file) => file !== ruleFile), ruleFile],
    ...(groupEvalOrder.length > 0 ? { group_eval_order: groupEvalOrder } : {}),
    evaluation_interval: evaluationInterval,
    tests: cases.map((testCase) => ({
      name: testCase.name,
      interval: testCase.interval ?? "30s",
      input_series: testCase.series,
      alert_rule_test: testCase.checks.map((check) => ({
        eval_time: check.at,
        alertname: check.alert,
        exp_alerts: check.expect.map((alert) => ({
          exp_labels: alert.labels,
          exp_annotations: { ...alert.annotations, runbook_url: `${RUNBOOKS}/${check.alert}.md` },
        })),
      })),
    })),
  };
}

/** Runs `promtool test rules` on the cases against `ruleFile` (already in `dir`, as are `recordingFiles`). */
export async function runPromtoolTests(
  dir: string,
  ruleFile: string,
  config: StackConfig,
  cases: readonly RuleCase[],
  testFileName = ruleFile.replace(/\.yaml$/, ".test.yaml"),
  recordingFiles: readonly string[] = [],
): Promise<{ code: number; output: string }> {
  const files = [...recordingFiles.filter((file) => file !== ruleFile), ruleFile];
  // Every group named, recording groups first: promtool puts unnamed groups first too.
  const groupEvalOrder =
    files.length > 1
      ? files.flatMap((file) =>
          (
            (parseYaml(readFileSync(join(dir, file), "utf8")) as { groups: { name: string }[] }).groups ?? []
          ).map((group) => group.name),
        )
      : [];
  writeFileSync(
    join(dir, testFileName),
    toYaml(promtoolTestFile(ruleFile, config.evaluationInterval, cases, recordingFiles, groupEvalOrder)),
  );
  const result = await runCommand("promtool", ["test", "rules", testFileName], { cwd: dir });
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
}
