// Kubernetes manifests for the whole stack: one file per component, listed by kustomization.yaml.
import { Namespace } from "kubernetes-models/v1/Namespace";
import type { StackConfig } from "../config/schema.ts";
import { toYaml, toYamlStream } from "../render.ts";

/** The configuration files the pods mount, already rendered to text. */
export interface RenderedConfigs {
  prometheusYml: string;
  /** rule file name → YAML */
  ruleFiles: Record<string, string>;
  alertmanagerYml: string;
  /** dashboard file name → JSON */
  dashboards: Record<string, string>;
  /** provisioning file path (datasources/x.yaml, dashboards/x.yaml) → YAML */
  grafanaProvisioning: Record<string, string>;
}

/** manifests/<file> → YAML text, kustomization.yaml included. */
export function manifests(config: StackConfig, _rendered: RenderedConfigs): Record<string, string> {
  const namespace = new Namespace({ metadata: { name: config.namespace } });
  namespace.validate();
  const files: Record<string, string> = { "namespace.yaml": toYamlStream([namespace.toJSON()]) };
  files["kustomization.yaml"] = toYaml({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: Object.keys(files),
  });
  return files;
}
