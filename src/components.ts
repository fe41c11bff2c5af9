// Names, ports and in-container paths shared by the scrape config, the Alertmanager config and the
// Kubernetes manifests, so the three always agree.
export const components = {
  prometheus: { name: "prometheus", port: 9090 },
  alertmanager: {
    name: "alertmanager",
    port: 9093,
    clusterPort: 9094,
    headlessService: "alertmanager-headless",
  },
  grafana: { name: "grafana", port: 3000 },
  kubeStateMetrics: { name: "kube-state-metrics", port: 8080, telemetryPort: 8081 },
  nodeExporter: { name: "node-exporter", port: 9100 },
  blackboxExporter: { name: "blackbox-exporter", port: 9115 },
  postgresExporter: { name: "postgres-exporter", port: 9187 },
  /** The prometheus-config-reloader sidecar: its own HTTP port (/healthz, /metrics) in the pods it serves. */
  configReloader: {
    name: "config-reloader",
    port: 8080,
    portName: "reloader-web",
    /** The components whose pods run it beside the server whose config it reloads. */
    sidecarOf: ["prometheus", "alertmanager"],
  },
} as const;

/** The pod label naming a pod's component (and its Service): app.kubernetes.io/name. */
export const COMPONENT_LABEL = "app.kubernetes.io/name";

/**
 * A StatefulSet's pod: Kubernetes names them <statefulset>-<ordinal>. The local stack names its
 * Alertmanager replicas the same way, so their `pod` labels match the cluster's.
 */
export function statefulSetPod(name: string, ordinal: number): string {
  return `${name}-${ordinal}`;
}

/** Where files are mounted inside the containers. */
export const mounts = {
  prometheusConfig: "/etc/prometheus/prometheus.yml",
  prometheusRules: "/etc/prometheus/rules",
  prometheusData: "/prometheus",
  serviceAccountToken: "/var/run/secrets/kubernetes.io/serviceaccount/token",
  serviceAccountCa: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
  /**
   * The remote-write credentials, one file each, from a Secret mounted into the Prometheus container
   * alone. Not below /etc/prometheus: that is a read-only volume, where no mount point can be made.
   */
  prometheusRemoteWriteSecrets: "/etc/prometheus-secrets/remote-write",
  alertmanagerConfig: "/etc/alertmanager/alertmanager.yml",
  /** One file per secret value (slack-webhook-url, pagerduty-routing-key, …), from a Secret. */
  alertmanagerSecrets: "/etc/alertmanager/secrets",
  alertmanagerData: "/alertmanager",
  blackboxConfig: "/etc/blackbox/blackbox.yml",
  grafanaProvisioning: "/etc/grafana/provisioning",
  grafanaDashboards: "/var/lib/grafana/dashboards",
} as const;

/**
 * What a remote-write entry's credential files are named after: its name, or remote-write-<index>
 * for an entry without one (the config refuses a name that another entry goes by this way).
 */
export function remoteWriteKey(name: string | undefined, index: number): string {
  return name ?? `remote-write-${index}`;
}

/**
 * A remote-write credential's file name under mounts.prometheusRemoteWriteSecrets. Entry names
 * cannot hold ".", so no two entries' files collide.
 */
export function remoteWriteFile(key: string, credential: "password" | "bearer-token"): string {
  return `${key}.${credential}`;
}
