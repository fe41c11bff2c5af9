// Routing that survives its own failures: an alert saying Alertmanager cannot deliver through one
// integration must reach a different receiver, never the one that failed. amtool routes the
// meta-alerts' label sets through alertmanager.yml for every combination of configured receivers
// (Slack, PagerDuty, default webhook, heartbeat webhook each on or off), in a cluster and locally.
// Expected receivers are written out here, not derived from the code.
import { afterAll, describe, expect, it } from "vitest";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import type { UserConfig } from "../../src/config/schema.ts";
import { cluster } from "../../src/deployment.ts";
import { secretValues, testConfig } from "../helpers/config.ts";
import { tempDir } from "../helpers/system.ts";
import { localDeployment } from "../prometheus/fixtures.ts";
import { checkConfig, routesTest, writeConfig } from "./amtool.ts";

const dir = tempDir("plue-alertmanager-failures-");
afterAll(() => dir.cleanup());

type People = "Slack and PagerDuty" | "Slack only" | "PagerDuty only" | "neither Slack nor PagerDuty";
type Integration = "slack" | "pagerduty" | "webhook";
const integrations: Integration[] = ["slack", "pagerduty", "webhook"];

/** Where a delivery failure of each integration goes, by which people-facing receivers exist. */
const failureReceiver: Record<People, Record<Integration, string>> = {
  "Slack and PagerDuty": { slack: "pagerduty", pagerduty: "slack", webhook: "slack" },
  "Slack only": { slack: "default", pagerduty: "slack", webhook: "slack" },
  "PagerDuty only": { slack: "pagerduty", pagerduty: "default", webhook: "pagerduty" },
  "neither Slack nor PagerDuty": { slack: "default", pagerduty: "default", webhook: "default" },
};

/** The receivers each integration's failure comes from: where it must not be sent back. */
const failingReceivers: Record<Integration, string[]> = {
  slack: ["slack"],
  pagerduty: ["pagerduty"],
  webhook: ["default", "heartbeat"],
};

interface Combination {
  people: People;
  slack: boolean;
  pagerduty: boolean;
  defaultWebhook: boolean;
  heartbeat: boolean;
}

const combinations: Combination[] = [];
for (const defaultWebhook of [false, true]) {
  for (const heartbeat of [false, true]) {
    combinations.push(
      { people: "neither Slack nor PagerDuty", slack: false, pagerduty: false, defaultWebhook, heartbeat },
      { people: "Slack only", slack: true, pagerduty: false, defaultWebhook, heartbeat },
      { people: "PagerDuty only", slack: false, pagerduty: true, defaultWebhook, heartbeat },
      { people: "Slack and PagerDuty", slack: true, pagerduty: true, defaultWebhook, heartbeat },
    );
  }
}
const describeCombination = (combination: Combination) =>
  `${combination.people}, default webhook ${combination.defaultWebhook ? "on" : "off"}, heartbeat ${combination.heartbeat ? "on" : "off"}`;

function configFor(combination: Combination) {
  const values: UserConfig = {
    ...(combination.slack ? { alertmanagerSlackWebhook: secretValues.alertmanagerSlackWebhook } : {}),
    ...(combination.pagerduty ? { alertmanagerPagerdutyKey: secretValues.alertmanagerPagerdutyKey } : {}),
    ...(combination.defaultWebhook
      ? { alertmanagerDefaultWebhookUrl: secretValues.alertmanagerDefaultWebhookUrl }
      : {}),
    ...(combination.heartbeat ? { alertmanagerHeartbeatUrl: secretValues.alertmanagerHeartbeatUrl } : {}),
  };
  return testConfig(values);
}

/** The labels the meta-alerts carry: one replica's failure, and every replica's. */
const replicaFailure = (integration: Integration, severity: string) => [
  "alertname=AlertmanagerFailedToSendAlerts",
  `integration=${integration}`,
  "job=alertmanager",
  "namespace=monitoring",
  "pod=alertmanager-0",
  "service=alertmanager",
  "instance=10.0.1.7:9093",
  `severity=${severity}`,
];
const clusterFailure = (integration: Integration, severity: string) => [
  "alertname=AlertmanagerClusterFailedToSendAlerts",
  `integration=${integration}`,
  "job=alertmanager",
  "namespace=monitoring",
  "service=alertmanager",
  `severity=${severity}`,
];

const failureAlerts = integrations.flatMap((integration) =>
  ["critical", "warning"].flatMap((severity) => [
    { integration, labels: replicaFailure(integration, severity) },
    { integration, labels: clusterFailure(integration, severity) },
  ]),
);

/**
 * Meta-alerts that are no delivery failure, labelled as src/rules builds them (severities as there
 * today; the routes depend on severity alone): they take the usual severity routes.
 */
const otherMetaAlerts = {
  AlertmanagerClusterDown: [
    "job=alertmanager",
    "namespace=monitoring",
    "service=alertmanager",
    "severity=critical",
  ],
  AlertmanagerMembersInconsistent: [
    "job=alertmanager",
    "namespace=monitoring",
    "pod=alertmanager-1",
    "service=alertmanager",
    "instance=10.0.1.8:9093",
    "severity=warning",
  ],
  AlertmanagerFailedReload: [
    "job=alertmanager",
    "namespace=monitoring",
    "pod=alertmanager-1",
    "severity=warning",
  ],
  ConfigReloaderSidecarErrors: [
    "namespace=monitoring",
    "pod=prometheus-0",
    "service=prometheus",
    "severity=warning",
  ],
  PrometheusBadConfig: ["job=prometheus", "namespace=monitoring", "pod=prometheus-0", "severity=warning"],
  PrometheusNotConnectedToAlertmanagers: ["job=prometheus", "namespace=monitoring", "severity=critical"],
  PrometheusErrorSendingAlertsToAnyAlertmanager: [
    "job=prometheus",
    "namespace=monitoring",
    "severity=critical",
  ],
  TargetDown: ["job=alertmanager", "namespace=monitoring", "service=alertmanager", "severity=warning"],
  // An `integration` label alone makes no delivery failure: the routes match the alertname too.
  SomeOtherAlert: ["integration=slack", "severity=critical"],
} as const;

function severityReceivers(severity: string, on: { slack: boolean; pagerduty: boolean }): string[] {
  const people =
    severity === "critical"
      ? [...(on.pagerduty ? ["pagerduty"] : []), ...(on.slack ? ["slack"] : [])]
      : severity === "warning" && on.slack
        ? ["slack"]
        : [];
  return people.length > 0 ? people.sort() : ["default"];
}

/** Routes every failure and meta-alert through the file and checks where each lands. */
async function expectRoutes(path: string, people: People, on: { slack: boolean; pagerduty: boolean }) {
  await Promise.all([
    ...failureAlerts.map(async ({ integration, labels }) => {
      const got = await routesTest(path, labels);
      const context = `${labels.join(",")} (${people})`;
      expect(got, context).toEqual([failureReceiver[people][integration]]);
      // Never back to the receiver that failed — except a webhook failure with neither Slack nor
      // PagerDuty: then the default webhook is the only receiver left (docs/alerting.md).
      const unavoidable = integration === "webhook" && people === "neither Slack nor PagerDuty";
      const forbidden = failingReceivers[integration].filter((name) => !(unavoidable && name === "default"));
      for (const name of forbidden) expect(got, context).not.toContain(name);
    }),
    ...Object.entries(otherMetaAlerts).map(async ([alertname, labels]) => {
      const severity = labels.find((label) => label.startsWith("severity="))?.slice("severity=".length) ?? "";
      expect(await routesTest(path, [`alertname=${alertname}`, ...labels]), alertname).toEqual(
        severityReceivers(severity, on),
      );
    }),
  ]);
}

describe.each(combinations)("delivery failures with $people", (combination) => {
  it(`cluster (${describeCombination(combination)}): each failure reaches another receiver`, async () => {
    const { path } = writeConfig(dir.path, alertmanagerConfig(configFor(combination), cluster));
    await checkConfig(path);
    await expectRoutes(path, combination.people, combination);
  });

  it(`local (${describeCombination(combination)}): the same routes, every receiver being there`, async () => {
    const local = localDeployment(dir.path);
    const { path } = writeConfig(dir.path, alertmanagerConfig(configFor(combination), local));
    await checkConfig(path);
    await expectRoutes(path, "Slack and PagerDuty", { slack: true, pagerduty: true });
  });
});

describe("delivery-failure routes", () => {
  it("come right after the Watchdog, before the severity routes, group by integration and stop there", () => {
    const all = combinations.at(-1) as Combination;
    const routes = alertmanagerConfig(configFor(all), cluster).route.routes ?? [];
    expect(routes.map((route) => route.receiver)).toEqual([
      "heartbeat",
      "pagerduty",
      "slack",
      "slack",
      "pagerduty",
      "slack",
    ]);
    const matches = 'alertname=~"AlertmanagerFailedToSendAlerts|AlertmanagerClusterFailedToSendAlerts"';
    expect(routes.slice(1, 4)).toEqual(
      integrations.map((integration, index) => ({
        matchers: [matches, `integration="${integration}"`],
        receiver: ["pagerduty", "slack", "slack"][index],
        group_by: ["alertname", "namespace", "service", "integration"],
        continue: false,
      })),
    );
  });
});
