// Where Prometheus sends alerts: every Alertmanager replica. Replicas deduplicate among themselves
// (gossip), so sending to all of them loses nothing when one is down.
//
// In a cluster every Prometheus replica evaluates every rule and sends every alert too. Alertmanager
// merges alerts only when their label sets are identical, so the label that tells the replicas apart
// is dropped from alerts (alert_relabel_configs run after external labels are added: Send in
// notifier/notifier.go of prometheus/prometheus v2.42.0, relabelAlerts in notifier/alert.go of
// v3.13.2); prometheus-operator drops its
// `prometheus_replica` the same way (pkg/prometheus/promcfg.go at v0.93.0). Everything else
// Prometheus hands on (remote write, federation) keeps it: a deduplicating store needs it.
import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";

/** The external label naming the replica; its value is the pod name (prometheus-0, prometheus-1, …). */
export const REPLICA_LABEL = "prometheus_replica";
/** The environment variable the pod name reaches Prometheus in (downward API, metadata.name). */
export const POD_NAME_ENV = "POD_NAME";

/**
 * The replica label, for the cluster only (the local stack runs one Prometheus). Prometheus replaces
 * ${VAR} in external label values with the environment variable: always since 3.0, behind
 * --enable-feature=expand-external-labels in 2.27 to 2.55 (CHANGELOG.md at v3.13.2, 3.0.0 "#14657"
 * and 2.27.0 "#8649"; config/config.go Load). Present whatever prometheusReplicas is, so scaling
 * from 1 to 2 does not change the identity of every series a remote store holds.
 */
export function replicaExternalLabels(deployment: Deployment): Record<string, string> {
  return deployment.kind === "cluster" ? { [REPLICA_LABEL]: `\${${POD_NAME_ENV}}` } : {};
}

/** host:port of each replica. In a cluster: the StatefulSet's pods behind the headless Service. */
export function alertmanagerAddresses(config: StackConfig, deployment: Deployment): string[] {
  if (deployment.kind === "local") {
    const { host, alertmanagers } = deployment.topology;
    return alertmanagers.map((port) => `${host}:${port}`);
  }
  const { name, headlessService, port } = components.alertmanager;
  return Array.from(
    { length: config.alertmanagerReplicas },
    (_, index) => `${name}-${index}.${headlessService}.${config.namespace}.svc:${port}`,
  );
}

export function alertingConfig(config: StackConfig, deployment: Deployment): Record<string, unknown> {
  const replicaLabels = Object.keys(replicaExternalLabels(deployment));
  return {
    ...(replicaLabels.length > 0
      ? { alert_relabel_configs: replicaLabels.map((label) => ({ action: "labeldrop", regex: label })) }
      : {}),
    alertmanagers: [
      { api_version: "v2", static_configs: [{ targets: alertmanagerAddresses(config, deployment) }] },
    ],
  };
}
