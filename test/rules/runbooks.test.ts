// docs/runbooks/<Alert>.md for every alert: the sections an on-call engineer needs, severity and
// `for` as the rule has them, and PromQL that parses and reads only metrics the stack collects.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalog, expressionProblems } from "../../src/catalog/index.ts";
import { PLUE_SERVICES } from "../../src/catalog/plue-services.ts";
import { ALERT_NAMES, ruleFiles } from "../../src/rules/index.ts";
import { type AlertRule, isAlertRule } from "../../src/rules/types.ts";
import { rulesConfig } from "./config.ts";

const RUNBOOKS_DIR = join(import.meta.dirname, "../../docs/runbooks");
const SECTIONS = ["## Meaning", "## Confirm", "## Likely causes", "## What to do", "## Why"];
// Placeholders the runbooks use for the alert's labels, filled in as an engineer would.
const PLACEHOLDERS: Record<string, string> = {
  "<service>": "api",
  "<namespace>": "plue",
  "<pod>": "api-7d9f8c6b5-x2x9k",
  "<container>": "api",
  "<deployment>": "api",
  "<claim>": "data-postgres-0",
  "<node>": "plue-node-1",
  "<job>": "kube-state-metrics",
  "<rule_group>": "/etc/prometheus/rules/pods.yaml;pods",
  "<scrape_job>": "kubernetes-pods",
  "<integration>": "slack",
  "<remote_name>": "archive",
  "<slo>": "availability",
};
// Series Prometheus writes itself for its alerts, and those our recording rules write.
const PROMETHEUS_SERIES = ["ALERTS", "ALERTS_FOR_STATE"];
const RECORDED = ruleFiles(rulesConfig()).flatMap((file) =>
  file.groups.flatMap((group) => group.rules.flatMap((rule) => ("record" in rule ? [rule.record] : []))),
);

/** Each alert's rules: several for TargetDown (one per job that feeds alerts, one for the rest). */
const rules = new Map<string, AlertRule[]>();
for (const rule of ruleFiles(rulesConfig())
  .flatMap((file) => file.groups.flatMap((group) => group.rules))
  .filter(isAlertRule)) {
  rules.set(rule.alert, [...(rules.get(rule.alert) ?? []), rule]);
}

const read = (alert: string) => readFileSync(join(RUNBOOKS_DIR, `${alert}.md`), "utf8");

/** "15m" → "15 minutes", "1h" → "1 hour". */
function spoken(duration: string): string {
  const match = /^(\d+)([mh])$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  const [, amount, unit] = match;
  const word = unit === "h" ? "hour" : "minute";
  return `${amount} ${word}${amount === "1" ? "" : "s"}`;
}

describe("runbooks", () => {
  it("exist for exactly the alerts of ALERT_NAMES", () => {
    const files = readdirSync(RUNBOOKS_DIR).filter((name) => name.endsWith(".md"));
    expect(files.map((name) => name.replace(/\.md$/, "")).sort()).toEqual([...ALERT_NAMES].sort());
  });

  it.each(ALERT_NAMES)("%s: title, sections, severity and `for` as the rule has them", (alert) => {
    const text = read(alert);
    const own = rules.get(alert) ?? [];
    const rule = own[0];
    if (!rule) throw new Error(`no rule ${alert}`);
    expect(text.startsWith(`# ${alert}\n`)).toBe(true);
    let at = -1;
    for (const section of SECTIONS) {
      const next = text.indexOf(`\n${section}`, at + 1);
      expect(next, `${alert}: ${section} (in order)`).toBeGreaterThan(at);
      at = next;
    }
    // One severity: "**Severity:** critical". Rules of one name with different severities: each named
    // with what it covers, "**Severity:** critical for …, warning for …", in that order.
    const severities = [...new Set(own.map((candidate) => candidate.labels.severity))];
    const severityLine = /\*\*Severity:\*\* ([^·\n]*)/.exec(text)?.[1]?.trim() ?? "";
    if (severities.length === 1) expect(severityLine, alert).toBe(severities[0]);
    else
      expect(severityLine, alert).toMatch(
        new RegExp(`^${severities.map((s) => `${s} for [^,]+`).join(", ")}$`),
      );
    // One `for` per severity. One for all: "**Fires after:** 15 minutes". One per severity:
    // "**Fires after:** 2 minutes for critical, 1 hour for warning", in the severities' order.
    const forOf = (severity: string | undefined) => {
      const fors = new Set(own.filter((c) => c.labels.severity === severity).map((c) => c.for));
      expect(fors.size, `${alert}: one \`for\` for all its ${severity} rules`).toBe(1);
      return [...fors][0];
    };
    const fors = severities.map(forOf);
    if (new Set(fors).size === 1) {
      const firesAfter = /\*\*Fires after:\*\* (\d+ (?:minutes?|hours?))/.exec(text)?.[1];
      expect(firesAfter, `${alert}: the "Fires after" it states`).toBe(
        rule.for ? spoken(rule.for) : undefined,
      );
    } else {
      const firesAfter = /\*\*Fires after:\*\* ([^·\n]*)/.exec(text)?.[1]?.trim();
      const expected = severities.map((severity, i) => {
        const duration = fors[i];
        if (!duration) throw new Error(`${alert}: its ${severity} rule has no \`for\` while another has`);
        return `${spoken(duration)} for ${severity}`;
      });
      expect(firesAfter, `${alert}: the "Fires after" it states`).toBe(expected.join(", "));
    }
  });

  it.each(ALERT_NAMES)("%s: its PromQL parses and reads only collected metrics", (alert) => {
    const blocks = [...read(alert).matchAll(/```promql\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const expr = Object.entries(PLACEHOLDERS).reduce(
        (text, [from, to]) => text.replaceAll(from, to),
        block,
      );
      expect(
        expressionProblems(expr, catalog, {
          plueJobs: PLUE_SERVICES,
          recorded: [...PROMETHEUS_SERIES, ...RECORDED],
        }),
        expr,
      ).toEqual([]);
    }
  });
});
