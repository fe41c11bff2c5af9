// node-exporter: one per node (DaemonSet); `node` is the Kubernetes node name, so node-exporter
// series join kube-state-metrics' node series.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { JobSpec } from "./types.ts";

export function nodeExporterJobs(config: StackConfig): JobSpec[] {
  const { name, port } = components.nodeExporter;
  return [
    {
      job: "node-exporter",
      targets: { kind: "service", namespace: config.namespace, service: name, port, labels: ["node"] },
    },
  ];
}
