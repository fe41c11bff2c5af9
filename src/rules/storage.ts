// Persistent volume claims filling up, from the kubelet's volume stats.
//
// "Full" is what the application sees: the share of the volume it can no longer write to, from the
// kubelet's available bytes (statfs f_bavail). used/capacity would ignore the blocks ext4 reserves
// for root (5% by default): a volume can read 87% used while only 8% is left to write.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { kubeStateMetrics as ksm, kubelet } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

// A claim mounted on several nodes is reported by each node's kubelet: max keeps one series per
// claim. Read-only claims are full by design and cannot be acted on, so they are left out.
const unavailableShareAbove = (percent: number) => promql`
  max by (namespace, persistentvolumeclaim) (
    1 - kubelet_volume_stats_available_bytes{${kubelet}}
    /
    kubelet_volume_stats_capacity_bytes{${kubelet}}
  ) > ${percent / 100}
  unless on (namespace, persistentvolumeclaim)
  (kube_persistentvolumeclaim_access_mode{${ksm}, access_mode="ReadOnlyMany"} == 1)`;

export function storageRules(config: StackConfig, timing: Timing): RuleGroup {
  const volumeAlert = (name: string, percent: number, severity: "warning" | "critical") =>
    alertRule(config, {
      name,
      expr: unavailableShareAbove(percent),
      for: timing.duration("1m"),
      severity,
      pair: "volume-space",
      summary:
        "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full",
      description: `The persistent volume claimed by {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full: only the rest is available to the application (alert above ${percent}%).`,
    });
  return {
    name: "storage",
    rules: [
      volumeAlert("PersistentVolumeSpaceLow", 80, "warning"),
      volumeAlert("PersistentVolumeSpaceCritical", 90, "critical"),
    ],
  };
}
