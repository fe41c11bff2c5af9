// DatabaseConnectionFailure, HighDatabaseConnections.
import { healthyUp, plueTarget, postgresExporterTarget } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, series } from "../promtool.ts";

const span = (minutes: number) => minutes * 2 + 1;

const pgUp = (values: string) => series("pg_up", postgresExporterTarget, values);
const maxConnections = (value: number, samples: number) =>
  series("pg_settings_max_connections", postgresExporterTarget, segments([value, samples]));

const STATES = [
  "active",
  "idle",
  "idle in transaction",
  "idle in transaction (aborted)",
  "fastpath function call",
  "disabled",
];

/** pg_stat_activity_count as postgres_exporter reports it: every database × every state, 0 when none. */
function connections(counts: Record<string, Record<string, number>>, samples: number) {
  return ["plue", "postgres", "template0", "template1"].flatMap((datname) =>
    STATES.map((state) =>
      series(
        "pg_stat_activity_count",
        { ...postgresExporterTarget, datname, state },
        segments([counts[datname]?.[state] ?? 0, samples]),
      ),
    ),
  );
}

const connectionErrors = (values: string) =>
  series("db_client_connection_errors_total", plueTarget("api"), values);

const unreachable: ExpectedAlert = {
  labels: { job: "postgres-exporter", instance: "10.244.2.31:9187", severity: "critical" },
  annotations: {
    summary: "PostgreSQL is unreachable",
    description:
      "postgres_exporter (10.244.2.31:9187) has been unable to connect to PostgreSQL for 2 minutes.",
  },
};

const apiFailing = (perMinute: string): ExpectedAlert => ({
  labels: { namespace: "plue", service: "api", severity: "critical" },
  annotations: {
    summary: "api cannot connect to the database",
    description: `Connection attempts from plue/api to the database have been failing for 2 minutes (${perMinute} failures per minute).`,
  },
});

const highConnections = (percent: string): ExpectedAlert => ({
  labels: { job: "postgres-exporter", instance: "10.244.2.31:9187", severity: "warning" },
  annotations: {
    summary: `PostgreSQL uses ${percent} of max_connections`,
    description: `PostgreSQL (10.244.2.31:9187) has ${percent} of max_connections in use (alert above 80%). When it reaches the limit, new connections are refused.`,
  },
});

export const databaseCases: RuleCase[] = [
  {
    name: "postgres_exporter unable to connect for 2 minutes fires",
    series: [pgUp(segments([1, 10], [0, span(10)])), maxConnections(100, 10)],
    checks: [
      ...quiet("6m", "DatabaseConnectionFailure"),
      fires("7m30s", "DatabaseConnectionFailure", unreachable),
    ],
  },
  {
    name: "a service whose connection attempts keep failing fires",
    series: [
      pgUp(segments([1, span(15)])),
      connectionErrors(`${segments([0, 10])} 1+1x20`),
      ...healthyUp(span(15)),
    ],
    checks: [
      ...quiet("6m", "DatabaseConnectionFailure"),
      fires("8m", "DatabaseConnectionFailure", apiFailing("2")),
    ],
  },
  {
    name: "a single failed connection attempt does not page",
    series: [pgUp(segments([1, span(15)])), connectionErrors(segments([0, 10], [1, span(10)]))],
    checks: [
      ...quiet("6m", "DatabaseConnectionFailure"),
      ...quiet("7m", "DatabaseConnectionFailure"),
      ...quiet("8m", "DatabaseConnectionFailure"),
    ],
  },
  {
    name: "old errors and a counter reset after a service restart do not fire",
    series: [pgUp(segments([1, span(15)])), connectionErrors(segments([7, 10], [0, span(10)]))],
    checks: quiet("8m", "DatabaseConnectionFailure"),
  },
  {
    name: "85 of 100 connections in use for 10 minutes fires HighDatabaseConnections",
    series: [
      pgUp(segments([1, span(15)])),
      maxConnections(100, span(15)),
      ...connections({ plue: { active: 20, idle: 60, "idle in transaction": 5 } }, span(15)),
    ],
    checks: [
      ...quiet("9m", "HighDatabaseConnections", "DatabaseConnectionFailure"),
      fires("11m", "HighDatabaseConnections", highConnections("85%")),
    ],
  },
  {
    name: "75 of 100 connections in use does not fire",
    series: [
      pgUp(segments([1, span(15)])),
      maxConnections(100, span(15)),
      ...connections({ plue: { active: 15, idle: 55 }, postgres: { idle: 5 } }, span(15)),
    ],
    checks: quiet("12m", "HighDatabaseConnections"),
  },
];
