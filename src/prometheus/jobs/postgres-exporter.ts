// postgres_exporter: database-side health (pg_up, connections). In a cluster it is deployed only
// when a DSN is configured; the local stack always runs one.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { Deployment } from "../../deployment.ts";
import { stackServiceTargets } from "./stack-service.ts";
import type { JobSpec } from "./types.ts";

export function postgresExporterJobs(config: StackConfig, deployment: Deployment): JobSpec[] {
  if (deployment.kind === "cluster" && config.postgresExporterDsn === "") return [];
  return [
    {
      job: "postgres-exporter",
      // With PostgreSQL out of reach, postgres_exporter (0.11 to 0.20) retries for 1s before it answers pg_up 0,
      // and serializes scrapes meanwhile: a shorter scrape times out and pg_up 0 is never seen.
      minScrapeInterval: "2s",
      targets: stackServiceTargets(config, components.postgresExporter),
    },
  ];
}
