// A Prometheus pair notifies once. Two real Prometheus processes read the same prometheus.yml, with
// the cluster's external labels (the replica label from ${POD_NAME}, each process given its own pod
// name as the cluster's downward API does) and the cluster's alert relabeling, and evaluate the same
// always-firing alert; both send it to one real Alertmanager running the local alertmanager.yml,
// whose receivers are an HTTP listener here. Alertmanager merges the two only if their labels are
// identical: the pair must arrive as one alert in one notification, and stay one.
import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import { cluster } from "../../src/deployment.ts";
import { alertingConfig, REPLICA_LABEL } from "../../src/prometheus/alerting.ts";
import { prometheusArgs, prometheusConfig } from "../../src/prometheus/index.ts";
import { EXPAND_EXTERNAL_LABELS_ON_PROMETHEUS_2 } from "../../src/prometheus/v3-compat.ts";
import { toYaml } from "../../src/render.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { startWebhookInbox, type WebhookDelivery } from "../helpers/webhook-inbox.ts";
import { localDeployment } from "../prometheus/fixtures.ts";
import {
  ALERTMANAGER,
  eventually,
  PROMETHEUS,
  type RunningBinary,
  startBinary,
} from "../prometheus/processes.ts";

/** How many alerts a Prometheus has delivered to Alertmanager (summed over Alertmanagers). */
async function alertsSent(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("prometheus_notifications_sent_total"))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

const ALERT = "PrometheusPairProbe";
const dir = tempDir("plue-ha-pair-");
const running: RunningBinary[] = [];
let inbox: Server | undefined;

afterAll(async () => {
  await Promise.all(running.map((binary) => binary.stop()));
  await new Promise((resolve) => (inbox ? inbox.close(resolve) : resolve(undefined)));
  dir.cleanup();
});

describe("a Prometheus pair", () => {
  it("sends each alert from both replicas, and Alertmanager notifies it once, without the replica label", async () => {
    const started = Date.now();
    const [alertmanagerPort, inboxPort, ...prometheusPorts] = (await Promise.all(
      Array.from({ length: 4 }, () => freePort()),
    )) as [number, number, number, number];
    const config = testConfig({ cluster: "e2e", prometheusReplicas: 2 });
    const deployment = localDeployment(dir.path, { alertmanagers: [alertmanagerPort], inbox: inboxPort });

    // An alert that fires from the first evaluation, routed to the default receiver (neither critical
    // nor warning): group_wait 500ms, group_interval 5s, repeat_interval 4m.
    mkdirSync(deployment.rulesDir, { recursive: true });
    writeFileSync(
      join(deployment.rulesDir, "pair.yaml"),
      toYaml({
        groups: [
          { name: "pair", rules: [{ alert: ALERT, expr: "vector(1)", labels: { severity: "info" } }] },
        ],
      }),
    );
    // The cluster's external labels and alert relabeling; the local Alertmanager instead of the
    // cluster's; every second instead of every 30 seconds.
    const clusterYml = prometheusConfig(config, cluster) as {
      global: { external_labels: Record<string, string> };
      alerting: Record<string, unknown>;
    };
    expect(clusterYml.global.external_labels).toEqual({
      cluster: "e2e",
      [REPLICA_LABEL]: `\${POD_NAME}`,
    });
    const prometheusYml = join(dir.path, "prometheus.yml");
    writeFileSync(
      prometheusYml,
      toYaml({
        global: {
          scrape_interval: "1s",
          evaluation_interval: "1s",
          external_labels: clusterYml.global.external_labels,
        },
        rule_files: [`${deployment.rulesDir}/*.yaml`],
        alerting: { ...clusterYml.alerting, alertmanagers: alertingConfig(config, deployment).alertmanagers },
      }),
    );
    const alertmanagerYml = join(dir.path, "alertmanager.yml");
    const alertmanagerRoutes = alertmanagerConfig(config, deployment);
    writeFileSync(alertmanagerYml, toYaml(alertmanagerRoutes));
    const groupIntervalMs = 5_000;
    expect((alertmanagerRoutes.route as { group_interval: string }).group_interval).toBe("5s");

    const notifications: WebhookDelivery[] = [];
    inbox = await startWebhookInbox(inboxPort, notifications);
    running.push(
      await startBinary(
        "alertmanager",
        ALERTMANAGER,
        [
          `--config.file=${alertmanagerYml}`,
          `--storage.path=${join(dir.path, "alertmanager")}`,
          `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
          "--cluster.listen-address=",
        ],
        `http://127.0.0.1:${alertmanagerPort}/-/ready`,
      ),
    );
    const pods = prometheusPorts.map((port, ordinal) => ({ pod: `prometheus-${ordinal}`, port }));
    running.push(
      ...(await Promise.all(
        pods.map(({ pod, port }) => {
          const args = prometheusArgs(config, localDeployment(dir.path, { prometheus: port }), {
            configFile: prometheusYml,
            dataDir: join(dir.path, pod),
          });
          // The pod name arrives as the environment variable the StatefulSet sets from metadata.name.
          return startBinary(
            pod,
            "/usr/bin/env",
            [`POD_NAME=${pod}`, PROMETHEUS, ...args, EXPAND_EXTERNAL_LABELS_ON_PROMETHEUS_2],
            `http://127.0.0.1:${port}/-/ready`,
          );
        }),
      )),
    );
    const logs = () => running.map((binary) => `--- ${binary.name}\n${binary.output()}`).join("\n");

    // Each replica holds the alert under its own name: federation hands the replica label on.
    for (const { pod, port } of pods) {
      const federated = await eventually(
        `${ALERT} in the federation of ${pod}`,
        async () => {
          const query = encodeURIComponent(`ALERTS{alertname="${ALERT}",alertstate="firing"}`);
          const text = await (await fetch(`http://127.0.0.1:${port}/federate?match[]=${query}`)).text();
          return text.includes(ALERT) ? text : undefined;
        },
        20_000,
        logs,
      );
      expect(federated).toContain(`${REPLICA_LABEL}="${pod}"`);
    }

    const first = await eventually("the first notification", async () => notifications[0], 20_000, logs);
    // Both replicas have sent the alert by now; whatever they send for a group interval more must
    // change nothing at the receiver.
    const sentBefore = await eventually(
      "both replicas sending",
      async () => {
        const sent = await Promise.all(pods.map(({ port }) => alertsSent(port)));
        return sent.every((count) => count > 0) ? sent : undefined;
      },
      10_000,
      logs,
    );
    await new Promise((resolve) => setTimeout(resolve, groupIntervalMs + 2_000));
    const sentAfter = await Promise.all(pods.map(({ port }) => alertsSent(port)));
    expect(
      sentAfter.every((count, replica) => count > (sentBefore[replica] as number)),
      `both replicas kept sending: ${sentBefore} then ${sentAfter}`,
    ).toBe(true);

    const alertLabels = { alertname: ALERT, severity: "info", cluster: "e2e" };
    expect(
      notifications.map(({ path, body }) => ({
        path,
        status: body.status,
        alerts: body.alerts?.map((alert) => alert.labels),
      })),
      "one notification, holding one alert",
    ).toEqual([{ path: "/default", status: "firing", alerts: [alertLabels] }]);
    const alerts = (await (
      await fetch(`http://127.0.0.1:${alertmanagerPort}/api/v2/alerts?filter=alertname%3D"${ALERT}"`)
    ).json()) as { labels: Record<string, string> }[];
    expect(alerts.map((alert) => alert.labels)).toEqual([
      { alertname: ALERT, severity: "info", cluster: "e2e" },
    ]);
    console.log(
      `one notification ${((first.receivedAt - started) / 1000).toFixed(1)} s after start, then none for ${(groupIntervalMs + 2_000) / 1000} s while the replicas sent ${sentAfter.join(" and ")} alerts`,
    );
  }, 60_000);
});
