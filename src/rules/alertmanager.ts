// The Alertmanagers, from each replica's /metrics (job alertmanager): does each run the configuration
// it was given, do notifications get out through each integration, does the cluster hold together.
//
// Replicas gossip so that each notification goes out once while any of them is up: for a given
// alert group one replica sends, and the others send only if it has not logged the notification.
// A replica failing alone is a warning; every replica failing to reach an integration, or half of
// them down, pages.
//
// Every rule reads Alertmanager 0.34 (the cluster) and Debian's 0.25 (the local stack): 0.25 has no
// `reason` label on notifications_failed_total, and the rules sum it away (alertmanager.prom).
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { alertmanager } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

const replica = "Alertmanager {{ $labels.namespace }}/{{ $labels.pod }}";

export function alertmanagerRules(config: StackConfig, timing: Timing): RuleGroup {
  const w5m = timing.window("5m");
  // Notifications are few (one per alert group per group_interval, then per repeat_interval) and a
  // failure is counted only when its retries give up, up to a group_interval after the attempt: 15
  // minutes see both.
  const w15m = timing.window("15m");
  /** Per replica and integration, the share of notifications that failed for good. */
  const failedShare = promql`
    sum without (reason) (rate(alertmanager_notifications_failed_total{${alertmanager}}[${w15m}]))
    /
    rate(alertmanager_notifications_total{${alertmanager}}[${w15m}])`;
  const indented = (text: string) => text.replace(/^/gm, "  ");
  return {
    name: "alertmanager",
    rules: [
      alertRule(config, {
        name: "AlertmanagerFailedReload",
        // 0 from a refused reload until one succeeds; max_over_time rides out a missed scrape.
        expr: `max_over_time(alertmanager_config_last_reload_successful{${alertmanager}}[${w5m}]) == 0`,
        for: timing.duration("10m"),
        severity: "warning",
        summary: `${replica} refuses its new configuration`,
        description: `${replica} has failed to reload its configuration for 10 minutes. It keeps routing with the last configuration it accepted, without the change; restarted now, it would not start.`,
      }),
      alertRule(config, {
        name: "AlertmanagerFailedToSendAlerts",
        // Per integration: a broken Slack webhook must not hide behind a working PagerDuty.
        expr: `${failedShare}\n> 0.01`,
        for: timing.duration("5m"),
        severity: "warning",
        summary: `${replica} fails to send {{ $labels.integration }} notifications`,
        description: `${replica} failed to deliver {{ $value | humanizePercentage }} of its {{ $labels.integration }} notifications over the last 15 minutes (alert above 1%).`,
      }),
      alertRule(config, {
        name: "AlertmanagerClusterFailedToSendAlerts",
        // The least failing replica: when it fails too, the notification reached no one. A replica
        // that sent nothing through the integration (its peer had already sent) has no share (0/0)
        // and min passes over it.
        expr: ["min by (job, namespace, service, integration) (", indented(failedShare), ") > 0.01"].join(
          "\n",
        ),
        for: timing.duration("5m"),
        severity: "critical",
        summary:
          "Every Alertmanager of {{ $labels.namespace }}/{{ $labels.service }} fails to send {{ $labels.integration }} notifications",
        description:
          "Every Alertmanager of {{ $labels.namespace }}/{{ $labels.service }} that sent {{ $labels.integration }} notifications over the last 15 minutes failed to deliver at least {{ $value | humanizePercentage }} of them: what goes only through {{ $labels.integration }} reaches no one.",
      }),
      alertRule(config, {
        name: "AlertmanagerMembersInconsistent",
        // Fewer members (the replica itself included) than replicas Prometheus reaches: the cluster
        // is split, each part sends every notification (duplicates) and silences do not spread. A
        // replica that is down is not counted on either side: AlertmanagerClusterDown covers it.
        expr: promql`
          max_over_time(alertmanager_cluster_members{${alertmanager}}[${w5m}])
          < on (job, namespace, service) group_left ()
          count by (job, namespace, service) (up{${alertmanager}} == 1)`,
        for: timing.duration("15m"),
        severity: "warning",
        summary: `${replica} has lost sight of other cluster members`,
        description: `${replica} has seen only {{ $value }} members in its cluster (itself included) for 15 minutes, fewer than the Alertmanagers Prometheus reaches: the replicas it does not see send the same notifications again, and silences set on one side do not reach the other.`,
      }),
      alertRule(config, {
        name: "AlertmanagerClusterDown",
        // A replica counts as down when it answered fewer than half its scrapes over 5 minutes, so a
        // flapping one counts and a single missed scrape does not. With half or more down, the
        // replicas left carry every notification alone: one more loss and no alert reaches anyone.
        // A rolling update takes one replica down for a minute or so; the `for` rides it out.
        expr: promql`
          avg by (job, namespace, service) (
            avg_over_time(up{${alertmanager}}[${w5m}]) < bool 0.5
          ) >= 0.5`,
        for: timing.duration("5m"),
        severity: "critical",
        summary: "{{ $value | humanizePercentage }} of the Alertmanagers are down",
        description:
          "{{ $value | humanizePercentage }} of the Alertmanagers of {{ $labels.namespace }}/{{ $labels.service }} have answered fewer than half their scrapes over the last 5 minutes, for 5 minutes now: the rest deliver every notification alone, and if they fail too no alert reaches anyone.",
      }),
    ],
  };
}
