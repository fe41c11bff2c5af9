// What the synthesized stack gives Prometheus, read from its manifests, and how that compares with the
// estimate for the cluster size the config declares (`clusterSize`).
import { quantityBytes } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { prometheus } from "../kubernetes/prometheus.ts";
import { renderConfigs } from "../synth.ts";
import { estimateSize, type SizeEstimate } from "./estimate.ts";
import { quantityAtLeast } from "./quantity.ts";

export interface ConfiguredPrometheus {
  /** prometheusStorageSize, as written and in bytes. */
  storage: { quantity: string; bytes: number };
  /** The Prometheus container's memory limit in the StatefulSet, if it has one. */
  memoryLimit?: { quantity: string; bytes: number };
}

type Container = { image?: string; resources?: { limits?: Record<string, unknown> } };

export function configuredPrometheus(config: StackConfig): ConfiguredPrometheus {
  let memoryLimit: ConfiguredPrometheus["memoryLimit"];
  for (const object of prometheus(config, renderConfigs(config))) {
    if (object.kind !== "StatefulSet") continue;
    const containers: Container[] =
      (object as { spec?: { template?: { spec?: { containers?: Container[] } } } }).spec?.template?.spec
        ?.containers ?? [];
    const limit = containers.find((c) => c.image === config.images.prometheus)?.resources?.limits?.memory;
    if (limit !== undefined) memoryLimit = { quantity: String(limit), bytes: quantityBytes(String(limit)) };
  }
  return {
    storage: { quantity: config.prometheusStorageSize, bytes: quantityBytes(config.prometheusStorageSize) },
    ...(memoryLimit ? { memoryLimit } : {}),
  };
}

/** Where the configured Prometheus falls short of the estimate for `estimate.size`. */
export function shortfalls(configured: ConfiguredPrometheus, estimate: SizeEstimate): string[] {
  const { nodes, pods } = estimate.size;
  const forSize = `for ${nodes} nodes and ${pods} pods, ${estimate.services.pods} of them Plue's services`;
  const problems: string[] = [];
  if (configured.storage.bytes < estimate.disk.totalBytes) {
    problems.push(
      `prometheusStorageSize ${configured.storage.quantity} is below the ${quantityAtLeast(estimate.disk.totalBytes)} estimated ${forSize} (retention ${estimate.disk.retention}); raise prometheusStorageSize or shorten prometheusRetention`,
    );
  }
  if (configured.memoryLimit && configured.memoryLimit.bytes < estimate.memory.limitBytes) {
    problems.push(
      `Prometheus' memory limit ${configured.memoryLimit.quantity} is below the ${quantityAtLeast(estimate.memory.limitBytes)} estimated ${forSize} (working set ~${quantityAtLeast(estimate.memory.workingSetBytes)}); it may be OOM-killed; raise prometheusMemoryLimit or set it to "" to follow the estimate`,
    );
  }
  return problems;
}

/** synth's `warning:` lines for a config that declares its cluster's size. */
export function sizingWarnings(config: StackConfig): string[] {
  if (!config.clusterSize) return [];
  let estimate: SizeEstimate;
  try {
    estimate = estimateSize(config, config.clusterSize);
  } catch (error) {
    // A warning must never stop synth: say what could not be judged instead.
    return [
      `warning: clusterSize is set but Prometheus' size could not be estimated: ${(error as Error).message}`,
    ];
  }
  return shortfalls(configuredPrometheus(config), estimate).map(
    (problem) => `warning: ${problem} (clusterSize; see plue-monitoring size)`,
  );
}
