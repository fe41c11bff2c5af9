// The stack under test: a config with every secret and every optional part set, its synthesized
// manifests parsed back from the written YAML, and a simulated cluster around them.
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { PLUE_SERVICE_PORTS, PLUE_SERVICES } from "../../../src/catalog/plue-services.ts";
import type { StackConfig, UserConfig } from "../../../src/config/schema.ts";
import { APP_NAMESPACE_POLICY_FILE, manifests } from "../../../src/kubernetes/index.ts";
import { renderConfigs } from "../../../src/synth.ts";
import { secretValues, testConfig } from "../../helpers/config.ts";
import { type Manifest, type SimCluster, type SimPod, type SimService, simulate } from "./cluster.ts";

/** Remote-write credentials of fullConfig, distinctive enough to find anywhere they leak. */
export const remoteWriteSecrets = {
  password: "rwSecretPass3317",
  bearerToken: "rwSecretToken6620",
} as const;

/**
 * Everything on: every secret, remote-write targets (with basic auth, with a bearer token, with
 * neither) and probes on non-default ports.
 */
export const fullConfig: UserConfig = {
  ...secretValues,
  remoteWrite: [
    {
      url: "https://metrics.example.com:9443/api/v1/write",
      name: "central",
      basicAuth: { username: "prometheus", password: remoteWriteSecrets.password },
    },
    { url: "https://tenant.example.com:8443/push", bearerToken: remoteWriteSecrets.bearerToken },
    { url: "https://open.example.com/api/v1/write", name: "open" },
  ],
  extraProbeUrls: ["https://status.plue.dev:8443/health"],
  storageClassName: "fast-ssd",
  certManagerClusterIssuer: "letsencrypt-prod",
};

export interface Stack {
  config: StackConfig;
  /** manifests/<file> → YAML text. */
  files: Record<string, string>;
  /** Objects of the files kustomization.yaml lists. */
  objects: Manifest[];
  /** Objects to apply in appNamespace. */
  appNamespaceObjects: Manifest[];
  kustomization: Manifest;
}

export function buildStack(overrides: UserConfig = fullConfig): Stack {
  const config = testConfig(overrides);
  const files = manifests(config, renderConfigs(config));
  const parse = (file: string): Manifest[] =>
    parseAllDocuments(files[file] as string).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      return document.toJS();
    });
  const kustomization = parseYaml(files["kustomization.yaml"] as string);
  return {
    config,
    files,
    objects: (kustomization.resources as string[]).flatMap(parse),
    appNamespaceObjects: parse(APP_NAMESPACE_POLICY_FILE),
    kustomization,
  };
}

/** Pod templates of the workloads, by workload name. */
export function podTemplates(
  objects: readonly Manifest[],
): { workload: string; kind: string; template: Manifest }[] {
  return objects
    .filter((object) => ["Deployment", "StatefulSet", "DaemonSet"].includes(object.kind))
    .map((object) => ({ workload: object.metadata.name, kind: object.kind, template: object.spec.template }));
}

function appPod(namespace: string, name: string, labels: Record<string, string>, port: number): SimPod {
  return {
    namespace,
    name,
    ip: "",
    nodeName: "node-b",
    hostNetwork: false,
    labels,
    annotations: {},
    containers: [{ name: "app", image: "plue/app:1.0.0", ports: [{ name: "http", containerPort: port }] }],
    controller: { kind: "ReplicaSet", name },
    spec: {},
  };
}

/**
 * The simulated cluster: the stack's workloads and Services, Plue's api/web/electric in appNamespace,
 * a pod annotated for scraping in another namespace, CoreDNS and the ingress controller.
 */
export function simulatedCluster(stack: Stack): SimCluster {
  const extraPods: SimPod[] = [];
  const extraServices: SimService[] = [];
  let ip = 200;
  const add = (pod: SimPod) => extraPods.push({ ...pod, ip: `10.244.1.${ip++}` });
  for (const service of PLUE_SERVICES) {
    const port = PLUE_SERVICE_PORTS[service];
    add(appPod(stack.config.appNamespace, `${service}-7f9c-0`, { app: service }, port));
    extraServices.push({
      namespace: stack.config.appNamespace,
      name: service,
      labels: { app: service },
      annotations: {},
      selector: { app: service },
      headless: false,
      ports: [{ name: "http", port, targetPort: "http", protocol: "TCP" }],
    });
  }
  add({
    ...appPod("team-x", "worker-1", { app: "worker" }, 8123),
    annotations: {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8123",
      "prometheus.io/path": "/custom-metrics",
    },
  });
  add(appPod("kube-system", "coredns-1", { "k8s-app": "kube-dns" }, 53));
  add(
    appPod("ingress-nginx", "ingress-nginx-controller-1", { "app.kubernetes.io/name": "ingress-nginx" }, 443),
  );
  return simulate(stack.objects, { pods: extraPods, services: extraServices });
}
