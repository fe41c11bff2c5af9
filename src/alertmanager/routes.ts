// The routing tree: Watchdog → heartbeat; a notifier that fails → told through another notifier;
// critical → PagerDuty and Slack; warning → Slack; the rest → default. A severity route exists only
// when its receiver does, so with neither Slack nor PagerDuty every alert but the Watchdog falls
// through to the default receiver.
//
// Why the delivery-failure routes come before the severity routes: an alert saying "Slack rejects
// what Alertmanager sends" is itself critical or warning, so the severity routes would send it to
// Slack, the one place it cannot arrive. Matched first and without `continue`, it goes only where it
// can: to a different receiver, chosen by the `integration` that failed.
import type { Timing } from "../rules/timing.ts";
import { RECEIVERS } from "./receivers.ts";
import type { Receiver, Route } from "./types.ts";

/** Alerts of one alertname for one namespace (and service, where the alert has one) go out together. */
export const GROUP_BY = ["alertname", "namespace", "service"];

/**
 * The meta-alerts that say Alertmanager failed to deliver through one integration: one replica
 * (AlertmanagerFailedToSendAlerts) or every replica (AlertmanagerClusterFailedToSendAlerts). Their
 * `integration` label is alertmanager_notifications_failed_total's: "slack", "pagerduty", or
 * "webhook" for both the default and the heartbeat receiver (Alertmanager tells those two apart only
 * with its receiver-names-in-metrics feature flag, which is off by default).
 */
export const DELIVERY_FAILURE_ALERTS = [
  "AlertmanagerFailedToSendAlerts",
  "AlertmanagerClusterFailedToSendAlerts",
] as const;

/** The integrations of this stack's receivers, as Alertmanager labels their failures. */
export type Integration = "slack" | "pagerduty" | "webhook";

/**
 * Where a failure of each integration is told: the first receiver of its list that exists. Never the
 * receiver that failed. PagerDuty and Slack stand in for each other. A webhook failure loses either
 * the heartbeat (which the external dead man's switch reports by itself) or the default receiver's
 * alerts (by definition none that page), so Slack suffices and PagerDuty is used only without Slack.
 * The default receiver is last: it always exists, but it is a webhook itself and drops what it gets
 * when no URL is configured; with neither Slack nor PagerDuty a webhook failure has nowhere else to go.
 */
export const FAILURE_FALLBACKS: Readonly<Record<Integration, readonly string[]>> = {
  slack: [RECEIVERS.pagerduty, RECEIVERS.default],
  pagerduty: [RECEIVERS.slack, RECEIVERS.default],
  webhook: [RECEIVERS.slack, RECEIVERS.pagerduty, RECEIVERS.default],
};

/** One route per failing integration, each to the first of its fallbacks that exists. */
function deliveryFailureRoutes(has: (receiver: string) => boolean): Route[] {
  return Object.entries(FAILURE_FALLBACKS).map(([integration, fallbacks]) => ({
    matchers: [`alertname=~"${DELIVERY_FAILURE_ALERTS.join("|")}"`, `integration="${integration}"`],
    receiver: fallbacks.find(has) ?? RECEIVERS.default,
    // Failures of Slack and of PagerDuty are different news for different people: never one message.
    group_by: [...GROUP_BY, "integration"],
    // Told once, here: the severity routes below would also send it to the receiver that failed.
    continue: false,
  }));
}

export function routingTree(receivers: readonly Receiver[], timing: Timing): Route {
  const has = (name: string) => receivers.some((receiver) => receiver.name === name);
  const routes: Route[] = [
    {
      // The dead man's switch wants a steady beat: repeat often, and never let it reach a person.
      matchers: ['alertname="Watchdog"'],
      receiver: RECEIVERS.heartbeat,
      group_interval: timing.duration("1m"),
      repeat_interval: timing.duration("5m"),
    },
    ...deliveryFailureRoutes(has),
  ];
  if (has(RECEIVERS.pagerduty)) {
    // continue: the same critical alert also goes on to Slack below.
    routes.push({ matchers: ['severity="critical"'], receiver: RECEIVERS.pagerduty, continue: true });
  }
  if (has(RECEIVERS.slack)) {
    routes.push({ matchers: ['severity=~"critical|warning"'], receiver: RECEIVERS.slack });
  }
  return {
    receiver: RECEIVERS.default,
    group_by: GROUP_BY,
    // Wait briefly for related alerts, batch updates every 5 minutes, remind every 4 hours.
    group_wait: timing.duration("30s"),
    group_interval: timing.duration("5m"),
    repeat_interval: timing.duration("4h"),
    routes,
  };
}
