// What `synth` writes to config/prometheus/rules/ passes `promtool check rules` and holds every alert,
// each labelled, annotated and linked to its runbook.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ALERT_NAMES,
  alertNames,
  PAIR_LABEL,
  REMOTE_WRITE_ALERTS,
  ruleFiles,
} from "../../src/rules/index.ts";
import { scaledTiming } from "../../src/rules/timing.ts";
import { type AlertRule, isAlertRule, type RuleGroup } from "../../src/rules/types.ts";
import { synthesize } from "../../src/synth.ts";
import { testConfig } from "../helpers/config.ts";
import { writeRuleFiles } from "../helpers/rule-files.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import { rulesConfig } from "./config.ts";
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
  // An alert that should fire reaches no one, or cannot fire.
  "PrometheusRuleFailures",
  "PrometheusErrorSendingAlertsToAnyAlertmanager",
  "PrometheusNotConnectedToAlertmanagers",
  "AlertmanagerClusterFailedToSendAlerts",
  "AlertmanagerClusterDown",
];
/** The jobs some alert reads from: their TargetDown is critical, every other job's a warning. */
const JOBS_FEEDING_ALERTS = [
  "alertmanager",
  "api",
  "blackbox",
  "cadvisor",
  "config-reloader",
  "electric",
  "kube-state-metrics",
  "kubelet",
  "kubernetes-pods",
  "postgres-exporter",
  "prometheus",
  "web",
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

  it("hold every alert but the remote-write ones, each in one place (TargetDown and ErrorBudgetBurn in several rules of one group)", () => {
    const withoutRemoteWrite = ALERT_NAMES.filter((name) => !REMOTE_WRITE_ALERTS.includes(name));
    expect([...new Set(alerts.map((alert) => alert.alert))].sort()).toEqual([...withoutRemoteWrite].sort());
    expect(alertNames(testConfig())).toEqual(withoutRemoteWrite);
    const repeated = alerts.map((alert) => alert.alert).filter((name, i, all) => all.indexOf(name) !== i);
    expect([...new Set(repeated)]).toEqual(["ErrorBudgetBurn", "TargetDown"]);
  });

  it("gain the remote-write alerts only with a remote-write queue configured", () => {
    expect(alertNames(rulesConfig())).toEqual([...ALERT_NAMES]);
    const prometheusGroup = (config: ReturnType<typeof testConfig>) =>
      ruleFiles(config)
        .find((file) => file.name === "prometheus.yaml")
        ?.groups.flatMap((group) => group.rules.filter(isAlertRule).map((rule) => rule.alert));
    expect(prometheusGroup(rulesConfig())).toEqual(expect.arrayContaining([...REMOTE_WRITE_ALERTS]));
    expect(prometheusGroup(testConfig())).not.toEqual(expect.arrayContaining([REMOTE_WRITE_ALERTS[0]]));
  });

  it("give each alert its severity: critical, warning, or none for Watchdog", () => {
    const computed = ["TargetDown", "ErrorBudgetBurn"];
    for (const alert of alerts.filter((candidate) => !computed.includes(candidate.alert))) {
      const expected =
        alert.alert === "Watchdog" ? "none" : CRITICAL.includes(alert.alert) ? "critical" : "warning";
      expect(alert.labels.severity, alert.alert).toBe(expected);
    }
  });

  it("give each SLO (api, web and electric availability by default) a critical then a warning ErrorBudgetBurn", () => {
    const burn = alerts.filter((alert) => alert.alert === "ErrorBudgetBurn");
    const perSlo = burn.map((alert) => [
      /service="(\w+)", slo="(\w+)"/.exec(alert.expr)?.slice(1).join("/"),
      alert.labels.severity,
    ]);
    expect(perSlo).toEqual(
      ["api", "web", "electric"].flatMap((service) => [
        [`${service}/availability`, "critical"],
        [`${service}/availability`, "warning"],
      ]),
    );
  });

  it("make TargetDown critical for each job an alert reads from, and a warning for every other job", () => {
    const targetDown = alerts.filter((alert) => alert.alert === "TargetDown");
    const critical = targetDown.filter((alert) => alert.labels.severity === "critical");
    expect(critical.map((alert) => /up\{job="([^"]+)"\}/.exec(alert.expr)?.[1])).toEqual(JOBS_FEEDING_ALERTS);
    const warning = targetDown.filter((alert) => alert.labels.severity === "warning");
    expect(warning.map((alert) => /up\{job!~"([^"]+)"\}/.exec(alert.expr)?.[1])).toEqual([
      JOBS_FEEDING_ALERTS.join("|"),
    ]);
    expect(critical.length + warning.length).toBe(targetDown.length);
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
