// PostgreSQL as seen from both sides: postgres_exporter (can it connect, how full is the server) and
// Plue's services (do their pools time out handing out connections).
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { plueServices, postgresExporter } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

export function databaseRules(config: StackConfig, timing: Timing): RuleGroup {
  return {
    name: "database",
    rules: [
      alertRule(config, {
        name: "DatabaseConnectionFailure",
        // Either branch fires: the exporter cannot connect (pg_up 0), or a service's pool keeps
        // timing out handing out connections (OpenTelemetry's db.client.connection.timeouts). A lone
        // timeout (a pool reconnecting during a failover) stays in the 2m window for less than the 2m
        // `for`, so it does not page.
        expr: promql`
          max by (job, instance) (pg_up{${postgresExporter}}) == 0
          or
          60 * sum by (namespace, service) (
            rate(db_client_connection_timeouts_total{${plueServices}}[${timing.window("2m")}])
          ) > 0`,
        for: timing.duration("2m"),
        severity: "critical",
        summary:
          "{{ if $labels.service }}{{ $labels.service }} cannot get database connections{{ else }}PostgreSQL is unreachable{{ end }}",
        description:
          "{{ if $labels.service }}The database pool of {{ $labels.namespace }}/{{ $labels.service }} has been timing out handing out connections for 2 minutes ({{ $value | humanize }} timeouts per minute).{{ else }}postgres_exporter ({{ $labels.instance }}) has been unable to connect to PostgreSQL for 2 minutes.{{ end }}",
      }),
      alertRule(config, {
        name: "HighDatabaseConnections",
        expr: promql`
          sum by (job, instance) (pg_stat_activity_count{${postgresExporter}})
          /
          max by (job, instance) (pg_settings_max_connections{${postgresExporter}})
          > 0.8`,
        for: timing.duration("10m"),
        severity: "warning",
        summary: "PostgreSQL uses {{ $value | humanizePercentage }} of max_connections",
        description:
          "PostgreSQL ({{ $labels.instance }}) has {{ $value | humanizePercentage }} of max_connections in use (alert above 80%). When it reaches the limit, new connections are refused.",
      }),
    ],
  };
}
