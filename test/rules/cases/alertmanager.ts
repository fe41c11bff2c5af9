// The alertmanager group: each replica's /metrics as Alertmanager v0.34 serves them
// (test/fixtures/exporters/alertmanager.prom), with the alertmanager job's target labels, and `up`.
import { alertmanagerTarget } from "../exporters.ts";
import {
  counter,
  type ExpectedAlert,
  fires,
  type InputSeries,
  type Labels,
  quiet,
  type RuleCase,
  segments,
  series,
  span,
} from "../promtool.ts";

const am = (ordinal: number, name: string, labels: Labels, values: string) =>
  series(name, { ...alertmanagerTarget(ordinal), ...labels }, values);
const up = (ordinal: number, values: string) => series("up", alertmanagerTarget(ordinal), values);

const replica = (ordinal: number) => `Alertmanager monitoring/alertmanager-${ordinal}`;
const cluster = { job: "alertmanager", namespace: "monitoring", service: "alertmanager" };

const REASONS = ["other", "clientError", "serverError", "contextDeadlineExceeded"] as const;
type Reason = (typeof REASONS)[number];

/**
 * One integration of one replica: notifications_total growing `attempted` per sample, and
 * notifications_failed_total per reason, growing as given per sample or taking the values given
 * (each reason's series exists from the start, at 0).
 */
function integration(
  ordinal: number,
  name: string,
  attempted: number,
  failed: Partial<Record<Reason, number | string>>,
  samples: number,
): InputSeries[] {
  return [
    am(ordinal, "alertmanager_notifications_total", { integration: name }, counter(attempted, samples)),
    ...REASONS.map((reason) =>
      am(
        ordinal,
        "alertmanager_notifications_failed_total",
        { integration: name, reason },
        typeof failed[reason] === "string" ? failed[reason] : counter(failed[reason] ?? 0, samples),
      ),
    ),
  ];
}

const failedToSend = (ordinal: number, name: string, percent: string): ExpectedAlert => ({
  labels: { ...alertmanagerTarget(ordinal), integration: name, severity: "warning" },
  annotations: {
    summary: `${replica(ordinal)} fails to send ${name} notifications`,
    description: `${replica(ordinal)} failed to deliver ${percent} of its ${name} notifications over the last 15 minutes (alert above 1%).`,
  },
});

const clusterFailedToSend = (name: string, percent: string): ExpectedAlert => ({
  labels: { ...cluster, integration: name, severity: "critical" },
  annotations: {
    summary: `Every Alertmanager of monitoring/alertmanager fails to send ${name} notifications`,
    description: `Every Alertmanager of monitoring/alertmanager that sent ${name} notifications over the last 15 minutes failed to deliver at least ${percent} of them: what goes only through ${name} reaches no one.`,
  },
});

const membersInconsistent = (ordinal: number, members: string): ExpectedAlert => ({
  labels: { ...alertmanagerTarget(ordinal), severity: "warning" },
  annotations: {
    summary: `${replica(ordinal)} has lost sight of other cluster members`,
    description: `${replica(ordinal)} has seen only ${members} members in its cluster (itself included) for 15 minutes, fewer than the Alertmanagers Prometheus reaches: the replicas it does not see send the same notifications again, and silences set on one side do not reach the other.`,
  },
});

const clusterDown = (percent: string): ExpectedAlert => ({
  labels: { ...cluster, severity: "critical" },
  annotations: {
    summary: `${percent} of the Alertmanagers are down`,
    description: `${percent} of the Alertmanagers of monitoring/alertmanager have answered fewer than half their scrapes over the last 5 minutes, for 5 minutes now: the rest deliver every notification alone, and if they fail too no alert reaches anyone.`,
  },
});

export const alertmanagerCases: RuleCase[] = [
  {
    name: "a configuration refused for 10 minutes fires AlertmanagerFailedReload",
    series: [
      am(0, "alertmanager_config_last_reload_successful", {}, segments([1, span(30)])),
      am(1, "alertmanager_config_last_reload_successful", {}, segments([1, 10], [0, span(25)])),
    ],
    checks: [
      ...quiet("18m", "AlertmanagerFailedReload"),
      fires("21m", "AlertmanagerFailedReload", {
        labels: { ...alertmanagerTarget(1), severity: "warning" },
        annotations: {
          summary: `${replica(1)} refuses its new configuration`,
          description: `${replica(1)} has failed to reload its configuration for 10 minutes. It keeps routing with the last configuration it accepted, without the change; restarted now, it would not start.`,
        },
      }),
    ],
  },
  {
    name: "a refused configuration corrected within 10 minutes does not fire",
    series: [
      am(0, "alertmanager_config_last_reload_successful", {}, segments([1, 10], [0, 16], [1, span(20)])),
    ],
    checks: quiet("22m", "AlertmanagerFailedReload"),
  },
  {
    name: "one replica failing half its Slack notifications, across failure reasons, fires once for slack",
    // alertmanager-0 cannot reach Slack; alertmanager-1 sends the same notifications, and they arrive.
    series: [
      ...integration(0, "slack", 4, { serverError: 1, contextDeadlineExceeded: 1 }, span(20)),
      ...integration(0, "pagerduty", 1, {}, span(20)),
      ...integration(1, "slack", 2, {}, span(20)),
    ],
    checks: [
      ...quiet("4m", "AlertmanagerFailedToSendAlerts"),
      fires("10m", "AlertmanagerFailedToSendAlerts", failedToSend(0, "slack", "50%")),
      ...quiet("10m", "AlertmanagerClusterFailedToSendAlerts"),
    ],
  },
  {
    name: "a single failed notification among many stays under 1%",
    series: integration(0, "webhook", 8, { serverError: segments([0, 20], [1, 21]) }, span(20)),
    checks: quiet("15m", "AlertmanagerFailedToSendAlerts", "AlertmanagerClusterFailedToSendAlerts"),
  },
  {
    name: "every replica failing its PagerDuty notifications fires AlertmanagerClusterFailedToSendAlerts",
    series: [
      ...integration(0, "pagerduty", 1, { clientError: 1 }, span(20)),
      ...integration(1, "pagerduty", 1, { clientError: 1 }, span(20)),
      ...integration(0, "slack", 2, {}, span(20)),
    ],
    checks: [
      fires("10m", "AlertmanagerClusterFailedToSendAlerts", clusterFailedToSend("pagerduty", "100%")),
      fires(
        "10m",
        "AlertmanagerFailedToSendAlerts",
        failedToSend(0, "pagerduty", "100%"),
        failedToSend(1, "pagerduty", "100%"),
      ),
    ],
  },
  {
    name: "a replica that sent nothing through an integration does not hide its peer's failures",
    // alertmanager-1 never sent to PagerDuty (0 of 0): min passes over it.
    series: [
      ...integration(0, "pagerduty", 1, { clientError: 1 }, span(20)),
      ...integration(1, "pagerduty", 0, {}, span(20)),
    ],
    checks: [fires("10m", "AlertmanagerClusterFailedToSendAlerts", clusterFailedToSend("pagerduty", "100%"))],
  },
  {
    name: "replicas that cannot see each other for 15 minutes fire AlertmanagerMembersInconsistent",
    series: [
      up(0, segments([1, span(25)])),
      up(1, segments([1, span(25)])),
      am(0, "alertmanager_cluster_members", {}, segments([2, 4], [1, span(23)])),
      am(1, "alertmanager_cluster_members", {}, segments([2, 4], [1, span(23)])),
    ],
    checks: [
      ...quiet("15m", "AlertmanagerMembersInconsistent"),
      fires(
        "23m",
        "AlertmanagerMembersInconsistent",
        membersInconsistent(0, "1"),
        membersInconsistent(1, "1"),
      ),
    ],
  },
  {
    name: "a replica that is down is not missing from its peer's cluster view",
    // alertmanager-1 stops at 2m: its targets fail, its series end, its peer sees 1 member.
    series: [
      up(0, segments([1, span(25)])),
      up(1, segments([1, 4], [0, span(23)])),
      am(0, "alertmanager_cluster_members", {}, segments([2, 5], [1, span(23)])),
      am(1, "alertmanager_cluster_members", {}, `${segments([2, 4])} stale`),
    ],
    checks: quiet("24m", "AlertmanagerMembersInconsistent"),
  },
  {
    name: "one of two Alertmanagers down for 5 minutes fires AlertmanagerClusterDown",
    series: [up(0, segments([1, span(20)])), up(1, segments([1, 10], [0, span(15)]))],
    checks: [
      ...quiet("10m", "AlertmanagerClusterDown"),
      fires("14m", "AlertmanagerClusterDown", clusterDown("50%")),
    ],
  },
  {
    name: "a replica restarting for 4 minutes does not fire",
    series: [up(0, segments([1, span(20)])), up(1, segments([1, 10], [0, 8], [1, span(15)]))],
    checks: [...quiet("9m", "AlertmanagerClusterDown"), ...quiet("13m", "AlertmanagerClusterDown")],
  },
];
