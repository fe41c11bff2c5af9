// Grafana's own /metrics (HTTP requests, datasource queries, alerting): served on its HTTP port
// without credentials (src/kubernetes/grafana.ts). The local stack runs no Grafana: no job there.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { Deployment } from "../../deployment.ts";
import type { JobSpec } from "./types.ts";

export function grafanaJobs(config: StackConfig, deployment: Deployment): JobSpec[] {
  if (deployment.kind === "local") return [];
  const { name, port } = components.grafana;
  return [
    {
      job: "grafana",
      targets: {
        kind: "service",
        namespace: config.namespace,
        service: name,
        port,
        labels: ["namespace", "pod", "service"],
      },
    },
  ];
}
