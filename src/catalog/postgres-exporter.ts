// postgres_exporter (prometheus-community): database-side health of Plue's PostgreSQL.
import type { CatalogMetric } from "./types.ts";

const job = ["postgres-exporter"] as const;

export const postgresExporterMetrics: readonly CatalogMetric[] = [
  {
    name: "pg_up",
    type: "gauge",
    labels: [],
    jobs: job,
    help: "1 when the exporter's last query to PostgreSQL succeeded, 0 when it could not connect",
  },
  {
    name: "pg_stat_activity_count",
    type: "gauge",
    labels: ["datname", "state"],
    jobs: job,
    help: "Connections per database and state (active, idle, idle in transaction, …)",
  },
  {
    name: "pg_settings_max_connections",
    type: "gauge",
    labels: [],
    jobs: job,
    help: "The server's max_connections setting",
  },
];
