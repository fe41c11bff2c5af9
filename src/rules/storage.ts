// Persistent volume claims filling up, from the kubelet's volume stats.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { kubeStateMetrics as ksm, kubelet } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

// A claim mounted on several nodes is reported by each node's kubelet: max keeps one series per
// claim. Read-only claims are full by design and cannot be acted on, so they are left out.
const usedShareAbove = (percent: number) => promql`
  max by (namespace, persistentvolumeclaim) (
    kubelet_volume_stats_used_bytes{${kubelet}}
    /
    kubelet_volume_stats_capacity_bytes{${kubelet}}
  ) > ${percent / 100}
  unless on (namespace, persistentvolumeclaim)
  (kube_persistentvolumeclaim_access_mode{${ksm}, access_mode="ReadOnlyMany"} == 1)`;

export function storageRules(config: StackConfig, timing: Timing): RuleGroup {
  const volumeAlert = (name: string, percent: number, severity: "warning" | "critical") =>
    alertRule(config, {
      name,
      expr: usedShareAbove(percent),
      for: timing.duration("1m"),
      severity,
      pair: "volume-space",
      summary:
        "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full",
      description: `The persistent volume claimed by {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full (alert above ${percent}%).`,
    });
  return {
    name: "storage",
    rules: [
      volumeAlert("PersistentVolumeSpaceLow", 80, "warning"),
      volumeAlert("PersistentVolumeSpaceCritical", 90, "critical"),
    ],
  };
}
