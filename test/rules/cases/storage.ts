// PersistentVolumeSpaceLow, PersistentVolumeSpaceCritical.
import { ksm, kubeletTarget, NODE, OTHER_NODE } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, series, span } from "../promtool.ts";

const CAPACITY = 10 * 1024 ** 3;

/**
 * A claim of which `fullShare` is not available to the application. Of that, 5% of capacity is what
 * ext4 reserves for root by default: neither used nor writable.
 */
function volume(claim: string, fullShare: number, samples: number, node = NODE, reservedShare = 0.05) {
  const labels = { ...kubeletTarget(node), namespace: "plue", persistentvolumeclaim: claim };
  const available = Math.round((1 - fullShare) * CAPACITY);
  const used = Math.max(0, CAPACITY - available - Math.round(reservedShare * CAPACITY));
  return [
    series("kubelet_volume_stats_capacity_bytes", labels, segments([CAPACITY, samples])),
    series("kubelet_volume_stats_used_bytes", labels, segments([used, samples])),
    series("kubelet_volume_stats_available_bytes", labels, segments([available, samples])),
  ];
}

const accessMode = (claim: string, mode: string, samples: number) =>
  ksm(
    "kube_persistentvolumeclaim_access_mode",
    { namespace: "plue", persistentvolumeclaim: claim, access_mode: mode },
    segments([1, samples]),
  );

const full = (name: string, claim: string, percent: string, threshold: number): ExpectedAlert => ({
  labels: {
    namespace: "plue",
    persistentvolumeclaim: claim,
    pair: "volume-space",
    severity: name === "PersistentVolumeSpaceLow" ? "warning" : "critical",
  },
  annotations: {
    summary: `Volume plue/${claim} is ${percent} full`,
    description: `The persistent volume claimed by plue/${claim} is ${percent} full: only the rest is available to the application (alert above ${threshold}%).`,
  },
});

export const storageCases: RuleCase[] = [
  {
    name: "a volume 85% full fires PersistentVolumeSpaceLow only",
    series: [
      ...volume("data-postgres-0", 0.85, span(5)),
      accessMode("data-postgres-0", "ReadWriteOnce", span(5)),
    ],
    checks: [
      fires("2m", "PersistentVolumeSpaceLow", full("PersistentVolumeSpaceLow", "data-postgres-0", "85%", 80)),
      ...quiet("2m", "PersistentVolumeSpaceCritical"),
    ],
  },
  {
    name: "a volume 95% full fires both",
    series: [...volume("data-postgres-0", 0.95, span(5))],
    checks: [
      ...quiet("30s", "PersistentVolumeSpaceCritical"),
      fires(
        "2m",
        "PersistentVolumeSpaceCritical",
        full("PersistentVolumeSpaceCritical", "data-postgres-0", "95%", 90),
      ),
      fires("2m", "PersistentVolumeSpaceLow", full("PersistentVolumeSpaceLow", "data-postgres-0", "95%", 80)),
    ],
  },
  {
    // used/capacity reads 87% here: only the available bytes say how close the application is to ENOSPC.
    name: "a volume with 8% left to write fires PersistentVolumeSpaceCritical, whatever used/capacity says",
    series: [...volume("data-postgres-0", 0.92, span(5))],
    checks: [
      fires(
        "2m",
        "PersistentVolumeSpaceCritical",
        full("PersistentVolumeSpaceCritical", "data-postgres-0", "92%", 90),
      ),
    ],
  },
  {
    name: "a volume 79% full does not fire",
    series: [...volume("data-postgres-0", 0.79, span(5))],
    checks: quiet("4m", "PersistentVolumeSpaceLow", "PersistentVolumeSpaceCritical"),
  },
  {
    name: "a ReadWriteMany claim reported by two kubelets fires once",
    series: [
      ...volume("uploads", 0.85, span(5)),
      ...volume("uploads", 0.85, span(5), OTHER_NODE),
      accessMode("uploads", "ReadWriteMany", span(5)),
    ],
    checks: [fires("3m", "PersistentVolumeSpaceLow", full("PersistentVolumeSpaceLow", "uploads", "85%", 80))],
  },
  {
    name: "a read-only claim, full by design, does not fire",
    series: [...volume("static-assets", 0.99, span(5)), accessMode("static-assets", "ReadOnlyMany", span(5))],
    checks: quiet("4m", "PersistentVolumeSpaceLow", "PersistentVolumeSpaceCritical"),
  },
];
