// The manifests as written: every object valid against its Kubernetes schema, the kustomization
// buildable offline by kubectl, labels everywhere, and the shape each component needs.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { components } from "../../src/components.ts";
import { defaultImages } from "../../src/config/images.ts";
import { APP_NAMESPACE_POLICY_FILE } from "../../src/kubernetes/index.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import type { Manifest } from "./lib/cluster.ts";
import { buildStack, fullConfig, podTemplates } from "./lib/stack.ts";

// biome-ignore lint/suspicious/noExplicitAny: model classes of different kinds
const models: Record<string, new (data: any) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/StatefulSet": StatefulSet,
  "apps/v1/Deployment": Deployment,
  "apps/v1/DaemonSet": DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

function validateAgainstSchema(object: Manifest): void {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const stack = buildStack();
const minimal = buildStack({});
const byKind = (objects: Manifest[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objects: Manifest[], kind: string, name: string): Manifest => {
  const found = byKind(objects, kind, name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0];
};

/** kubectl on PATH (or at /usr/bin/kubectl); the test fails, never skips, without it. */
function findKubectl(): string | undefined {
  const candidates = [
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "kubectl")),
    "/usr/bin/kubectl",
  ];
  return candidates.find((path) => existsSync(path));
}

describe("Kubernetes schema", () => {
  it("every object of every file validates against its schema", () => {
    for (const object of [...stack.objects, ...stack.appNamespaceObjects, ...minimal.objects]) {
      expect(() => validateAgainstSchema(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
    }
    expect(stack.objects.length).toBeGreaterThan(30);
  });

  it("the schema check catches a broken object", () => {
    const statefulSet = structuredClone(one(stack.objects, "StatefulSet", "prometheus"));
    statefulSet.spec.replicas = "one";
    expect(() => validateAgainstSchema(statefulSet)).toThrow();
    const service = structuredClone(one(stack.objects, "Service", "grafana"));
    delete service.spec.ports[0].port;
    expect(() => validateAgainstSchema(service)).toThrow();
  });
});

describe("kustomization", () => {
  const dir = tempDir("plue-monitoring-kustomize-");
  afterAll(() => dir.cleanup());

  it("lists every component file, not the appNamespace policy, and sets the namespace", () => {
    expect(stack.kustomization.namespace).toBe("monitoring");
    const listed: string[] = stack.kustomization.resources;
    const written = Object.keys(stack.files).filter((file) => file !== "kustomization.yaml");
    expect(listed.sort()).toEqual(written.filter((file) => file !== APP_NAMESPACE_POLICY_FILE).sort());
    expect(listed).toEqual(
      expect.arrayContaining([
        "namespace.yaml",
        "prometheus.yaml",
        "alertmanager.yaml",
        "grafana.yaml",
        "kube-state-metrics.yaml",
        "node-exporter.yaml",
        "blackbox-exporter.yaml",
        "postgres-exporter.yaml",
        "network-policies.yaml",
      ]),
    );
    expect(stack.appNamespaceObjects.every((o) => o.metadata.namespace === stack.config.appNamespace)).toBe(
      true,
    );
  });

  it("kubectl kustomize builds it offline", async () => {
    const kubectl = findKubectl();
    if (!kubectl) {
      expect.fail("kubectl not found on PATH or at /usr/bin/kubectl: install kubectl to run this test");
    }
    for (const [file, text] of Object.entries(stack.files)) {
      mkdirSync(dirname(join(dir.path, file)), { recursive: true });
      writeFileSync(join(dir.path, file), text);
    }
    // No cluster: a kubeconfig that does not exist.
    const env = { ...process.env, KUBECONFIG: join(dir.path, "no-kubeconfig") };
    const result = await runCommand(kubectl, ["kustomize", dir.path], { env });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const built = parseAllDocuments(result.stdout).map((d) => d.toJS());
    expect(built).toHaveLength(stack.objects.length);
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);
    for (const object of built) {
      if (!clusterScoped.has(object.kind))
        expect(object.metadata.namespace, object.metadata.name).toBe("monitoring");
    }
    // kustomize rewrites subjects' namespaces: they must still name the stack's ServiceAccounts.
    for (const binding of byKind(built, "ClusterRoleBinding")) {
      expect(binding.subjects[0].namespace).toBe("monitoring");
    }
  });
});

describe("every object", () => {
  it("carries the recommended labels", () => {
    for (const object of [...stack.objects, ...stack.appNamespaceObjects]) {
      const labels = object.metadata.labels ?? {};
      const what = `${object.kind} ${object.metadata.name}`;
      for (const key of ["name", "component", "version"]) {
        expect(labels[`app.kubernetes.io/${key}`], `${what}: app.kubernetes.io/${key}`).toMatch(/^[\w.-]+$/);
      }
      expect(labels["app.kubernetes.io/part-of"], what).toBe("plue-monitoring");
      expect(labels["app.kubernetes.io/managed-by"], what).toBe("plue-monitoring");
    }
    for (const { workload, template } of podTemplates(stack.objects)) {
      expect(template.metadata.labels["app.kubernetes.io/part-of"], workload).toBe("plue-monitoring");
    }
  });

  it("ConfigMaps and Secrets stay under Kubernetes' 1 MiB object limit", () => {
    for (const object of [...byKind(stack.objects, "ConfigMap"), ...byKind(stack.objects, "Secret")]) {
      expect(JSON.stringify(object).length, object.metadata.name).toBeLessThan(1024 * 1024 - 64 * 1024);
    }
  });
});

describe("services and exposure", () => {
  it("serve the seed's ports, none of them as a LoadBalancer or NodePort", () => {
    const ports = (name: string) =>
      one(stack.objects, "Service", name).spec.ports.map((p: Manifest) => `${p.port}/${p.protocol}`);
    expect(ports("prometheus")).toEqual(["9090/TCP"]);
    expect(ports("alertmanager")).toEqual(["9093/TCP"]);
    expect(ports(components.alertmanager.headlessService)).toEqual(["9093/TCP", "9094/TCP", "9094/UDP"]);
    expect(ports("grafana")).toEqual(["3000/TCP"]);
    for (const service of byKind(stack.objects, "Service")) {
      expect(service.spec.type ?? "ClusterIP", service.metadata.name).toBe("ClusterIP");
    }
  });

  it("puts Grafana behind TLS and basic auth at grafana.<domain>", () => {
    const ingress = one(stack.objects, "Ingress", "grafana");
    expect(ingress.spec.rules[0].host).toBe("grafana.plue.dev");
    expect(ingress.spec.tls).toEqual([{ hosts: ["grafana.plue.dev"], secretName: "grafana-tls" }]);
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.metadata.annotations).toMatchObject({
      "cert-manager.io/cluster-issuer": "letsencrypt-prod",
      "nginx.ingress.kubernetes.io/auth-type": "basic",
      "nginx.ingress.kubernetes.io/auth-secret": "grafana-basic-auth",
    });
    expect(one(minimal.objects, "Ingress", "grafana").metadata.annotations).not.toHaveProperty(
      "cert-manager.io/cluster-issuer",
    );
  });

  it("or behind oauth2-proxy", () => {
    const oauth = buildStack({
      ...fullConfig,
      ingressAuth: "oauth2-proxy",
      oauth2ProxyUrl: "https://oauth2.plue.dev",
    });
    const annotations = one(oauth.objects, "Ingress", "grafana").metadata.annotations;
    expect(annotations["nginx.ingress.kubernetes.io/auth-url"]).toBe("https://oauth2.plue.dev/oauth2/auth");
    expect(annotations["nginx.ingress.kubernetes.io/auth-signin"]).toMatch(
      /^https:\/\/oauth2\.plue\.dev\/oauth2\/start\?rd=/,
    );
    expect(annotations).not.toHaveProperty("nginx.ingress.kubernetes.io/auth-type");
    expect(() => buildStack({ ingressAuth: "oauth2-proxy" })).toThrow(/oauth2ProxyUrl/);
  });
});

describe("workloads", () => {
  it("Prometheus: a StatefulSet with a claim of prometheusStorageSize, retention and reload enabled", () => {
    const statefulSet = one(stack.objects, "StatefulSet", "prometheus");
    const claim = statefulSet.spec.volumeClaimTemplates[0];
    expect(claim.spec.resources.requests.storage).toBe("50Gi");
    expect(claim.spec.storageClassName).toBe("fast-ssd");
    expect(
      one(minimal.objects, "StatefulSet", "prometheus").spec.volumeClaimTemplates[0].spec,
    ).not.toHaveProperty("storageClassName");
    const args: string[] = statefulSet.spec.template.spec.containers[0].args;
    expect(args).toEqual(
      expect.arrayContaining([
        "--storage.tsdb.retention.time=30d",
        "--web.enable-lifecycle",
        "--config.file=/etc/prometheus/prometheus.yml",
      ]),
    );
    const custom = buildStack({ prometheusRetention: "90d", prometheusStorageSize: "200Gi" });
    const customSet = one(custom.objects, "StatefulSet", "prometheus");
    expect(customSet.spec.template.spec.containers[0].args).toContain("--storage.tsdb.retention.time=90d");
    expect(customSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("200Gi");
  });

  it("Prometheus mounts prometheus.yml and every rule file where prometheus.yml expects them", () => {
    const statefulSet = one(stack.objects, "StatefulSet", "prometheus");
    const sources = statefulSet.spec.template.spec.volumes.find((v: Manifest) => v.name === "config")
      .projected.sources;
    const paths = sources.flatMap((s: Manifest) => s.configMap.items.map((i: Manifest) => i.path));
    const rules = one(stack.objects, "ConfigMap", "prometheus-rules");
    expect(Object.keys(rules.data).length).toBeGreaterThan(0);
    expect(paths).toEqual(["prometheus.yml", ...Object.keys(rules.data).map((file) => `rules/${file}`)]);
    const prometheusYml = one(stack.objects, "ConfigMap", "prometheus-config").data["prometheus.yml"];
    expect(prometheusYml).toContain("/etc/prometheus/rules/*.yaml");
  });

  it("Alertmanager: clustered replicas that name each other as peers, a volume each, config from a Secret", () => {
    const statefulSet = one(stack.objects, "StatefulSet", "alertmanager");
    expect(statefulSet.spec.replicas).toBe(2);
    expect(statefulSet.spec.serviceName).toBe(components.alertmanager.headlessService);
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("1Gi");
    const args: string[] = statefulSet.spec.template.spec.containers[0].args;
    expect(args.filter((a) => a.startsWith("--cluster.peer="))).toEqual([
      "--cluster.peer=alertmanager-0.alertmanager-headless.monitoring.svc:9094",
      "--cluster.peer=alertmanager-1.alertmanager-headless.monitoring.svc:9094",
    ]);
    expect(args).toContain("--storage.path=/alertmanager");
    const volume = statefulSet.spec.template.spec.volumes.find((v: Manifest) => v.name === "config");
    expect(volume.projected.sources[0].secret.name).toBe("alertmanager-config");
    const secret = one(stack.objects, "Secret", "alertmanager-config");
    expect(Object.keys(secret.data).sort()).toEqual([
      "alertmanager.yml",
      "pagerduty-routing-key",
      "slack-webhook-url",
    ]);
    expect(byKind(stack.objects, "ConfigMap").map((c) => c.metadata.name)).not.toContain(
      "alertmanager-config",
    );

    const three = one(buildStack({ alertmanagerReplicas: 3 }).objects, "StatefulSet", "alertmanager");
    expect(
      three.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith("--cluster.peer=")),
    ).toHaveLength(3);
    const single = one(buildStack({ alertmanagerReplicas: 1 }).objects, "StatefulSet", "alertmanager");
    expect(single.spec.template.spec.containers[0].args).toContain("--cluster.listen-address=");
  });

  it("Grafana: one pod that never shares its volume, password from a Secret, provisioning from ConfigMaps", () => {
    const deployment = one(stack.objects, "Deployment", "grafana");
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe("Recreate");
    expect(one(stack.objects, "PersistentVolumeClaim", "grafana").spec.resources.requests.storage).toBe(
      "10Gi",
    );
    const env = deployment.spec.template.spec.containers[0].env;
    const passwordFile = env.find((e: Manifest) => e.name === "GF_SECURITY_ADMIN_PASSWORD__FILE");
    expect(passwordFile.value).toBe("/etc/grafana/secrets/admin-password");
    const volumes = deployment.spec.template.spec.volumes;
    expect(volumes.find((v: Manifest) => v.name === "admin").secret.secretName).toBe("grafana-admin");
    expect(Object.keys(one(stack.objects, "Secret", "grafana-admin").data)).toEqual(["admin-password"]);
    const provisioning = one(stack.objects, "ConfigMap", "grafana-provisioning");
    expect(Object.keys(provisioning.data).sort()).toEqual([
      "dashboards__plue.yaml",
      "datasources__prometheus.yaml",
    ]);
    const dashboardPaths = volumes
      .find((v: Manifest) => v.name === "dashboards")
      .projected.sources.map((s: Manifest) => s.configMap.items[0].path);
    expect(dashboardPaths.length).toBeGreaterThan(0);
    expect(dashboardPaths.every((p: string) => p.endsWith(".json"))).toBe(true);
  });

  it("postgres-exporter exists exactly when a DSN is configured, DSN from its Secret", () => {
    const deployment = one(stack.objects, "Deployment", "postgres-exporter");
    const env = deployment.spec.template.spec.containers[0].env;
    expect(env).toEqual([
      {
        name: "DATA_SOURCE_NAME",
        valueFrom: { secretKeyRef: { name: "postgres-exporter", key: "data-source-name" } },
      },
    ]);
    expect(minimal.objects.filter((o) => o.metadata.name === "postgres-exporter")).toEqual([]);
    expect(minimal.kustomization.resources).not.toContain("postgres-exporter.yaml");
  });

  it("node-exporter runs on every node with the host's /proc, /sys and / read-only", () => {
    const daemonSet = one(stack.objects, "DaemonSet", "node-exporter");
    const spec = daemonSet.spec.template.spec;
    expect(spec.hostPID).toBe(true);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.tolerations).toEqual([{ operator: "Exists" }]);
    expect(spec.volumes.map((v: Manifest) => v.hostPath.path).sort()).toEqual(["/", "/proc", "/sys"]);
    expect(spec.containers[0].volumeMounts.every((m: Manifest) => m.readOnly === true)).toBe(true);
  });

  it("every container runs the configured image", () => {
    const images = new Set(
      podTemplates(stack.objects).flatMap(({ template }) =>
        template.spec.containers.map((c: Manifest) => c.image),
      ),
    );
    expect([...images].sort()).toEqual(Object.values(defaultImages).sort());
    const custom = buildStack({ images: { grafana: "registry.example/grafana:12.4.12-patched" } });
    expect(one(custom.objects, "Deployment", "grafana").spec.template.spec.containers[0].image).toBe(
      "registry.example/grafana:12.4.12-patched",
    );
    expect(one(custom.objects, "Deployment", "grafana").metadata.labels["app.kubernetes.io/version"]).toBe(
      "12.4.12-patched",
    );
  });
});
