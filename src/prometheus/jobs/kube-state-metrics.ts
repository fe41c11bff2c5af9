// kube-state-metrics: the state of Kubernetes objects (pods, deployments, nodes, volumes).
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { JobSpec } from "./types.ts";

export function kubeStateMetricsJobs(config: StackConfig): JobSpec[] {
  const { name, port } = components.kubeStateMetrics;
  return [
    {
      job: "kube-state-metrics",
      // Its series describe other objects: their namespace and pod must not be overwritten by the
      // exporter's own, and no target label is added (kube_node_* would otherwise gain a namespace).
      honorLabels: true,
      targets: { kind: "service", namespace: config.namespace, service: name, port, labels: [] },
    },
  ];
}
