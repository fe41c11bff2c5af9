// Where each part of the local stack listens. Every port is a flag of `plue-monitoring up`; these
// are the defaults (the seed's ports for Plue's services and Prometheus/Alertmanager).
export interface LocalTopology {
  host: string;
  prometheus: number;
  /** One port per Alertmanager replica (HTTP); each also gossips on its port + 1. */
  alertmanagers: number[];
  nodeExporter: number;
  blackboxExporter: number;
  postgresExporter: number;
  postgres: number;
  api: number;
  web: number;
  electric: number;
  /**
   * Serves what kube-state-metrics, the kubelet and cAdvisor would for the simulated cluster:
   *   /kube-state-metrics/metrics, /nodes/<node>/metrics (kubelet), /nodes/<node>/metrics/cadvisor
   */
  clusterSimulator: number;
  /** Node names of the simulated cluster; the first is this machine (node-exporter runs here). */
  nodes: string[];
  /**
   * Receives every notification: the default webhook, and Slack, PagerDuty and heartbeat stand-ins.
   * The local alertmanager.yml posts to /<receiver>: /default and /heartbeat (webhook payloads),
   * /slack (Slack messages), /pagerduty (Events API v2 events); see src/alertmanager/receivers.ts.
   */
  inbox: number;
  /** A local HTTPS endpoint with a real certificate, probed like https://<domain>. */
  tlsEndpoint: number;
  /** The running stack's control API: `plue-monitoring fault` applies and clears faults through it. */
  control: number;
  /**
   * A second Prometheus that receives the first one's remote write (`up --remote-write`), standing in
   * for a long-term store; absent when the stack runs without it.
   */
  receiver?: number;
}

/** Where the remote-write receiver listens unless `--receiver-port` moves it. */
export const DEFAULT_RECEIVER_PORT = 9091;

export const defaultTopology: LocalTopology = {
  host: "127.0.0.1",
  prometheus: 9090,
  alertmanagers: [9093, 9095],
  nodeExporter: 9100,
  blackboxExporter: 9115,
  postgresExporter: 9187,
  postgres: 55432,
  api: 4000,
  web: 5173,
  electric: 3000,
  clusterSimulator: 9180,
  nodes: ["plue-node-1", "plue-node-2"],
  inbox: 9181,
  tlsEndpoint: 9443,
  control: 9182,
};
