// Grafana dashboards and provisioning.
import { mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";

export const DATASOURCE_UID = "prometheus";

export interface Dashboard {
  uid: string;
  /** File name under config/grafana/dashboards/. */
  file: string;
  json: Record<string, unknown>;
}

export function dashboards(_config: StackConfig): Dashboard[] {
  return [];
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
        url: `http://prometheus.${config.namespace}.svc:9090`,
        isDefault: true,
        editable: false,
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
        folder: "Plue",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: mounts.grafanaDashboards },
      },
    ],
  };
}
