// The routing walk behind synth's delivery warnings agrees with Alertmanager's own (amtool config
// routes test) for every alert the rules define, under each combination of receivers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deliveryWarnings, receiversFor } from "../../src/alertmanager/delivery.ts";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import type { UserConfig } from "../../src/config/schema.ts";
import { cluster } from "../../src/deployment.ts";
import { toYaml } from "../../src/render.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { isAlertRule } from "../../src/rules/types.ts";
import { secretValues, testConfig } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const dir = tempDir("plue-delivery-");
afterAll(() => dir.cleanup());

const receiverSets: Record<string, UserConfig> = {
  nothing: {},
  "PagerDuty alone": { alertmanagerPagerdutyKey: secretValues.alertmanagerPagerdutyKey },
  "Slack alone": { alertmanagerSlackWebhook: secretValues.alertmanagerSlackWebhook },
  "the default webhook alone": { alertmanagerDefaultWebhookUrl: secretValues.alertmanagerDefaultWebhookUrl },
  everything: { ...secretValues },
};

/** What amtool says an alert with these labels is routed to. */
async function amtoolReceivers(file: string, labels: Record<string, string>): Promise<string[]> {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
  const result = await runCommand("amtool", ["config", "routes", "test", `--config.file=${file}`, ...pairs]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split(",");
}

describe("receiversFor", () => {
  it.each(Object.entries(receiverSets))(
    "routes as Alertmanager does with %s configured",
    async (name, set) => {
      const config = testConfig(set);
      const am = alertmanagerConfig(config, cluster);
      const file = join(dir.path, `${name.replaceAll(" ", "-")}.yml`);
      writeFileSync(file, toYaml(am));
      const alerts = ruleFiles(config).flatMap((rule) =>
        rule.groups.flatMap((group) => group.rules.filter(isAlertRule)),
      );
      // The routes read alertname, severity and integration: one alert per distinct combination.
      const distinct = new Map(
        alerts.map((alert) => {
          const labels: Record<string, string> = { alertname: alert.alert, ...alert.labels };
          const special = /Watchdog|FailedToSendAlerts/.test(alert.alert) ? alert.alert : "";
          return [`${special}/${labels.severity}`, labels];
        }),
      );
      const failures = ["slack", "pagerduty", "webhook"].map((integration) => ({
        alertname: "AlertmanagerClusterFailedToSendAlerts",
        severity: "critical",
        integration,
      }));
      const cases = [...distinct.values(), ...failures];
      expect(cases.length).toBeGreaterThanOrEqual(5);
      for (const labels of cases) {
        expect(receiversFor(am.route, labels), JSON.stringify(labels)).toEqual(
          await amtoolReceivers(file, labels),
        );
      }
    },
  );
});

describe("deliveryWarnings", () => {
  it("names each severity that reaches no receiver, and the key that would deliver it", () => {
    const nothing = deliveryWarnings(testConfig());
    expect(nothing).toHaveLength(3);
    expect(nothing[0]).toMatch(
      /^warning: critical alerts .* alertmanagerPagerdutyKey, alertmanagerSlackWebhook or/,
    );
    const pagerdutyAlone = deliveryWarnings(testConfig(receiverSets["PagerDuty alone"]));
    expect(pagerdutyAlone).toEqual([
      expect.stringMatching(
        /^warning: warning alerts .*; set alertmanagerSlackWebhook or alertmanagerDefaultWebhookUrl$/,
      ),
      expect.stringMatching(/^warning: the Watchdog .*; set alertmanagerHeartbeatUrl$/),
    ]);
    expect(deliveryWarnings(testConfig(receiverSets.everything))).toEqual([]);
  });

  it("never prints a secret", () => {
    const lines = deliveryWarnings(testConfig(receiverSets["PagerDuty alone"])).join("\n");
    for (const secret of Object.values(secretValues)) expect(lines).not.toContain(secret);
  });
});
