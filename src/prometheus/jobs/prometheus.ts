// Prometheus itself: rule evaluation failures, notification errors, TSDB health.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { JobSpec } from "./types.ts";

export function prometheusJobs(config: StackConfig): JobSpec[] {
  const { name, port } = components.prometheus;
  return [
    {
      job: "prometheus",
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
