// What `synth` writes to config/prometheus/rules/ passes `promtool check rules` and holds all 23
// alerts, each labelled, annotated and linked to its runbook.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ALERT_NAMES, alertNames, PAIR_LABEL } from "../../src/rules/index.ts";
import { scaledTiming } from "../../src/rules/timing.ts";
import type { AlertRule, RuleGroup } from "../../src/rules/types.ts";
import { synthesize } from "../../src/synth.ts";
import { testConfig } from "../helpers/config.ts";
import { writeRuleFiles } from "../helpers/rule-files.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import { RUNBOOKS } from "./promtool.ts";

const RULES_DIR = "config/prometheus/rules/";
const CRITICAL = [
  "ServiceDown",
  "EndpointDown",
  "CriticalErrorRate",
  "CriticalCPUUsage",
  "CriticalMemoryUsage",
  "DatabaseConnectionFailure",
  "PersistentVolumeSpaceCritical",
  "CertificateExpiryCritical",
  "NodeNotReady",
  "PodCrashLooping",
];
const PAIRS: Record<string, [string, string]> = {
  cpu: ["HighCPUUsage", "CriticalCPUUsage"],
  memory: ["HighMemoryUsage", "CriticalMemoryUsage"],
  "error-rate": ["HighErrorRate", "CriticalErrorRate"],
  "volume-space": ["PersistentVolumeSpaceLow", "PersistentVolumeSpaceCritical"],
  "certificate-expiry": ["CertificateExpiringSoon", "CertificateExpiryCritical"],
};

let dir: { path: string; cleanup: () => void };
let files: Map<string, string>;
let alerts: AlertRule[];

beforeAll(() => {
  dir = tempDir("plue-synth-rules-");
  const tree = synthesize(testConfig());
  files = new Map(
    [...tree].filter(([path]) => path.startsWith(RULES_DIR)).map(([p, t]) => [p.slice(RULES_DIR.length), t]),
  );
  for (const [name, text] of files) writeFileSync(join(dir.path, name), text);
  alerts = [...files.values()].flatMap((text) =>
    (parse(text) as { groups: RuleGroup[] }).groups.flatMap((group) =>
      group.rules.filter((rule): rule is AlertRule => "alert" in rule),
    ),
  );
});
afterAll(() => dir.cleanup());

describe("the synthesized rule files", () => {
  it("pass promtool check rules", async () => {
    const names = [...files.keys()];
    expect(names).toEqual(expect.arrayContaining(["pods.yaml", "resources.yaml", "meta.yaml"]));
    const result = await runCommand("promtool", ["check", "rules", ...names], { cwd: dir.path });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toContain("FAILED");
  });

  it("pass promtool check rules with the local stack's scaled time", async () => {
    const local = join(dir.path, "local");
    const names = writeRuleFiles(local, testConfig(), scaledTiming(60, "1s"));
    const result = await runCommand("promtool", ["check", "rules", ...names], { cwd: local });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it("hold the seed's 22 alerts, EndpointDown and Watchdog, each once", () => {
    expect(alerts.map((alert) => alert.alert).sort()).toEqual([...ALERT_NAMES].sort());
    expect(alertNames(testConfig())).toEqual([...ALERT_NAMES]);
  });

  it("give each alert its severity: critical, warning, or none for Watchdog", () => {
    for (const alert of alerts) {
      const expected =
        alert.alert === "Watchdog" ? "none" : CRITICAL.includes(alert.alert) ? "critical" : "warning";
      expect(alert.labels.severity, alert.alert).toBe(expected);
    }
  });

  it("give each warning/critical twin the same pair label, and no other alert one", () => {
    for (const alert of alerts) {
      const pair = Object.entries(PAIRS).find(([, twins]) => twins.includes(alert.alert))?.[0];
      expect(alert.labels[PAIR_LABEL], alert.alert).toBe(pair);
    }
  });

  it("annotate each alert with a summary, a description and its runbook", () => {
    for (const alert of alerts) {
      expect(alert.annotations.summary, alert.alert).toBeTruthy();
      expect(alert.annotations.description, alert.alert).toBeTruthy();
      expect(alert.annotations.runbook_url).toBe(`${RUNBOOKS}/${alert.alert}.md`);
    }
  });
});
