// The configuration files the pods mount, already rendered to text (src/synth.ts renderConfigs()).
export interface RenderedConfigs {
  prometheusYml: string;
  /** rule file name → YAML */
  ruleFiles: Record<string, string>;
  alertmanagerYml: string;
  /** dashboard file name → JSON */
  dashboards: Record<string, string>;
  /** provisioning file path (datasources/x.yaml, dashboards/x.yaml) → YAML */
  grafanaProvisioning: Record<string, string>;
  /** blackbox-exporter's modules (blackbox.yml) */
  blackboxYml: string;
}
