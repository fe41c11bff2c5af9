// postgres_exporter (prometheus-community): database-side health of Plue's PostgreSQL.
import type { CatalogMetric } from "./types.ts";

const job = ["postgres-exporter"] as const;

export const postgresExporterMetrics: readonly CatalogMetric[] = [
  {
    name: "pg_up",
    type: "gauge",
    labels: [],
    jobs: job,
    help: "1 when the exporter could connect to PostgreSQL (a ping) at its last scrape, 0 when it could not; failed queries do not lower it",
  },
  {
    name: "pg_stat_activity_count",
    type: "gauge",
    labels: ["datname", "state"],
    jobs: job,
    help: "Backends per database, state (active, idle, idle in transaction, …), user, application, backend type and wait event: sum by the labels you need",
  },
  {
    name: "pg_settings_max_connections",
    type: "gauge",
    labels: [],
    jobs: job,
    help: "The server's max_connections setting",
  },
];
