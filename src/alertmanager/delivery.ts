// Which alerts reach someone: the synthesized routing tree walked the way Alertmanager walks it, for
// the labels of every alert the rules define. An accepted config may still drop whole severities
// (nothing configured; PagerDuty alone pages only critical alerts), so synth says so.
import type { StackConfig } from "../config/schema.ts";
import { cluster } from "../deployment.ts";
import { ruleFiles } from "../rules/index.ts";
import { isAlertRule } from "../rules/types.ts";
import { alertmanagerConfig } from "./index.ts";
import type { Receiver, Route } from "./types.ts";

type Labels = Readonly<Record<string, string>>;

/** One Alertmanager matcher as this stack writes them: name, operator, double-quoted value. */
function matches(matcher: string, labels: Labels): boolean {
  const parsed = /^([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"$/.exec(matcher);
  if (!parsed) throw new Error(`cannot read the matcher ${matcher}`);
  const [, name, operator, quoted] = parsed as unknown as [string, string, string, string];
  const value = labels[name] ?? "";
  const expected = JSON.parse(`"${quoted}"`) as string;
  switch (operator) {
    case "=":
      return value === expected;
    case "!=":
      return value !== expected;
    case "=~":
      return new RegExp(`^(?:${expected})$`).test(value);
    default:
      return !new RegExp(`^(?:${expected})$`).test(value);
  }
}

/** The receivers an alert with `labels` is sent to: depth first, stopping after a match unless `continue`. */
export function receiversFor(route: Route, labels: Labels): string[] {
  const found: string[] = [];
  for (const child of route.routes ?? []) {
    if (!(child.matchers ?? []).every((matcher) => matches(matcher, labels))) continue;
    found.push(...receiversFor({ ...child, receiver: child.receiver ?? route.receiver }, labels));
    if (!child.continue) return found;
  }
  return found.length > 0 ? found : [route.receiver as string];
}

const delivers = (receiver: Receiver | undefined) =>
  receiver !== undefined &&
  [receiver.slack_configs, receiver.pagerduty_configs, receiver.webhook_configs].some(
    (configs) => (configs?.length ?? 0) > 0,
  );

/** Alert names, by severity, that no receiver able to deliver gets, under this config. */
function undelivered(config: StackConfig): Map<string, string[]> {
  const { route, receivers } = alertmanagerConfig(config, cluster);
  const byName = new Map(receivers.map((receiver) => [receiver.name, receiver]));
  const lost = new Map<string, string[]>();
  const rules = ruleFiles(config).flatMap((file) => file.groups.flatMap((group) => group.rules));
  for (const rule of rules.filter(isAlertRule)) {
    const labels = { alertname: rule.alert, ...rule.labels };
    if (receiversFor(route, labels).some((name) => delivers(byName.get(name)))) continue;
    const severity = rule.alert === "Watchdog" ? "Watchdog" : (rule.labels.severity ?? "none");
    const names = lost.get(severity) ?? [];
    if (!names.includes(rule.alert)) names.push(rule.alert);
    lost.set(severity, names);
  }
  return lost;
}

/** Keys that would deliver what is lost, each tried with a stand-in value. */
const REMEDIES: readonly [keyof StackConfig, string][] = [
  ["alertmanagerPagerdutyKey", "0".repeat(32)],
  ["alertmanagerSlackWebhook", "https://hooks.example.invalid/slack"],
  ["alertmanagerDefaultWebhookUrl", "https://hooks.example.invalid/default"],
  ["alertmanagerHeartbeatUrl", "https://hooks.example.invalid/heartbeat"],
];

const orList = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${items.at(-1)}` : (items[0] ?? "");

/** `warning:` lines for every severity (and the Watchdog) that reaches no receiver able to deliver it. */
export function deliveryWarnings(config: StackConfig): string[] {
  const lost = undelivered(config);
  return [...lost].map(([severity, names]) => {
    const remedies = REMEDIES.filter(
      ([key, value]) => config[key] === "" && !undelivered({ ...config, [key]: value }).has(severity),
    ).map(([key]) => key);
    const fix = remedies.length > 0 ? `; set ${orList(remedies)}` : "";
    if (severity === "Watchdog") {
      return `warning: the Watchdog reaches no receiver, so no dead man's switch learns when the alert path itself breaks${fix}`;
    }
    const shown =
      names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
    return `warning: ${severity} alerts (${shown}) reach no receiver that delivers them and are dropped${fix}`;
  });
}

/** `warning:` lines for accepted choices that cost safety, besides delivery. */
export function riskWarnings(config: StackConfig): string[] {
  const warnings: string[] = [];
  if (config.alertmanagerReplicas === 1) {
    warnings.push(
      "warning: alertmanagerReplicas=1: while that Alertmanager restarts, alerts wait and none are sent; 2 or more keep sending",
    );
  }
  if (config.prometheusReplicas === 1) {
    warnings.push(
      "warning: prometheusReplicas=1: while that Prometheus restarts (minutes of WAL replay on a full volume), no rule is evaluated and no alert is sent; 2 or more keep alerting",
    );
  }
  return warnings;
}
