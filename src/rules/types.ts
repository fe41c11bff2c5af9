// The shapes of Prometheus rule files, as promtool and Prometheus read them.
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (AlertRule | RecordingRule)[];
}

/** One file under config/prometheus/rules/. */
export interface RuleFile {
  /** File name, e.g. "pods.yaml". */
  name: string;
  groups: RuleGroup[];
}

export const isAlertRule = (rule: AlertRule | RecordingRule): rule is AlertRule => "alert" in rule;
