// One way to write an alert: severity, the warning/critical pair label and the runbook link are
// attached here, so every group file states only what is particular to its alerts.
import type { StackConfig } from "../config/schema.ts";
import { runbookUrl } from "./annotations.ts";
import type { AlertRule } from "./types.ts";

export type Severity = "critical" | "warning";

/**
 * The label a warning and its critical twin share. Alertmanager's inhibition matches on it plus the
 * identifying labels, so a critical alert silences its own warning for the same target only.
 */
export const PAIR_LABEL = "pair";

/** Each pair: its `pair` value, its two alerts, and the labels that identify the target. */
export const alertPairs = {
  cpu: { warning: "HighCPUUsage", critical: "CriticalCPUUsage", target: ["namespace", "pod"] },
  memory: { warning: "HighMemoryUsage", critical: "CriticalMemoryUsage", target: ["namespace", "pod"] },
  "error-rate": { warning: "HighErrorRate", critical: "CriticalErrorRate", target: ["namespace", "service"] },
  "volume-space": {
    warning: "PersistentVolumeSpaceLow",
    critical: "PersistentVolumeSpaceCritical",
    target: ["namespace", "persistentvolumeclaim"],
  },
  // A probed URL (instance) or a cert-manager Certificate (namespace, name).
  "certificate-expiry": {
    warning: "CertificateExpiringSoon",
    critical: "CertificateExpiryCritical",
    target: ["instance", "namespace", "name"],
  },
} as const satisfies Record<string, { warning: string; critical: string; target: readonly string[] }>;

export type PairName = keyof typeof alertPairs;

/** Every identifying label of any pair: an inhibition `equal` list that fits all five pairs. */
export const pairTargetLabels: readonly string[] = [
  ...new Set(Object.values(alertPairs).flatMap((pair) => pair.target)),
];

export interface AlertSpec {
  name: string;
  expr: string;
  /** Already passed through Timing.duration; omitted means fire on the first evaluation. */
  for?: string;
  severity: Severity;
  pair?: PairName;
  summary: string;
  description: string;
}

export function alertRule(config: StackConfig, spec: AlertSpec): AlertRule {
  return {
    alert: spec.name,
    expr: spec.expr,
    ...(spec.for ? { for: spec.for } : {}),
    labels: { severity: spec.severity, ...(spec.pair ? { [PAIR_LABEL]: spec.pair } : {}) },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: runbookUrl(config, spec.name),
    },
  };
}

/** PromQL written across lines for reading, without the indentation of the source file. */
export function promql(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw({ raw: strings }, ...values);
  const lines = raw.replace(/^\n/, "").replace(/\s+$/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)?.[0].length ?? 0));
  return lines.map((line) => line.slice(indent)).join("\n");
}

/** A percent from the config as the ratio PromQL compares against (80 → 0.8). */
export const ratio = (percent: number): number => percent / 100;
