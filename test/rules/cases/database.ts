// DatabaseConnectionFailure, HighDatabaseConnections.
import { healthyUp, plueTarget, postgresExporterTarget } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, series, span } from "../promtool.ts";

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

/**
 * pg_stat_activity_count as postgres_exporter v0.20 reports it (test/fixtures/exporters/postgres-exporter.prom):
 * backends grouped by database, state, user, application, backend type and wait event, and a 0 for
 * every database × state that has none, its other labels empty.
 */
function connections(counts: Record<string, Record<string, number>>, samples: number) {
  return ["plue", "postgres", "template0", "template1"].flatMap((datname) =>
    STATES.map((state) => {
      const count = counts[datname]?.[state] ?? 0;
      const waiting = state !== "active" && count > 0;
      const backends: Record<string, string> =
        count > 0
          ? {
              usename: datname === "postgres" ? "postgres" : "plue",
              application_name: "",
              backend_type: "client backend",
              wait_event_type: waiting ? "Client" : "",
              wait_event: waiting ? "ClientRead" : "",
            }
          : {};
      return series(
        "pg_stat_activity_count",
        { ...postgresExporterTarget, datname, state, ...backends },
        segments([count, samples]),
      );
    }),
  );
}

/** OpenTelemetry's db.client.connection.timeouts of the api's pool, as a Prometheus counter. */
const checkoutTimeouts = (values: string) =>
  series(
    "db_client_connection_timeouts_total",
    { ...plueTarget("api"), db_client_connection_pool_name: "plue" },
    values,
  );

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
    summary: "api cannot get database connections",
    description: `The database pool of plue/api has been timing out handing out connections for 2 minutes (${perMinute} timeouts per minute).`,
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
    name: "a service whose pool keeps timing out fires",
    series: [
      pgUp(segments([1, span(15)])),
      checkoutTimeouts(`${segments([0, 10])} 1+1x20`),
      ...healthyUp(span(15)),
    ],
    checks: [
      ...quiet("6m", "DatabaseConnectionFailure"),
      fires("8m", "DatabaseConnectionFailure", apiFailing("2")),
    ],
  },
  {
    name: "a single checkout timeout does not page",
    series: [pgUp(segments([1, span(15)])), checkoutTimeouts(segments([0, 10], [1, span(10)]))],
    checks: [
      ...quiet("6m", "DatabaseConnectionFailure"),
      ...quiet("7m", "DatabaseConnectionFailure"),
      ...quiet("8m", "DatabaseConnectionFailure"),
    ],
  },
  {
    name: "old errors and a counter reset after a service restart do not fire",
    series: [pgUp(segments([1, span(15)])), checkoutTimeouts(segments([7, 10], [0, span(10)]))],
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
