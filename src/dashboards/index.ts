// Grafana: the Prometheus datasource, the dashboards provider, the three seed dashboards and the SLOs'.
import { components, mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { customDashboards } from "../extensions/dashboards.ts";
import { API_PERFORMANCE_UID, apiPerformance } from "./api-performance.ts";
import { KUBERNETES_CLUSTER_UID, kubernetesCluster } from "./kubernetes-cluster.ts";
import { DATASOURCE_UID } from "./panels.ts";
import { SLO_DASHBOARD_UID, sloDashboard } from "./slos.ts";
import { SYSTEM_OVERVIEW_UID, systemOverview } from "./system-overview.ts";

export { DATASOURCE_UID } from "./panels.ts";

import { type DashboardQuery, queriesOfDashboard, type VariableValues } from "./queries.ts";

export { type DashboardQuery, queriesOfDashboard, type VariableValues } from "./queries.ts";

/** The folder the dashboards appear in. */
export const DASHBOARD_FOLDER = "Plue";

export interface Dashboard {
  uid: string;
  /** File name under config/grafana/dashboards/. */
  file: string;
  json: Record<string, unknown>;
}

/** The uids never change: bookmarks, links and alert annotations point at them. */
export const DASHBOARD_UIDS = {
  systemOverview: SYSTEM_OVERVIEW_UID,
  kubernetesCluster: KUBERNETES_CLUSTER_UID,
  apiPerformance: API_PERFORMANCE_UID,
  slos: SLO_DASHBOARD_UID,
} as const;

/** Ours, then the team's (config.dashboards), each in <uid>.json. */
export function dashboards(config: StackConfig): Dashboard[] {
  return [
    { uid: SYSTEM_OVERVIEW_UID, json: systemOverview(config) },
    { uid: KUBERNETES_CLUSTER_UID, json: kubernetesCluster(config) },
    { uid: API_PERFORMANCE_UID, json: apiPerformance(config) },
    { uid: SLO_DASHBOARD_UID, json: sloDashboard(config) },
    ...customDashboards(config),
  ].map((dashboard) => ({ ...dashboard, file: `${dashboard.uid}.json` }));
}

/** The in-cluster pair through its Service, or the deduplicating query layer the config names. */
export function prometheusDatasourceUrl(config: StackConfig): string {
  return (
    config.grafanaPrometheusUrl ||
    `http://${components.prometheus.name}.${config.namespace}.svc:${components.prometheus.port}`
  );
}

export function datasourceProvisioning(config: StackConfig): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: prometheusDatasourceUrl(config),
        isDefault: true,
        editable: false,
        jsonData: {
          // Grafana sizes $__rate_interval from this; it must match the real scrape interval.
          timeInterval: config.scrapeInterval,
          httpMethod: "POST",
          prometheusType: "Prometheus",
        },
      },
    ],
  };
}

export function dashboardProvisioning(_config: StackConfig): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "plue",
        orgId: 1,
        folder: DASHBOARD_FOLDER,
        type: "file",
        // The files are the source of truth: no deleting or saving over them from the UI.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: mounts.grafanaDashboards, foldersFromFilesStructure: false },
      },
    ],
  };
}

/**
 * Every query of every dashboard the config produces, ready to send to Prometheus: for the
 * end-to-end check that each panel answers on a running stack. Variables take the value the
 * dashboard opens with (namespace = appNamespace, service = All) unless `overrides` sets them.
 */
export function panelQueries(config: StackConfig, overrides: VariableValues = {}): DashboardQuery[] {
  return dashboards(config).flatMap((dashboard) => queriesOfDashboard(dashboard.json, config, overrides));
}
