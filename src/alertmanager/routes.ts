// The routing tree: Watchdog → heartbeat; critical → PagerDuty and Slack; warning → Slack; the rest
// → default. A route exists only when its receiver does, so with neither Slack nor PagerDuty every
// alert but the Watchdog falls through to the default receiver.
import type { Timing } from "../rules/timing.ts";
import { RECEIVERS } from "./receivers.ts";
import type { Receiver, Route } from "./types.ts";

/** Alerts of one alertname for one namespace (and service, where the alert has one) go out together. */
export const GROUP_BY = ["alertname", "namespace", "service"];

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
