// The local Alertmanagers: one replica per topology port, clustered over loopback (each gossips on
// its port + 1), all reading the local alertmanager.yml, which delivers to the notification inbox.
// They settle (every replica sees all the others) while the rest of the stack starts; Prometheus
// sends them nothing before that, since a replica on its own would notify alone, and a notification
// could arrive twice. Prometheus scrapes each replica (job alertmanager) under the pod name it stands
// for, alertmanager-0, alertmanager-1, … as the cluster's StatefulSet names them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { alertmanagerConfig } from "../../alertmanager/index.ts";
import { components, statefulSetPod } from "../../components.ts";
import { toYaml } from "../../render.ts";
import { ALERTMANAGER_PORTS_FLAG } from "../ports.ts";
import type { StackContext, StackPart } from "../stack.ts";
import { delay } from "../supervisor.ts";

export const ALERTMANAGER_BINARY = "/usr/bin/prometheus-alertmanager";

/** How long the replicas may take to find each other and settle. */
const SETTLE_TIMEOUT_MS = 60_000;

const GOSSIP_INTERVAL = "50ms";

/** Each replica is named like the StatefulSet pod it stands for: its scrape target's `pod` label. */
export const alertmanagerName = (index: number) => statefulSetPod(components.alertmanager.name, index);

/**
 * How long a replica waits for the ones before it to send a notification, before it sends it itself.
 * Alertmanager's 15s is kept under the time scale, but never below 4s: a replica that did not wait
 * for its peer's notification and gossip would send it twice, and on a busy 2-core machine (the
 * stack, a remote-write receiver, the tests) 2s proved too short for both.
 */
export function peerTimeout(scale: number): string {
  return `${Math.max(4_000, Math.round(15_000 / scale))}ms`;
}

interface ClusterStatus {
  cluster?: { status?: string; peers?: { name: string; address: string }[] };
}

async function clusterStatus(url: string): Promise<ClusterStatus> {
  const response = await fetch(`${url}/api/v2/status`, { signal: AbortSignal.timeout(2_000) });
  return (await response.json()) as ClusterStatus;
}

async function waitSettled(urls: readonly string[], shuttingDown: () => boolean): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    if (shuttingDown()) throw new Error("the stack is shutting down");
    const statuses = await Promise.all(
      urls.map((url) => clusterStatus(url).catch(() => ({}) as ClusterStatus)),
    );
    const settled = statuses.every(
      (status) => status.cluster?.status === "ready" && (status.cluster.peers?.length ?? 0) === urls.length,
    );
    if (settled) return;
    if (Date.now() > deadline) {
      const states = statuses.map(
        (status, index) =>
          `${urls[index]} ${status.cluster?.status ?? "no answer"} with ${status.cluster?.peers?.length ?? 0} peers`,
      );
      throw new Error(
        `the Alertmanagers did not form a settled cluster of ${urls.length} within ${SETTLE_TIMEOUT_MS / 1000}s: ${states.join("; ")}`,
      );
    }
    await delay(200);
  }
}

export const alertmanagersPart: StackPart = {
  name: "alertmanagers",
  async start(context: StackContext) {
    const { host, alertmanagers } = context.deployment.topology;
    const dir = context.supervisor.dir("alertmanager");
    // One file per replica, so a fault can break one replica's config and leave the other's alone.
    const config = toYaml(alertmanagerConfig(context.config, context.deployment));
    const configFiles = alertmanagers.map((_, index) => join(dir, `alertmanager-${index}.yml`));
    const writeConfig = (index: number, text: string) =>
      writeFileSync(configFiles[index] as string, text, { mode: 0o600 });
    for (const index of configFiles.keys()) writeConfig(index, config);
    const urls = alertmanagers.map((port) => `http://${host}:${port}`);
    await Promise.all(
      alertmanagers.map((port, index) =>
        context.supervisor.start({
          name: alertmanagerName(index),
          command: ALERTMANAGER_BINARY,
          args: [
            `--config.file=${configFiles[index]}`,
            `--storage.path=${context.supervisor.dir(`alertmanager/data-${index}`)}`,
            `--web.listen-address=${host}:${port}`,
            `--cluster.listen-address=${host}:${port + 1}`,
            ...alertmanagers
              .filter((_, other) => other !== index)
              .map((peer) => `--cluster.peer=${host}:${peer + 1}`),
            `--cluster.peer-timeout=${peerTimeout(context.deployment.timing.scale)}`,
            // A replica counts as settled after polling its peers every 10 gossip intervals: 50ms
            // (not 200ms) settles in about 2s instead of 8s, and on loopback costs nothing.
            `--cluster.gossip-interval=${GOSSIP_INTERVAL}`,
            "--log.level=warn",
          ],
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
          ports: [
            { host, port, flag: ALERTMANAGER_PORTS_FLAG },
            { host, port: port + 1, flag: ALERTMANAGER_PORTS_FLAG },
          ],
          readiness: { kind: "http", url: `http://${host}:${port}/-/ready` },
        }),
      ),
    );
    const settled = waitSettled(urls, () => context.supervisor.shuttingDown).then(() =>
      context.progress(`alertmanagers: a settled cluster of ${urls.length}`),
    );
    // Awaited by the prometheus part; a failure until then must not count as unhandled.
    settled.catch(() => {});
    context.alertmanagersSettled = settled;
    const urlOf = (index: number) => {
      const url = urls[index];
      if (!url) throw new Error(`there is no Alertmanager ${index + 1}`);
      return url;
    };
    // A reload of an invalid file answers 500 and leaves the running config in place.
    const reload = (index: number) => fetch(`${urlOf(index)}/-/reload`, { method: "POST" }).then(() => {});
    context.alertmanagerControls = {
      async breakConfig(index) {
        writeConfig(index, "route:\n  receiver: a-receiver-that-does-not-exist\n");
        await reload(index);
      },
      async restoreConfig(index) {
        writeConfig(index, config);
        await reload(index);
      },
      stop: (index) => context.supervisor.stop(alertmanagerName(index)),
      start: (index) => context.supervisor.restart(alertmanagerName(index)),
    };
    urls.forEach((url, index) => {
      context.urls.push({ name: `Alertmanager ${index + 1} (API)`, url: `${url}/api/v2/alerts` });
    });
  },
};
