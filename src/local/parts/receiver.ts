// The remote-write receiver of `up --remote-write`: a second Prometheus on the same binary that only
// receives, standing in for a long-term store (Mimir, Thanos Receive, VictoriaMetrics). The local
// Prometheus writes to it through a remote_write entry of the local stack's own, never the user's
// remoteWrite (which admits only https), so a receiver outage can be shown to lose nothing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../../config/schema.ts";
import type { RemoteWriteReceiverControls } from "../faults.ts";
import { PORT_FLAGS } from "../ports.ts";
import type { StackContext, StackPart } from "../stack.ts";
import type { LocalTopology } from "../topology.ts";
import { PROMETHEUS_BINARY } from "./prometheus.ts";

/** The local entry's name: remote_name on the queue's metrics and on PrometheusRemoteWriteBehind. */
export const LOCAL_RECEIVER_NAME = "local-receiver";

/**
 * The remote_write entry for the receiver, or none when it does not run. Sent batches wait at most
 * 1s and retries back off at most 1s: the defaults (5s each, DefaultQueueConfig in
 * prometheus/prometheus config/config.go@v2.42.0) would be 5 simulated minutes at time scale 60,
 * longer than PrometheusRemoteWriteBehind's 2-minute threshold, which scales with the stack.
 */
export function localReceiverEntry(topology: LocalTopology): StackConfig["remoteWrite"] {
  if (topology.receiver === undefined) return [];
  return [
    {
      // The receiver's push path (docs/querying/api.md "Remote Write Receiver"@v2.42.0).
      url: `http://${topology.host}:${topology.receiver}/api/v1/write`,
      name: LOCAL_RECEIVER_NAME,
      queue: { batchSendDeadline: "1s", maxBackoff: "1s" },
    },
  ];
}

/**
 * The config the local Prometheus and its rules are built from: the user's, plus the receiver's entry.
 * Its remote-write rules (PrometheusRemoteWriteBehind …) exist only with an entry, so they come with it.
 */
export function withLocalReceiver(config: StackConfig, topology: LocalTopology): StackConfig {
  const local = localReceiverEntry(topology);
  return local.length === 0 ? config : { ...config, remoteWrite: [...config.remoteWrite, ...local] };
}

export const receiverPart: StackPart = {
  name: "remote-write-receiver",
  async start(context: StackContext) {
    const { host, receiver: port } = context.deployment.topology;
    if (port === undefined) return;
    const { supervisor } = context;
    const dir = supervisor.dir("receiver");
    const configFile = join(dir, "prometheus.yml");
    // It scrapes nothing: every series it holds came by remote write.
    writeFileSync(configFile, "global: {}\n");
    const name = "remote-write-receiver";
    const url = `http://${host}:${port}`;
    await supervisor.start({
      name,
      command: PROMETHEUS_BINARY,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${supervisor.dir("receiver/data")}`,
        `--web.listen-address=${host}:${port}`,
        // The receiver flag of 2.42 and 3.x alike (`prometheus --help`; the older
        // --enable-feature=remote-write-receiver is gone in 3.0).
        "--web.enable-remote-write-receiver",
        "--log.level=warn",
      ],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      ports: [{ host, port, flag: PORT_FLAGS.receiver.flag }],
      readiness: { kind: "http", url: `${url}/-/ready` },
    });
    const controls: RemoteWriteReceiverControls = {
      url,
      stop: () => supervisor.stop(name),
      start: () => supervisor.restart(name),
    };
    context.receiverControls = controls;
    context.urls.push({ name: "Remote-write receiver (Prometheus graph)", url: `${url}/classic/graph` });
  },
};
