// prometheusReplicas as written to the manifests: that many pods, never two on one node, spread over
// zones where the scheduler can, a disruption budget only when there is a replica to keep, and each
// pod naming itself in prometheus.yml's replica label, which alerts drop.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPLICA_LABEL } from "../../src/prometheus/alerting.ts";
import { EXPAND_EXTERNAL_LABELS_ON_PROMETHEUS_2 } from "../../src/prometheus/v3-compat.ts";
import { configProblems } from "../helpers/config.ts";
import type { Manifest } from "./lib/cluster.ts";
import { buildStack } from "./lib/stack.ts";

const named = (objects: Manifest[], kind: string, name: string): Manifest[] =>
  objects.filter((o) => o.kind === kind && o.metadata.name === name);

function prometheusOf(replicas?: number) {
  const { objects } = buildStack(replicas === undefined ? {} : { prometheusReplicas: replicas });
  const [statefulSet] = named(objects, "StatefulSet", "prometheus");
  const [configMap] = named(objects, "ConfigMap", "prometheus-config");
  return {
    statefulSet,
    budgets: named(objects, "PodDisruptionBudget", "prometheus"),
    prometheusYml: parseYaml(configMap.data["prometheus.yml"]),
  };
}

const isSubset = (part: Record<string, string>, whole: Record<string, string>) =>
  Object.entries(part).every(([key, value]) => whole[key] === value);

describe("prometheusReplicas", () => {
  it("defaults to a pair: two pods on two nodes, spread over zones, drained one at a time", () => {
    const { statefulSet, budgets } = prometheusOf();
    expect(statefulSet.spec.replicas).toBe(2);
    expect(statefulSet.spec.podManagementPolicy).toBe("Parallel");
    expect(statefulSet.spec.volumeClaimTemplates.map((claim: Manifest) => claim.metadata.name)).toEqual([
      "data",
    ]);

    const podLabels = statefulSet.spec.template.metadata.labels;
    const antiAffinity = statefulSet.spec.template.spec.affinity.podAntiAffinity;
    const required = antiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(required.map((term: Manifest) => term.topologyKey)).toEqual(["kubernetes.io/hostname"]);
    expect(isSubset(required[0].labelSelector.matchLabels, podLabels)).toBe(true);
    const preferred = antiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(preferred.map((term: Manifest) => term.podAffinityTerm.topologyKey)).toEqual([
      "topology.kubernetes.io/zone",
    ]);
    expect(isSubset(preferred[0].podAffinityTerm.labelSelector.matchLabels, podLabels)).toBe(true);

    expect(budgets).toHaveLength(1);
    expect(budgets[0].spec.maxUnavailable).toBe(1);
    expect(budgets[0].spec).not.toHaveProperty("minAvailable");
    expect(budgets[0].spec.selector.matchLabels).toEqual(statefulSet.spec.selector.matchLabels);
    expect(isSubset(budgets[0].spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it("keeps each reader (Grafana) on one replica, so a dashboard does not alternate between two", () => {
    const service = named(buildStack().objects, "Service", "prometheus")[0];
    expect(service.spec.sessionAffinity).toBe("ClientIP");
    expect(service.spec.selector).toEqual(prometheusOf().statefulSet.spec.selector.matchLabels);
  });

  it("follows the key, and leaves out the budget for a single replica (it would only block drains)", () => {
    expect(prometheusOf(3).statefulSet.spec.replicas).toBe(3);
    expect(prometheusOf(3).budgets).toHaveLength(1);
    const single = prometheusOf(1);
    expect(single.statefulSet.spec.replicas).toBe(1);
    expect(single.budgets).toEqual([]);
  });

  it("names each replica in an external label that alerts drop, with or without a pair", () => {
    for (const replicas of [1, 2]) {
      const { statefulSet, prometheusYml } = prometheusOf(replicas);
      const [container] = statefulSet.spec.template.spec.containers;
      expect(container.env).toContainEqual({
        name: "POD_NAME",
        valueFrom: { fieldRef: { fieldPath: "metadata.name" } },
      });
      expect(prometheusYml.global.external_labels).toEqual({
        cluster: "plue",
        [REPLICA_LABEL]: `\${POD_NAME}`,
      });
      expect(prometheusYml.alerting.alert_relabel_configs).toEqual([
        { action: "labeldrop", regex: REPLICA_LABEL },
      ]);
      // 3.x expands external labels by itself, and would only warn about the 2.x feature flag.
      expect(container.args).not.toContain(EXPAND_EXTERNAL_LABELS_ON_PROMETHEUS_2);
      expect(container.image).toMatch(/:v3\./);
    }
  });

  it("refuses anything but a whole number from 1 to 5, naming the key", () => {
    for (const bad of [0, 6, 1.5, -1, "2"]) {
      expect(configProblems({ prometheusReplicas: bad as never }), String(bad)).toEqual([
        "prometheusReplicas: not accepted; expected a whole number from 1 to 5",
      ]);
    }
    for (const good of [1, 2, 5]) expect(configProblems({ prometheusReplicas: good })).toEqual([]);
  });
});
