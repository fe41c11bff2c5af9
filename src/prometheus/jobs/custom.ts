// A team's scrape jobs (config.scrapeJobs): the endpoints of one Service each, with the same target
// labels as Plue's services (namespace, pod, service), so the team's rules read them the same way.
// Only the cluster has them: the local stack runs none of a team's services.
import type { StackConfig } from "../../config/schema.ts";
import type { Deployment } from "../../deployment.ts";
import type { JobSpec } from "./types.ts";

export function customScrapeJobs(config: StackConfig, deployment: Deployment): JobSpec[] {
  if (deployment.kind !== "cluster") return [];
  return config.scrapeJobs.map((job) => ({
    job: job.name,
    ...(job.path !== "/metrics" ? { metricsPath: job.path } : {}),
    targets: {
      kind: "service",
      namespace: job.namespace,
      service: job.service,
      port: job.port,
      labels: ["namespace", "pod", "service"],
    },
  }));
}
