// The local Prometheus: the local prometheus.yml (static targets on loopback) and the stack's rule
// files (the same builders as the cluster's, at the local Timing), on the real binary.
//
// The rules are loaded only once every target has answered a scrape. Prometheus applies its first
// targets up to 5s after it starts while it evaluates rules at once; at time scale 60 those 5s are
// 5 simulated minutes, longer than ServiceDown's `for`, and absent(up) would fire for every service.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_FILE } from "../../backup/manifest.ts";
import { durationMs } from "../../config/formats.ts";
import { isSecretReference } from "../../config/secret-reference.ts";
import { prometheusArgs, prometheusConfig, remoteWriteSecretFiles } from "../../prometheus/index.ts";
import { toYaml } from "../../render.ts";
import { ruleFiles } from "../../rules/index.ts";
import type { PrometheusControls } from "../faults.ts";
import { PORT_FLAGS } from "../ports.ts";
import type { StackContext, StackPart } from "../stack.ts";
import { delay } from "../supervisor.ts";
import { withLocalReceiver } from "./receiver.ts";

export const PROMETHEUS_BINARY = "/usr/bin/prometheus";

/**
 * How long Prometheus may take for something that happens once per `intervalMs` (a scrape, a rule
 * evaluation) after it applies its targets, up to 5s after it starts: two intervals and 20s more.
 * At time scale 1 an interval is 30s.
 */
const timeoutFor = (intervalMs: number) => 20_000 + 2 * intervalMs;

/** The Alertmanagers (URLs) that do not hold an active alert of this name. */
async function alertmanagersWithout(urls: readonly string[], alertname: string): Promise<string[]> {
  const holding = await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(`${url}/api/v2/alerts?filter=alertname%3D%22${alertname}%22`, {
          signal: AbortSignal.timeout(2_000),
        });
        return ((await response.json()) as unknown[]).length > 0;
      } catch {
        return false;
      }
    }),
  );
  return urls.filter((_, index) => !holding[index]);
}

interface TargetsResponse {
  data?: { activeTargets?: { scrapePool: string; scrapeUrl: string; health: string; lastError: string }[] };
}

/** Targets not (yet) scraped successfully, as "job url: error"; empty when all are up. */
export async function targetsDown(prometheusUrl: string): Promise<string[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, {
    signal: AbortSignal.timeout(2_000),
  });
  const targets = ((await response.json()) as TargetsResponse).data?.activeTargets ?? [];
  if (targets.length === 0) return ["no targets yet"];
  return targets
    .filter((target) => target.health !== "up")
    .map((target) => `${target.scrapePool} ${target.scrapeUrl}: ${target.lastError || target.health}`);
}

/** A rule that fails at every evaluation: `up` has many series on both sides of a one-to-one match. */
const FAILING_RULE_FILE = "fault-rule-failure.yaml";
const FAILING_RULE = {
  groups: [
    {
      name: "fault-rule-failure",
      rules: [{ record: "fault:up:many_to_many", expr: "up * on () up" }],
    },
  ],
};

/** What the faults do to the local Prometheus: break its config or its rules, and mend them. */
function prometheusControls(
  url: string,
  configFile: string,
  rulesDir: string,
  goodConfig: () => string,
): PrometheusControls {
  // A reload of an invalid config answers 500 and keeps the running one.
  const reload = () => fetch(`${url}/-/reload`, { method: "POST" }).then(() => {});
  return {
    async breakConfig() {
      writeFileSync(configFile, "global:\n  scrape_interval: not-a-duration\n", { mode: 0o600 });
      await reload();
    },
    async restoreConfig() {
      writeFileSync(configFile, goodConfig(), { mode: 0o600 });
      await reload();
    },
    async addFailingRule() {
      writeFileSync(join(rulesDir, FAILING_RULE_FILE), toYaml(FAILING_RULE));
      await reload();
    },
    async removeFailingRule() {
      rmSync(join(rulesDir, FAILING_RULE_FILE), { force: true });
      await reload();
    },
  };
}

export const prometheusPart: StackPart = {
  name: "prometheus",
  async start(context: StackContext) {
    const { deployment, supervisor } = context;
    // With `up --remote-write`, one more remote_write entry (the receiver) and the rules that watch it.
    const config = withLocalReceiver(context.config, deployment.topology);
    const { host, prometheus: port } = deployment.topology;
    // Empty until the targets answer: the rule_files glob matches nothing yet.
    mkdirSync(deployment.rulesDir, { recursive: true });
    const dir = supervisor.dir("prometheus");
    const configFile = join(dir, "prometheus.yml");
    // The config's remoteWrite is used here too: its credentials go to files of their own, as in a cluster.
    const remoteWriteSecretsDir = supervisor.dir("prometheus/remote-write");
    for (const [file, value] of Object.entries(remoteWriteSecretFiles(config))) {
      writeFileSync(join(remoteWriteSecretsDir, file), value, { mode: 0o600 });
    }
    // A credential kept in a Kubernetes Secret cannot be read here: its file is missing, sends fail.
    for (const [index, endpoint] of config.remoteWrite.entries()) {
      const credential = endpoint.basicAuth?.password ?? endpoint.bearerToken;
      if (isSecretReference(credential)) {
        context.progress(
          `prometheus: remoteWrite[${index}] (${endpoint.url}) takes its credential from Secret ${credential.secretName}, which the local stack cannot read, so sending to it fails; give a value (TF_VAR_remote_write or --set) instead`,
        );
      }
    }
    const localConfig = () => toYaml(prometheusConfig(config, deployment, { remoteWriteSecretsDir }));
    writeFileSync(configFile, localConfig(), { mode: 0o600 });
    const url = `http://${host}:${port}`;
    const dataDir = supervisor.dir("prometheus/data");
    if (context.restoreFrom !== undefined) {
      // A copy, never the backup itself: Prometheus compacts and deletes blocks in its data directory.
      cpSync(context.restoreFrom, dataDir, {
        recursive: true,
        filter: (source) => source !== join(context.restoreFrom as string, MANIFEST_FILE),
      });
      context.progress(`prometheus: starting on a copy of ${context.restoreFrom}`);
    }
    await supervisor.start({
      name: "prometheus",
      command: PROMETHEUS_BINARY,
      args: [
        ...prometheusArgs(config, deployment, { configFile, dataDir }),
        "--log.level=warn",
        // POST /api/v1/admin/tsdb/snapshot for `plue-monitoring backup`. It also enables deleting
        // series; acceptable here only because the local Prometheus listens on loopback alone.
        "--web.enable-admin-api",
      ],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      ports: [{ host, port, flag: PORT_FLAGS.prometheus.flag }],
      readiness: { kind: "http", url: `${url}/-/ready` },
    });

    const { timing } = deployment;
    const targetsTimeout = timeoutFor(durationMs(timing.duration(config.scrapeInterval)));
    const deadline = Date.now() + targetsTimeout;
    context.progress(
      `prometheus: waiting for every target's first scrape (every ${timing.duration(config.scrapeInterval)})`,
    );
    let down = await targetsDown(url).catch((error: Error) => [error.message]);
    while (down.length > 0 && Date.now() < deadline && !supervisor.shuttingDown) {
      await delay(200);
      down = await targetsDown(url).catch((error: Error) => [error.message]);
    }
    if (down.length > 0) {
      throw new Error(
        `Prometheus could not scrape every target within ${targetsTimeout / 1000}s:\n  ${down.join("\n  ")}`,
      );
    }
    await context.alertmanagersSettled;

    const files = ruleFiles(config, deployment.timing);
    for (const file of files) {
      writeFileSync(join(deployment.rulesDir, file.name), toYaml({ groups: file.groups }));
    }
    const reload = await fetch(`${url}/-/reload`, { method: "POST", signal: AbortSignal.timeout(10_000) });
    if (!reload.ok) throw new Error(`Prometheus refused the rules: ${(await reload.text()).trim()}`);
    const groups = files.reduce((count, file) => count + file.groups.length, 0);
    context.progress(`prometheus: scraping every target; ${groups} rule groups loaded`);

    // The whole alert path works once the always-firing Watchdog has reached every Alertmanager.
    const { host: amHost, alertmanagers } = deployment.topology;
    const alertmanagerUrls = alertmanagers.map((amPort) => `http://${amHost}:${amPort}`);
    const watchdogTimeout = timeoutFor(durationMs(timing.duration(config.evaluationInterval)));
    const watchdogDeadline = Date.now() + watchdogTimeout;
    let missing = await alertmanagersWithout(alertmanagerUrls, "Watchdog");
    while (missing.length > 0 && Date.now() < watchdogDeadline && !supervisor.shuttingDown) {
      await delay(200);
      missing = await alertmanagersWithout(alertmanagerUrls, "Watchdog");
    }
    if (missing.length > 0) {
      throw new Error(
        `the Watchdog did not reach ${missing.join(" and ")} within ${watchdogTimeout / 1000}s: see ${supervisor.logFile("prometheus")}`,
      );
    }
    context.progress(`prometheus: the Watchdog reached ${alertmanagers.length} Alertmanagers`);
    context.prometheusControls = prometheusControls(url, configFile, deployment.rulesDir, localConfig);
    context.urls.push(
      { name: "Prometheus (graph)", url: `${url}/classic/graph` },
      { name: "Prometheus (alerts)", url: `${url}/classic/alerts` },
    );
  },
};
