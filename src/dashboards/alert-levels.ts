// The alert thresholds the panels draw, so a line on a graph is exactly where an alert fires.
// Percent thresholds come from the config; the seed fixed the others in its alert list.
import type { StackConfig } from "../config/schema.ts";
import { SLOW_RESPONSE_SECONDS } from "../instrument/http-semantics.ts";
import type { AlertLevel } from "./panels.ts";

/** The seed's fixed thresholds (monitoring-README.md, "Alert Rules"); SlowResponseTime's 2 s lives
 * with the request-duration buckets built around it. */
export const SEED_THRESHOLDS = {
  /** HighDatabaseConnections: more than 80 % of max connections in use. */
  databaseConnectionsPercent: 80,
  /** PersistentVolumeSpaceLow / PersistentVolumeSpaceCritical: volume more than 80 % / 90 % full. */
  volumeWarningPercent: 80,
  volumeCriticalPercent: 90,
  /** PodFrequentRestarts: more than 5 restarts in an hour. */
  restartsPerHour: 5,
} as const;

const ratio = (percent: number) => percent / 100;

/** Each panel's levels in its own unit: ratios for percentunit panels. */
export function alertLevels(config: StackConfig) {
  return {
    cpu: [
      { value: ratio(config.alertCpuThreshold), alert: "HighCPUUsage", severity: "warning" },
      { value: ratio(config.alertCpuCriticalThreshold), alert: "CriticalCPUUsage", severity: "critical" },
    ],
    memory: [
      { value: ratio(config.alertMemoryThreshold), alert: "HighMemoryUsage", severity: "warning" },
      {
        value: ratio(config.alertMemoryCriticalThreshold),
        alert: "CriticalMemoryUsage",
        severity: "critical",
      },
    ],
    errorRate: [
      { value: ratio(config.alertErrorRateThreshold), alert: "HighErrorRate", severity: "warning" },
      {
        value: ratio(config.alertErrorRateCriticalThreshold),
        alert: "CriticalErrorRate",
        severity: "critical",
      },
    ],
    latency: [{ value: SLOW_RESPONSE_SECONDS, alert: "SlowResponseTime", severity: "warning" }],
    databaseConnections: [
      {
        value: ratio(SEED_THRESHOLDS.databaseConnectionsPercent),
        alert: "HighDatabaseConnections",
        severity: "warning",
      },
    ],
    volume: [
      {
        value: ratio(SEED_THRESHOLDS.volumeWarningPercent),
        alert: "PersistentVolumeSpaceLow",
        severity: "warning",
      },
      {
        value: ratio(SEED_THRESHOLDS.volumeCriticalPercent),
        alert: "PersistentVolumeSpaceCritical",
        severity: "critical",
      },
    ],
    restarts: [{ value: SEED_THRESHOLDS.restartsPerHour, alert: "PodFrequentRestarts", severity: "warning" }],
  } satisfies Record<string, AlertLevel[]>;
}
