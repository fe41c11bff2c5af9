// "Plue - System Overview": how Plue's services are doing at a glance — resources, traffic, errors,
// pods, firing alerts and database connections.
import type { StackConfig } from "../config/schema.ts";
import { recorded } from "../rules/recording.ts";
import { postgresExporter } from "../rules/selectors.ts";
import { alertLevels } from "./alert-levels.ts";
import {
  buildDashboard,
  datasourceVariable,
  fixedColor,
  PHASE_COLORS,
  selectedServices,
  serviceVariables,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from "./panels.ts";

export const SYSTEM_OVERVIEW_UID = "plue-system-overview";

export function systemOverview(config: StackConfig): Record<string, unknown> {
  const levels = alertLevels(config);
  const panels = {
    cpu: timeseriesPanel(config, {
      title: "CPU by service",
      description: "CPU cores used by all containers of each service's pods.",
      queries: [{ expr: `${recorded.serviceCpu}{${selectedServices}}`, legend: "{{service}}" }],
      unit: "short",
      min: 0,
    }).axisLabel("cores"),
    memory: timeseriesPanel(config, {
      title: "Memory by service",
      description: "Working-set memory of all containers of each service's pods.",
      queries: [{ expr: `${recorded.serviceMemory}{${selectedServices}}`, legend: "{{service}}" }],
      unit: "bytes",
      min: 0,
    }),
    cpuOfLimit: timeseriesPanel(config, {
      title: "CPU of limit by service",
      description:
        "The busiest pod of each service: CPU used by its containers that have a limit, over those limits. HighCPUUsage and CriticalCPUUsage fire at the dashed lines.",
      queries: [{ expr: `${recorded.serviceCpuOfLimit}{${selectedServices}}`, legend: "{{service}}" }],
      unit: "percentunit",
      min: 0,
      alertLevels: levels.cpu,
    }),
    memoryOfLimit: timeseriesPanel(config, {
      title: "Memory of limit by service",
      description:
        "The busiest pod of each service: working-set memory of its containers that have a limit, over those limits. HighMemoryUsage and CriticalMemoryUsage fire at the dashed lines.",
      queries: [{ expr: `${recorded.serviceMemoryOfLimit}{${selectedServices}}`, legend: "{{service}}" }],
      unit: "percentunit",
      min: 0,
      alertLevels: levels.memory,
    }),
    requestRate: timeseriesPanel(config, {
      title: "Request rate by service",
      description: "HTTP requests per second served by each service, all pods together.",
      queries: [{ expr: `${recorded.requestRate}{${selectedServices}}`, legend: "{{service}}" }],
      unit: "reqps",
      min: 0,
    }),
    serverErrors: timeseriesPanel(config, {
      title: "5xx rate by service",
      description:
        "Share of each service's responses with a 5xx status. HighErrorRate and CriticalErrorRate fire at the dashed lines.",
      queries: [{ expr: `${recorded.serverErrorRatio}{${selectedServices}}`, legend: "{{service}}" }],
      unit: "percentunit",
      min: 0,
      alertLevels: levels.errorRate,
    }),
    podsUp: statPanel(config, {
      title: "Pods up by service",
      description: "Pods of each service whose metrics endpoint Prometheus scraped successfully.",
      queries: [{ expr: `${recorded.podsUp}{${selectedServices}}`, legend: "{{service}}", instant: true }],
      unit: "none",
      width: 6,
      runbooks: ["ServiceDown"],
    }),
    podStatus: statPanel(config, {
      title: "Pod status",
      description: "Pods in the namespace by phase.",
      queries: [
        {
          expr: `sum by (phase) (${recorded.podsByPhase}{namespace="$namespace"})`,
          legend: "{{phase}}",
          instant: true,
        },
      ],
      unit: "none",
      width: 6,
      runbooks: ["PodNotReady", "PodCrashLooping"],
    }),
    firingAlerts: tablePanel(config, {
      title: "Firing alerts",
      description:
        "Every alert firing now, with its labels. Watchdog always fires: while it is listed, alerting works. The alert name links to its runbook.",
      queries: [{ expr: `ALERTS{alertstate="firing"}`, instant: true, table: true }],
      unit: "none",
      hide: ["Time", "Value", "__name__", "alertstate"],
    }),
    dbConnections: timeseriesPanel(config, {
      title: "Database connections used of max",
      description:
        "Connections each service's pool holds in use (solid) against the most it may open (dashed).",
      queries: [
        {
          expr: `${recorded.dbConnectionsByState}{${selectedServices}, db_client_connection_state="used"}`,
          legend: "{{service}} used",
        },
        { expr: `${recorded.dbConnectionsMax}{${selectedServices}}`, legend: "{{service}} max" },
      ],
      unit: "short",
      min: 0,
      runbooks: ["HighDatabaseConnections", "DatabaseConnectionFailure"],
    }),
  };
  for (const [phase, color] of Object.entries(PHASE_COLORS)) {
    panels.podStatus.overrideByName(phase, fixedColor(color));
  }
  panels.dbConnections.overrideByRegexp(" max$", [
    { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
    { id: "custom.fillOpacity", value: 0 },
  ]);
  panels.firingAlerts.overrideByName("alertname", [
    {
      id: "links",
      value: [
        {
          title: "Runbook",
          url: `${config.runbookBaseUrl.replace(/\/+$/, "")}/\${__value.raw}.md`,
          targetBlank: true,
        },
      ],
    },
  ]);

  const database = [panels.dbConnections];
  // Without postgres-exporter there is nothing server-side to show.
  if (config.postgresExporterDsn !== "") {
    database.push(
      timeseriesPanel(config, {
        title: "PostgreSQL connections used of max",
        description:
          "Backends connected to the PostgreSQL server over its max_connections. HighDatabaseConnections fires at the dashed line.",
        queries: [
          {
            expr: `sum by (instance) (pg_stat_activity_count{${postgresExporter}}) / on (instance) max by (instance) (pg_settings_max_connections{${postgresExporter}})`,
            legend: "{{instance}}",
          },
        ],
        unit: "percentunit",
        min: 0,
        max: 1,
        alertLevels: levels.databaseConnections,
      }),
    );
  }

  return buildDashboard(config, {
    uid: SYSTEM_OVERVIEW_UID,
    title: "Plue - System Overview",
    description: "Plue's services at a glance: resources, traffic, errors, pods, alerts and database.",
    variables: [datasourceVariable(), ...serviceVariables(config, recorded.podsUp)],
    rows: [
      {
        title: "Services",
        panels: [
          panels.cpu,
          panels.memory,
          panels.cpuOfLimit,
          panels.memoryOfLimit,
          panels.requestRate,
          panels.serverErrors,
        ],
      },
      { title: "Health", panels: [panels.podsUp, panels.podStatus, panels.firingAlerts] },
      { title: "Database", panels: database },
    ],
  });
}
