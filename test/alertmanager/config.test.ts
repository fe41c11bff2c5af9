// alertmanager.yml as amtool reads and routes it, for every combination of configured receivers,
// in a cluster and locally. Expected receivers are written out here, not derived from the code.
import { afterAll, describe, expect, it } from "vitest";
import { alertmanagerConfig, alertmanagerSecretFiles } from "../../src/alertmanager/index.ts";
import type { UserConfig } from "../../src/config/schema.ts";
import { cluster, type Deployment } from "../../src/deployment.ts";
import { secretValues, testConfig } from "../helpers/config.ts";
import { tempDir } from "../helpers/system.ts";
import { localDeployment } from "../prometheus/fixtures.ts";
import { checkConfig, routesTest, writeConfig } from "./amtool.ts";

const dir = tempDir("plue-alertmanager-config-");
afterAll(() => dir.cleanup());

interface Combination {
  name: string;
  slack: boolean;
  pagerduty: boolean;
  webhooks: boolean;
}

const combinations: Combination[] = [];
for (const webhooks of [false, true]) {
  combinations.push(
    { name: "none", slack: false, pagerduty: false, webhooks },
    { name: "Slack only", slack: true, pagerduty: false, webhooks },
    { name: "PagerDuty only", slack: false, pagerduty: true, webhooks },
    { name: "Slack and PagerDuty", slack: true, pagerduty: true, webhooks },
  );
}
const label = (combination: Combination) =>
  `${combination.name}, ${combination.webhooks ? "with" : "without"} default and heartbeat webhooks`;

function configFor(combination: Combination) {
  const values: UserConfig = {
    alertmanagerSlackChannel: "#plue-alerts",
    ...(combination.slack ? { alertmanagerSlackWebhook: secretValues.alertmanagerSlackWebhook } : {}),
    ...(combination.pagerduty ? { alertmanagerPagerdutyKey: secretValues.alertmanagerPagerdutyKey } : {}),
    ...(combination.webhooks
      ? {
          alertmanagerDefaultWebhookUrl: secretValues.alertmanagerDefaultWebhookUrl,
          alertmanagerHeartbeatUrl: secretValues.alertmanagerHeartbeatUrl,
        }
      : {}),
  };
  return testConfig(values);
}

const inboxPort = 19181;
const local = localDeployment(dir.path, { inbox: inboxPort });
function render(combination: Combination, deployment: Deployment) {
  return writeConfig(dir.path, alertmanagerConfig(configFor(combination), deployment));
}

const alerts = {
  critical: ["alertname=CriticalCPUUsage", "severity=critical", "pair=cpu", "namespace=plue", "pod=api-1"],
  warning: ["alertname=HighCPUUsage", "severity=warning", "pair=cpu", "namespace=plue", "pod=api-1"],
  info: ["alertname=SomethingToKnow", "severity=info", "namespace=plue"],
  unlabelled: ["alertname=NoSeverity"],
  watchdog: ["alertname=Watchdog", "severity=none"],
} as const;

/** Which receivers each alert reaches, as the seed README describes it. */
function expectedReceivers(alert: keyof typeof alerts, on: { slack: boolean; pagerduty: boolean }): string[] {
  if (alert === "watchdog") return ["heartbeat"];
  if (alert === "critical") {
    const people = [...(on.pagerduty ? ["pagerduty"] : []), ...(on.slack ? ["slack"] : [])];
    return people.length > 0 ? people : ["default"];
  }
  if (alert === "warning") return on.slack ? ["slack"] : ["default"];
  return ["default"];
}

const slackContent = (delivery: Record<string, string>) => ({
  name: "slack",
  slack_configs: [
    {
      ...delivery,
      channel: "#plue-alerts",
      title: "{{ .GroupLabels.alertname }}",
      text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}",
      send_resolved: true,
    },
  ],
});

const pagerdutyContent = (delivery: Record<string, string>) => ({
  name: "pagerduty",
  pagerduty_configs: [
    {
      ...delivery,
      description:
        "{{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ .GroupLabels.alertname }}: {{ len .Alerts }} alerts{{ end }}",
      severity: "{{ .CommonLabels.severity }}",
      send_resolved: true,
    },
  ],
});

const webhookContent = (name: string, url: string | undefined, sendResolved: boolean) =>
  url ? { name, webhook_configs: [{ url, send_resolved: sendResolved }] } : { name };

/** Every receiver's full content in a cluster: secrets as file references, nothing unconfigured. */
function clusterReceivers(combination: Combination): Record<string, unknown> {
  return {
    default: webhookContent(
      "default",
      combination.webhooks ? secretValues.alertmanagerDefaultWebhookUrl : undefined,
      true,
    ),
    heartbeat: webhookContent(
      "heartbeat",
      combination.webhooks ? secretValues.alertmanagerHeartbeatUrl : undefined,
      false,
    ),
    ...(combination.pagerduty
      ? {
          pagerduty: pagerdutyContent({
            routing_key_file: "/etc/alertmanager/secrets/pagerduty-routing-key",
          }),
        }
      : {}),
    ...(combination.slack
      ? { slack: slackContent({ api_url_file: "/etc/alertmanager/secrets/slack-webhook-url" }) }
      : {}),
  };
}

/** Locally every receiver exists and delivers to the inbox; no real secret is written. */
const inbox = (path: string) => `http://127.0.0.1:${inboxPort}/${path}`;
const localReceivers: Record<string, unknown> = {
  default: webhookContent("default", inbox("default"), true),
  heartbeat: webhookContent("heartbeat", inbox("heartbeat"), false),
  pagerduty: pagerdutyContent({ routing_key: "local-inbox-stand-in-routing-key", url: inbox("pagerduty") }),
  slack: slackContent({ api_url: inbox("slack") }),
};

describe.each(combinations)("alertmanager.yml with $name", (combination) => {
  it(`cluster (${label(combination)}): amtool accepts it and routes each severity to the right receivers`, async () => {
    const { path, yml } = render(combination, cluster);
    await checkConfig(path);
    const expected = clusterReceivers(combination);
    // A receiver exists only when configured: no placeholders.
    expect(yml.receivers.map((receiver) => receiver.name).sort()).toEqual(Object.keys(expected).sort());
    for (const [alert, labels] of Object.entries(alerts)) {
      const want = expectedReceivers(alert as keyof typeof alerts, combination);
      expect(await routesTest(path, labels), alert).toEqual([...want].sort());
      for (const name of want) {
        expect(yml.receivers.find((receiver) => receiver.name === name)).toEqual(expected[name]);
      }
    }
  });

  it(`local (${label(combination)}): every receiver delivers to the inbox`, async () => {
    const { path, yml } = render(combination, local);
    await checkConfig(path);
    expect(yml.receivers.map((receiver) => receiver.name).sort()).toEqual(Object.keys(localReceivers).sort());
    for (const [alert, labels] of Object.entries(alerts)) {
      const want = expectedReceivers(alert as keyof typeof alerts, { slack: true, pagerduty: true });
      expect(await routesTest(path, labels), alert).toEqual([...want].sort());
      for (const name of want) {
        expect(yml.receivers.find((receiver) => receiver.name === name)).toEqual(localReceivers[name]);
      }
    }
  });
});

describe("alertmanager.yml grouping and secrets", () => {
  it("groups by alertname, namespace and service with real-time intervals in a cluster, scaled locally", () => {
    const all = combinations.at(-1) as Combination;
    const clusterRoute = alertmanagerConfig(configFor(all), cluster).route;
    expect(clusterRoute).toMatchObject({
      receiver: "default",
      group_by: ["alertname", "namespace", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    });
    expect(clusterRoute.routes?.[0]).toEqual({
      matchers: ['alertname="Watchdog"'],
      receiver: "heartbeat",
      group_interval: "1m",
      repeat_interval: "5m",
    });
    const localRoute = alertmanagerConfig(configFor(all), local).route;
    expect(localRoute).toMatchObject({ group_wait: "500ms", group_interval: "5s", repeat_interval: "4m" });
    expect(localRoute.routes?.[0]).toMatchObject({ group_interval: "1s", repeat_interval: "5s" });
  });

  it("names the secret files the Kubernetes Secret holds, only the configured ones", () => {
    expect(alertmanagerSecretFiles(testConfig())).toEqual({});
    expect(alertmanagerSecretFiles(configFor(combinations[1] as Combination))).toEqual({
      "slack-webhook-url": secretValues.alertmanagerSlackWebhook,
    });
    expect(alertmanagerSecretFiles(configFor(combinations.at(-1) as Combination))).toEqual({
      "slack-webhook-url": secretValues.alertmanagerSlackWebhook,
      "pagerduty-routing-key": secretValues.alertmanagerPagerdutyKey,
    });
  });
});
