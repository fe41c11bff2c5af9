// Where Prometheus sends alerts: every Alertmanager replica. Replicas deduplicate among themselves
// (gossip), so sending to all of them loses nothing when one is down.
import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";

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
  return {
    alertmanagers: [
      { api_version: "v2", static_configs: [{ targets: alertmanagerAddresses(config, deployment) }] },
    ],
  };
}
