// The monitoring namespace. node-exporter needs the host (see node-exporter.ts), so the namespace
// cannot enforce a Pod Security level above privileged; it audits and warns at restricted, which
// flags anything but node-exporter's documented exception.
import { Namespace } from "kubernetes-models/v1/Namespace";
import type { StackConfig } from "../config/schema.ts";
import { type KubeObject, labels, meta, STACK_VERSION } from "./common.ts";

export function namespace(config: StackConfig): KubeObject[] {
  return [
    new Namespace({
      metadata: meta(config.namespace, {
        ...labels("plue-monitoring", "namespace", STACK_VERSION),
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      }),
    }),
  ];
}
