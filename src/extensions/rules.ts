// A team's alerts and recording rules (config.alerts, config.recordingRules) as rule groups. Their
// expressions are written as the team wrote them: in a cluster, windows are real time like ours.
import type { StackConfig } from "../config/schema.ts";
import type { AlertRule, RecordingRule, RuleGroup } from "../rules/types.ts";

/** The group of the team's alerts, written to custom.yaml. */
export const CUSTOM_ALERTS_GROUP = "custom";
/** The group of the team's recording rules, written to custom-recording.yaml. */
export const CUSTOM_RECORDING_GROUP = "custom.recording";

export function customAlertGroup(config: StackConfig): RuleGroup | undefined {
  if (config.alerts.length === 0) return undefined;
  return {
    name: CUSTOM_ALERTS_GROUP,
    rules: config.alerts.map(
      (alert): AlertRule => ({
        alert: alert.name,
        expr: alert.expr,
        ...(alert.for !== "0s" ? { for: alert.for } : {}),
        labels: { ...alert.labels, severity: alert.severity },
        annotations: {
          summary: alert.summary,
          description: alert.description,
          runbook_url: alert.runbookUrl,
        },
      }),
    ),
  };
}

export function customRecordingGroup(config: StackConfig): RuleGroup | undefined {
  if (config.recordingRules.length === 0) return undefined;
  return {
    name: CUSTOM_RECORDING_GROUP,
    rules: config.recordingRules.map(
      (rule): RecordingRule => ({
        record: rule.record,
        expr: rule.expr,
        ...(Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {}),
      }),
    ),
  };
}
