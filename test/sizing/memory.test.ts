// Prometheus' memory request and limit in the manifests follow the size estimate: clusterSize's, the
// reference cluster's without it, capped by prometheusMemoryLimit.
import { describe, expect, it } from "vitest";
import { quantityBytes } from "../../src/config/formats.ts";
import { configuredPrometheus } from "../../src/sizing/configured.ts";
import { estimateSize } from "../../src/sizing/estimate.ts";
import { DEFAULT_CLUSTER_SIZE, prometheusMemory } from "../../src/sizing/memory.ts";
import { quantityAtLeast } from "../../src/sizing/quantity.ts";
import { testConfig } from "../helpers/config.ts";

const GiB = 2 ** 30;
const limitOf = (overrides: Parameters<typeof testConfig>[0]) =>
  quantityBytes(configuredPrometheus(testConfig(overrides)).memoryLimit?.quantity ?? "0");

describe("Prometheus' memory in the manifests", () => {
  it("is the estimate for the reference cluster when clusterSize is not set", () => {
    const config = testConfig();
    const estimate = estimateSize(config, DEFAULT_CLUSTER_SIZE);
    expect(DEFAULT_CLUSTER_SIZE).toEqual({ nodes: 100, pods: 3000, servicePods: 30 });
    expect(prometheusMemory(config)).toEqual({
      request: quantityAtLeast(estimate.memory.requestBytes),
      limit: quantityAtLeast(estimate.memory.limitBytes),
    });
    expect(configuredPrometheus(config).memoryLimit?.quantity).toBe(prometheusMemory(config).limit);
    // What a real Prometheus 2.42 used with this stack's rules at that size (docs/sizing.md, "Rule
    // evaluation cost"), its head a few minutes young: the request covers it, the limit twice over.
    const measuredPeakRss = 2.96 * GiB;
    expect(estimate.memory.requestBytes).toBeGreaterThan(measuredPeakRss);
    expect(estimate.memory.limitBytes).toBeGreaterThan(2 * measuredPeakRss);
  });

  it("grows with clusterSize: nodes, pods and the services' pods", () => {
    const small = limitOf({ clusterSize: { nodes: 10, pods: 300, servicePods: 6 } });
    const reference = limitOf({ clusterSize: { nodes: 100, pods: 3000 } });
    const moreServicePods = limitOf({ clusterSize: { nodes: 100, pods: 3000, servicePods: 60 } });
    const large = limitOf({ clusterSize: { nodes: 2000, pods: 60000 } });
    expect(small).toBeLessThan(reference);
    expect(reference).toBeLessThan(moreServicePods);
    expect(reference).toBeLessThan(large);
    expect(reference).toBe(limitOf({}));
    // A small cluster no longer gets the reference cluster's memory.
    expect(small).toBeLessThan(2 * GiB);
  });

  it("is capped by prometheusMemoryLimit, the request never above the limit", () => {
    expect(prometheusMemory(testConfig({ prometheusMemoryLimit: "64Gi" }))).toEqual({
      request: prometheusMemory(testConfig()).request,
      limit: "64Gi",
    });
    expect(prometheusMemory(testConfig({ prometheusMemoryLimit: "1Gi" }))).toEqual({
      request: "1Gi",
      limit: "1Gi",
    });
  });
});
