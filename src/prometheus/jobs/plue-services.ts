// Plue's own services: api, web and electric on their seed ports, each its own job.
import { PLUE_SERVICE_PORTS, PLUE_SERVICES } from "../../catalog/plue-services.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { JobSpec } from "./types.ts";

export function plueServiceJobs(config: StackConfig): JobSpec[] {
  return PLUE_SERVICES.map((service) => ({
    job: service,
    targets: {
      kind: "service",
      namespace: config.appNamespace,
      service,
      port: PLUE_SERVICE_PORTS[service],
      // `service` equals the job: rules select by service, dashboards by job.
      labels: ["namespace", "pod", "service"],
    },
  }));
}
