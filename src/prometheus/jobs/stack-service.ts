// The pods behind one of the monitoring stack's own Services, each a target labelled with its
// namespace, pod and Service: how Prometheus, the Alertmanagers, Grafana and postgres-exporter are found.
import type { StackConfig } from "../../config/schema.ts";
import type { ServiceTargets } from "../targets.ts";

export function stackServiceTargets(
  config: StackConfig,
  component: { readonly name: string; readonly port: number },
): ServiceTargets {
  return {
    kind: "service",
    namespace: config.namespace,
    service: component.name,
    port: component.port,
    labels: ["namespace", "pod", "service"],
  };
}
