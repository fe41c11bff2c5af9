// Kubernetes manifests for the whole stack: one file per component, listed by kustomization.yaml.
import type { StackConfig } from "../config/schema.ts";
import { toYaml, toYamlStream } from "../render.ts";
import { alertmanager } from "./alertmanager.ts";
import { backup } from "./backup.ts";
import { blackboxExporter } from "./blackbox-exporter.ts";
import type { KubeObject } from "./common.ts";
import { grafana } from "./grafana.ts";
import { kubeStateMetrics } from "./kube-state-metrics.ts";
import { namespace } from "./namespace.ts";
import { networkPolicies, scrapedNamespacePolicies } from "./network-policies.ts";
import { nodeExporter } from "./node-exporter.ts";
import { postgresExporter } from "./postgres-exporter.ts";
import { prometheus } from "./prometheus.ts";
import type { RenderedConfigs } from "./rendered.ts";

export type { KubeObject } from "./common.ts";
export type { RenderedConfigs } from "./rendered.ts";

/** Not listed in kustomization.yaml: it belongs in appNamespace, applied by whoever runs Plue there. */
export const APP_NAMESPACE_POLICY_FILE = "app-namespace/network-policy.yaml";

/** Likewise for each other namespace a team's scrape job reaches into. */
export const scrapedNamespacePolicyFile = (namespace: string) =>
  `scraped-namespaces/${namespace}/network-policy.yaml`;

/** Files for other namespaces' owners to apply: never part of the kustomization. */
const isForOtherNamespace = (file: string) =>
  file === APP_NAMESPACE_POLICY_FILE || file.startsWith("scraped-namespaces/");

/** Every object of the stack, by the file it is written to (kustomization.yaml aside), validated. */
export function manifestObjects(
  config: StackConfig,
  rendered: RenderedConfigs,
): Record<string, KubeObject[]> {
  const files: Record<string, KubeObject[]> = {
    "namespace.yaml": namespace(config),
    "prometheus.yaml": prometheus(config, rendered),
    "alertmanager.yaml": alertmanager(config, rendered),
    "grafana.yaml": grafana(config, rendered),
    "kube-state-metrics.yaml": kubeStateMetrics(config),
    "node-exporter.yaml": nodeExporter(config),
    "blackbox-exporter.yaml": blackboxExporter(config, rendered),
    "postgres-exporter.yaml": postgresExporter(config),
    "network-policies.yaml": networkPolicies(config),
    // Empty (and so no file) unless backup.schedule is set.
    "backup.yaml": backup(config),
  };
  for (const [namespace, policy] of scrapedNamespacePolicies(config)) {
    const file =
      namespace === config.appNamespace ? APP_NAMESPACE_POLICY_FILE : scrapedNamespacePolicyFile(namespace);
    files[file] = [policy];
  }
  for (const [file, objects] of Object.entries(files)) {
    if (objects.length === 0) delete files[file];
    for (const object of objects) {
      try {
        object.validate();
      } catch (error) {
        throw new Error(`${file}: ${object.kind} ${object.metadata?.name}: ${(error as Error).message}`);
      }
    }
  }
  return files;
}

/** manifests/<file> → YAML text, kustomization.yaml included. */
export function manifests(config: StackConfig, rendered: RenderedConfigs): Record<string, string> {
  const objects = manifestObjects(config, rendered);
  const files: Record<string, string> = {};
  for (const [file, fileObjects] of Object.entries(objects)) {
    files[file] = toYamlStream(fileObjects.map((object) => object.toJSON()));
  }
  files["kustomization.yaml"] = toYaml({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: config.namespace,
    resources: Object.keys(objects).filter((file) => !isForOtherNamespace(file)),
  });
  return files;
}
