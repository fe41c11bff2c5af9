// The Prometheus container's memory request and limit: the estimate for the cluster the config declares
// (`clusterSize`), or for the reference cluster docs/sizing.md measures when it declares none. An
// explicit `prometheusMemoryLimit` wins, and the request never exceeds it.
import { quantityBytes } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { REFERENCE_CLUSTER } from "./cluster-shape.ts";
import { type ClusterSize, estimateSize } from "./estimate.ts";
import { quantityAtLeast } from "./quantity.ts";
import { REFERENCE_SERVICES } from "./services.ts";

/** The size assumed without `clusterSize`: the one `npm run bench:ingestion` and `bench:rules` run. */
export const DEFAULT_CLUSTER_SIZE: Required<ClusterSize> = {
  nodes: REFERENCE_CLUSTER.nodes,
  pods: REFERENCE_CLUSTER.pods,
  servicePods: REFERENCE_SERVICES.pods,
};

export interface PrometheusMemory {
  request: string;
  limit: string;
}

export function prometheusMemory(config: StackConfig): PrometheusMemory {
  const estimate = estimateSize(config, config.clusterSize ?? DEFAULT_CLUSTER_SIZE);
  const request = quantityAtLeast(estimate.memory.requestBytes);
  if (config.prometheusMemoryLimit === "") {
    return { request, limit: quantityAtLeast(estimate.memory.limitBytes) };
  }
  const limit = config.prometheusMemoryLimit;
  return { request: quantityBytes(request) > quantityBytes(limit) ? limit : request, limit };
}
