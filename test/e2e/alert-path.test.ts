// End to end on the real binaries: Prometheus with the local prometheus.yml evaluates the Watchdog,
// sends it to Alertmanager with the local alertmanager.yml, which delivers it to the heartbeat
// receiver, here an HTTP listener standing in for the notification inbox. Only the Watchdog is
// loaded, so the test does not depend on any other alert.
import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import { prometheusArgs, prometheusConfig } from "../../src/prometheus/index.ts";
import { toYaml } from "../../src/render.ts";
import { metaRules } from "../../src/rules/meta.ts";
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

const dir = tempDir("plue-alert-path-");
const running: RunningBinary[] = [];
let inbox: Server | undefined;

afterAll(async () => {
  await Promise.all(running.map((binary) => binary.stop()));
  await new Promise((resolve) => (inbox ? inbox.close(resolve) : resolve(undefined)));
  dir.cleanup();
});

describe("the alert path Prometheus → Alertmanager → receiver", () => {
  it("delivers the Watchdog to the heartbeat receiver, and to nobody else", async () => {
    const started = Date.now();
    const [prometheusPort, alertmanagerPort, inboxPort, api, web, electric, simulator, nodeExporter] =
      await Promise.all(Array.from({ length: 8 }, () => freePort()));
    const deployment = localDeployment(dir.path, {
      prometheus: prometheusPort,
      alertmanagers: [alertmanagerPort as number],
      inbox: inboxPort,
      api,
      web,
      electric,
      clusterSimulator: simulator,
      nodeExporter,
      nodes: ["node-a"],
    });
    const config = testConfig({ cluster: "e2e" });

    mkdirSync(deployment.rulesDir, { recursive: true });
    writeFileSync(
      join(deployment.rulesDir, "meta.yaml"),
      toYaml({ groups: [metaRules(config, deployment.timing)] }),
    );
    const prometheusYml = join(dir.path, "prometheus.yml");
    writeFileSync(prometheusYml, toYaml(prometheusConfig(config, deployment)));
    const alertmanagerYml = join(dir.path, "alertmanager.yml");
    writeFileSync(alertmanagerYml, toYaml(alertmanagerConfig(config, deployment)));

    const deliveries: WebhookDelivery[] = [];
    inbox = await startWebhookInbox(inboxPort as number, deliveries);
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
    const args = prometheusArgs(config, deployment, {
      configFile: prometheusYml,
      dataDir: join(dir.path, "prometheus"),
    });
    expect(args).toContain("--rules.alert.resend-delay=1s");
    running.push(
      await startBinary("prometheus", PROMETHEUS, args, `http://127.0.0.1:${prometheusPort}/-/ready`),
    );

    const heartbeat = await eventually(
      "the Watchdog at the heartbeat receiver",
      async () => deliveries.find((delivery) => delivery.path === "/heartbeat"),
      30_000,
      () => running.map((binary) => `--- ${binary.name}\n${binary.output()}`).join("\n"),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(heartbeat.body.receiver).toBe("heartbeat");
    expect(heartbeat.body.status).toBe("firing");
    expect(heartbeat.body.alerts).toHaveLength(1);
    expect(heartbeat.body.alerts?.[0]?.labels).toEqual({
      alertname: "Watchdog",
      severity: "none",
      cluster: "e2e",
    });
    expect(heartbeat.body.alerts?.[0]?.annotations.runbook_url).toMatch(/\/Watchdog\.md$/);

    // The local targets carry the labels the rules read (scrapes of absent services fail; labels stay).
    const targets = await eventually(
      "the local scrape targets",
      async () => {
        const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets`);
        const body = (await response.json()) as {
          data: { activeTargets: { scrapePool: string; labels: Record<string, string> }[] };
        };
        const active = body.data.activeTargets;
        return active.some((target) => target.scrapePool === "api") ? active : undefined;
      },
      15_000,
    );
    expect(targets.find((target) => target.scrapePool === "api")?.labels).toEqual({
      job: "api",
      instance: `127.0.0.1:${api}`,
      namespace: "plue",
      pod: "api-local",
      service: "api",
    });
    expect(targets.find((target) => target.scrapePool === "cadvisor")?.labels).toMatchObject({
      node: "node-a",
    });

    // Watchdog must never reach a person: nothing else arrived meanwhile.
    expect(deliveries.filter((delivery) => delivery.path !== "/heartbeat")).toEqual([]);
    console.log(`Watchdog reached the heartbeat receiver ${seconds.toFixed(1)} s after start`);
  }, 60_000);
});
