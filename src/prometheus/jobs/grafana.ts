// Grafana's own /metrics (HTTP requests, datasource queries, alerting): served on its HTTP port
// without credentials (src/kubernetes/grafana.ts). The local stack runs no Grafana: no job there.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { Deployment } from "../../deployment.ts";
import { stackServiceTargets } from "./stack-service.ts";
import type { JobSpec } from "./types.ts";

export function grafanaJobs(config: StackConfig, deployment: Deployment): JobSpec[] {
  if (deployment.kind === "local") return [];
  return [
    {
      job: "grafana",
      targets: stackServiceTargets(config, components.grafana),
    },
  ];
}
