// The scrape config and the RBAC agree. What prometheus.yml needs is derived from the rendered file
// itself (its kubernetes_sd_configs roles, and the kubelet and API server paths its relabeled targets
// request in the simulated cluster) and checked against the ClusterRole bound to Prometheus' account.
// kube-state-metrics may list and watch exactly what it exports, which covers the catalog's kube_*.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { catalog } from "../../src/catalog/index.ts";
import { kubeStateMetricsResources } from "../../src/kubernetes/kube-state-metrics.ts";
import type { Manifest } from "./lib/cluster.ts";
import { discoveryNeeds, missingGrants, type Need, type PolicyRule, scrapeNeeds } from "./lib/rbac.ts";
import { alertmanagerTargets, scrapeTargets, sdConfigs } from "./lib/scrape.ts";
import { buildStack, simulatedCluster } from "./lib/stack.ts";

const stack = buildStack();
const cluster = simulatedCluster(stack);
const find = (kind: string, name: string): Manifest => {
  const found = stack.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
// biome-ignore lint/suspicious/noExplicitAny: parsed prometheus.yml
const prometheusYml: any = parseYaml(find("ConfigMap", "prometheus-config").data["prometheus.yml"]);

/** The rules of the ClusterRole a workload's service account is bound to. */
function boundRules(workload: string, kind: string): PolicyRule[] {
  const serviceAccount = find(kind, workload).spec.template.spec.serviceAccountName;
  const bindings = stack.objects.filter(
    (o) =>
      o.kind === "ClusterRoleBinding" &&
      o.subjects.some(
        (s: Manifest) =>
          s.kind === "ServiceAccount" && s.name === serviceAccount && s.namespace === stack.config.namespace,
      ),
  );
  expect(bindings.length, `bindings of ${serviceAccount}`).toBeGreaterThan(0);
  return bindings.flatMap((binding) => find("ClusterRole", binding.roleRef.name).rules);
}

function prometheusNeeds(yml: typeof prometheusYml): Need[] {
  return [
    ...sdConfigs(yml).flatMap(({ job, sd }) => discoveryNeeds(job, sd)),
    ...scrapeNeeds(cluster, [...scrapeTargets(cluster, yml), ...alertmanagerTargets(cluster, yml)]),
  ];
}

describe("Prometheus' ClusterRole", () => {
  const rules = boundRules("prometheus", "StatefulSet");
  const needs = prometheusNeeds(prometheusYml);

  it("grants everything the scrape config needs", () => {
    expect(missingGrants(rules, needs)).toEqual([]);
  });

  it("the derivation sees discovery, kubelet and API server scrapes (it is not vacuous)", () => {
    const described = needs.map((need) =>
      need.kind === "resource" ? `${need.verb} ${need.resource}` : `${need.verb} ${need.path}`,
    );
    expect(described).toEqual(
      expect.arrayContaining([
        "list nodes",
        "watch nodes",
        "list endpointslices",
        "list pods",
        "list services",
        "get nodes/metrics",
        "get /metrics",
      ]),
    );
    // Both kubelet paths were scraped on both simulated nodes.
    const kubeletScrapes = scrapeTargets(cluster, prometheusYml).filter((t) => t.port === 10250);
    expect(kubeletScrapes.map((t) => `${t.host}${t.path}`).sort()).toEqual([
      "10.0.0.1/metrics",
      "10.0.0.1/metrics/cadvisor",
      "10.0.0.2/metrics",
      "10.0.0.2/metrics/cadvisor",
    ]);
  });

  it("a grant removed from the ClusterRole fails the check for the job that needs it", () => {
    const without = (resource: string) =>
      rules.map((rule) => ({ ...rule, resources: rule.resources?.filter((r) => r !== resource) }));
    expect(missingGrants(without("nodes/metrics"), needs).join("\n")).toMatch(
      /get nodes\/metrics \(job kubelet/,
    );
    expect(missingGrants(without("endpointslices"), needs).join("\n")).toMatch(
      /list discovery\.k8s\.io\/endpointslices/,
    );
    const noNonResource = rules.filter((rule) => !rule.nonResourceURLs);
    expect(missingGrants(noNonResource, needs).join("\n")).toMatch(/get \/metrics \(job apiserver/);
    const noWatch = rules.map((rule) => ({ ...rule, verbs: rule.verbs.filter((v) => v !== "watch") }));
    expect(missingGrants(noWatch, needs).join("\n")).toMatch(/watch nodes/);
    // The config reloaders are found by pod discovery; Alertmanager and Grafana through EndpointSlices.
    const withoutPods = missingGrants(without("pods"), needs).join("\n");
    expect(withoutPods).toMatch(/list pods \(job config-reloader: kubernetes_sd_configs role pod\)/);
    expect(withoutPods).toMatch(/list pods \(job alertmanager: kubernetes_sd_configs role endpointslice\)/);
    expect(withoutPods).toMatch(/list pods \(job grafana: kubernetes_sd_configs role endpointslice\)/);
  });

  it("a job needing a resource or path the ClusterRole lacks fails the check", () => {
    const extended = structuredClone(prometheusYml);
    extended.scrape_configs.push(
      {
        job_name: "namespaced-pods",
        kubernetes_sd_configs: [{ role: "pod", attach_metadata: { namespace: true } }],
      },
      {
        job_name: "kubelet-summary",
        scheme: "https",
        metrics_path: "/stats/summary",
        kubernetes_sd_configs: [{ role: "node" }],
      },
    );
    const missing = missingGrants(rules, prometheusNeeds(extended)).join("\n");
    expect(missing).toMatch(/list namespaces \(job namespaced-pods/);
    expect(missing).toMatch(/get nodes\/stats \(job kubelet-summary/);
  });

  it("is exactly read access: get, list and watch on the discovery resources and /metrics", () => {
    const granted = rules.flatMap((rule) =>
      rule.nonResourceURLs
        ? rule.nonResourceURLs.flatMap((url) => rule.verbs.map((verb) => `${verb} ${url}`))
        : (rule.apiGroups ?? []).flatMap((group) =>
            (rule.resources ?? []).flatMap((resource) =>
              rule.verbs.map((verb) => `${verb} ${group === "" ? "" : `${group}/`}${resource}`),
            ),
          ),
    );
    const read = (resources: string[]) =>
      resources.flatMap((r) => ["get", "list", "watch"].map((v) => `${v} ${r}`));
    expect(granted.sort()).toEqual(
      [
        ...read([
          "nodes",
          "nodes/metrics",
          "services",
          "endpoints",
          "pods",
          "discovery.k8s.io/endpointslices",
          "networking.k8s.io/ingresses",
        ]),
        "get /metrics",
        "get /metrics/cadvisor",
      ].sort(),
    );
  });
});

/** kube-state-metrics' metric family prefixes (kube_<resource>_) → the resource they describe. */
const KSM_FAMILIES: Record<string, string> = {
  certificatesigningrequest: "certificatesigningrequests",
  configmap: "configmaps",
  cronjob: "cronjobs",
  daemonset: "daemonsets",
  deployment: "deployments",
  endpoint: "endpoints",
  endpointslice: "endpointslices",
  horizontalpodautoscaler: "horizontalpodautoscalers",
  ingress: "ingresses",
  ingressclass: "ingressclasses",
  job: "jobs",
  lease: "leases",
  limitrange: "limitranges",
  mutatingwebhookconfiguration: "mutatingwebhookconfigurations",
  namespace: "namespaces",
  networkpolicy: "networkpolicies",
  node: "nodes",
  persistentvolume: "persistentvolumes",
  persistentvolumeclaim: "persistentvolumeclaims",
  pod: "pods",
  poddisruptionbudget: "poddisruptionbudgets",
  replicaset: "replicasets",
  replicationcontroller: "replicationcontrollers",
  resourcequota: "resourcequotas",
  secret: "secrets",
  service: "services",
  statefulset: "statefulsets",
  storageclass: "storageclasses",
  validatingwebhookconfiguration: "validatingwebhookconfigurations",
  volumeattachment: "volumeattachments",
};

function ksmResourceOf(metric: string): string | undefined {
  const family = Object.keys(KSM_FAMILIES)
    .filter((prefix) => metric.startsWith(`kube_${prefix}_`))
    .sort((a, b) => b.length - a.length)[0];
  return family ? KSM_FAMILIES[family] : undefined;
}

describe("kube-state-metrics", () => {
  const deployment = find("Deployment", "kube-state-metrics");
  const args: string[] = deployment.spec.template.spec.containers[0].args;
  const exported = (args.find((a) => a.startsWith("--resources=")) ?? "")
    .slice("--resources=".length)
    .split(",");
  const rules = boundRules("kube-state-metrics", "Deployment");

  it("may list and watch every resource it exports, and nothing else", () => {
    const needs: Need[] = exported.flatMap((resource) =>
      ["list", "watch"].map((verb) => ({
        kind: "resource" as const,
        apiGroup: kubeStateMetricsResources[resource] ?? "?",
        resource,
        verb,
        why: `--resources ${resource}`,
      })),
    );
    expect(missingGrants(rules, needs)).toEqual([]);
    const grantedResources = rules.flatMap((rule) => rule.resources ?? []).sort();
    expect(grantedResources).toEqual([...exported].sort());
    expect(rules.every((rule) => rule.verbs.join() === "list,watch")).toBe(true);
    expect(exported).not.toContain("secrets");
    expect(exported).not.toContain("configmaps");
  });

  it("exports every kube_* family the catalog reads", () => {
    const read = catalog
      .filter((metric) => metric.jobs.includes("kube-state-metrics") && metric.name.startsWith("kube_"))
      .map((m) => m.name);
    expect(read.length).toBeGreaterThan(0);
    for (const metric of read) {
      const resource = ksmResourceOf(metric);
      expect(resource, `${metric}: which resource`).toBeDefined();
      expect(exported, metric).toContain(resource);
    }
    expect(ksmResourceOf("kube_persistentvolumeclaim_access_mode")).toBe("persistentvolumeclaims");
    expect(ksmResourceOf("kube_secret_info")).toBe("secrets");
  });
});
