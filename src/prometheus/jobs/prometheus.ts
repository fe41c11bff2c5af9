// Prometheus itself: rule evaluation failures, notification errors, TSDB health.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import { stackServiceTargets } from "./stack-service.ts";
import type { JobSpec } from "./types.ts";

export function prometheusJobs(config: StackConfig): JobSpec[] {
  return [
    {
      job: "prometheus",
      targets: stackServiceTargets(config, components.prometheus),
    },
  ];
}
