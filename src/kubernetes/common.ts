// What every component shares: labels, the restricted security context, resources, probes, checksums,
// Services, volume claims, mount paths and cluster-wide read access.
import { createHash, scryptSync } from "node:crypto";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import type { IIoK8sApiAppsV1DeploymentStrategy } from "kubernetes-models/apps/v1/DeploymentStrategy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IIoK8sApiRbacV1PolicyRule } from "kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule";
import type { IIoK8sApiCoreV1Affinity } from "kubernetes-models/v1/Affinity";
import type { IIoK8sApiCoreV1Container } from "kubernetes-models/v1/Container";
import type { IIoK8sApiCoreV1PersistentVolumeClaimSpec } from "kubernetes-models/v1/PersistentVolumeClaimSpec";
import type { IIoK8sApiCoreV1PodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IIoK8sApiCoreV1PodSpec } from "kubernetes-models/v1/PodSpec";
import type { IIoK8sApiCoreV1Probe } from "kubernetes-models/v1/Probe";
import type { IIoK8sApiCoreV1ResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import { Secret } from "kubernetes-models/v1/Secret";
import type { IIoK8sApiCoreV1SecurityContext } from "kubernetes-models/v1/SecurityContext";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IIoK8sApiCoreV1ServicePort } from "kubernetes-models/v1/ServicePort";
import packageJson from "../../package.json" with { type: "json" };
import { COMPONENT_LABEL } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { isSecretReference, type SecretReference } from "../config/secret-reference.ts";

export const PART_OF = "plue-monitoring";
export const MANAGED_BY = "plue-monitoring";

/** The stack's own version, for objects that belong to no single image (namespace, policies). */
export const STACK_VERSION: string = packageJson.version;

/** A Kubernetes object as the builders produce it: validated, serializable. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  validate(): void;
  toJSON(): unknown;
}

/**
 * The label value for an image's version: its tag (v3.13.2), or the start of its digest. Label values
 * allow only [A-Za-z0-9._-], at most 63 characters.
 */
export function imageVersion(image: string): string {
  const digest = /@sha256:([a-f0-9]+)$/.exec(image);
  if (digest) return `sha256-${(digest[1] as string).slice(0, 12)}`;
  const tag = /:([\w][\w.-]*)$/.exec(image);
  if (!tag) throw new Error(`image ${image} has no tag or digest`);
  return (tag[1] as string).slice(0, 63).replace(/[^A-Za-z0-9]+$/, "");
}

/** The labels that pick a component's pods: stable across versions, so selectors never change. */
export function selectorLabels(name: string): Record<string, string> {
  return { [COMPONENT_LABEL]: name, "app.kubernetes.io/part-of": PART_OF };
}

/** The recommended labels, on every object. */
export function labels(name: string, component: string, version: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/version": version,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/** Object metadata with the recommended labels; namespaced objects get the stack's namespace. */
export function meta(
  name: string,
  objectLabels: Record<string, string>,
  namespace?: string,
  annotations?: Record<string, string>,
): {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
} {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: objectLabels,
    ...(annotations === undefined ? {} : { annotations }),
  };
}

/**
 * The pod-level half of the restricted Pod Security Standard: a fixed non-root UID (the image's own),
 * volumes owned by its group, the runtime's default seccomp profile.
 */
export function podSecurityContext(uid: number): IIoK8sApiCoreV1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Large volumes (Prometheus' TSDB) would otherwise be chown'ed on every start.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The container-level half: no privilege escalation, no capabilities, nothing writable but volumes. */
export function containerSecurityContext(): IIoK8sApiCoreV1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export function resources(r: Resources): IIoK8sApiCoreV1ResourceRequirements {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** An HTTP probe on a named or numbered container port. */
export function httpProbe(
  path: string,
  port: number | string,
  timing: Partial<
    Pick<
      IIoK8sApiCoreV1Probe,
      "initialDelaySeconds" | "periodSeconds" | "timeoutSeconds" | "failureThreshold"
    >
  > = {},
): IIoK8sApiCoreV1Probe {
  return {
    httpGet: { path, port, scheme: "HTTP" },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
    ...timing,
  };
}

/** sha256 over named texts: changes exactly when one of them does. */
export function checksum(texts: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(texts).sort()) {
    hash
      .update(name)
      .update("\0")
      .update(texts[name] as string)
      .update("\0");
  }
  return hash.digest("hex");
}

/**
 * A checksum of secret values, for an annotation anyone who can read pods sees. A plain sha256 of a
 * weak password is cheap to brute-force; scrypt makes each guess expensive. Deterministic, so the
 * annotation changes only when a secret does.
 */
export function secretChecksum(values: Record<string, string>): string {
  return scryptSync(checksum(values), "plue-monitoring/secret-checksum", 32, {
    N: 2 ** 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  }).toString("hex");
}

/** Secret data as Kubernetes stores it (base64), so applying twice never shows a diff. */
export function secretData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")]),
  );
}

/**
 * Where a pod reads one secret value: a Secret of ours (`metadata.name`, `key`) holding a value from
 * the config, or the existing Secret the config references, for which nothing is generated.
 */
export function secretValueSource(
  value: string | SecretReference,
  metadata: ReturnType<typeof meta>,
  key: string,
): { secret?: Secret; source: { name: string; key: string } } {
  if (isSecretReference(value)) return { source: { name: value.secretName, key: value.key } };
  return {
    secret: new Secret({ metadata, type: "Opaque", data: secretData({ [key]: value }) }),
    source: { name: metadata.name, key },
  };
}

/**
 * Projected-volume sources for files read from Secrets that already exist (references given in the
 * config): one source per Secret, each file at its path under the volume. Nothing of these Secrets
 * is known at synth time, so no checksum covers them (docs/kubernetes.md, "Secrets you already have").
 */
export function referencedSecretSources(
  files: Readonly<Record<string, SecretReference>>,
): { secret: { name: string; items: { key: string; path: string }[] } }[] {
  const bySecret = new Map<string, { key: string; path: string }[]>();
  for (const path of Object.keys(files).sort()) {
    const { secretName, key } = files[path] as SecretReference;
    bySecret.set(secretName, [...(bySecret.get(secretName) ?? []), { key, path }]);
  }
  return [...bySecret.keys()].sort().map((name) => ({ secret: { name, items: bySecret.get(name) ?? [] } }));
}

/** ConfigMap and Secret keys allow [-._a-zA-Z0-9]; nested paths become keys with "__" for "/". */
export function fileKey(path: string): string {
  const key = path.replaceAll("/", "__");
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) throw new Error(`${path} cannot be a ConfigMap key`);
  return key;
}

/** A DNS-1123 name made from a file name (dashboards/plue-api.json → plue-api). */
export function dnsName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/, "")
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (name === "") throw new Error(`no DNS name can be made from ${JSON.stringify(text)}`);
  return name.slice(0, 63).replace(/-+$/, "");
}

/**
 * A one-replica Deployment of a component (Grafana, the exporters): it selects its pods by the
 * component's selector labels, which the pod template carries with the rest of objectLabels.
 */
export function singleReplicaDeployment(
  name: string,
  objectLabels: Record<string, string>,
  namespace: string,
  options: {
    strategy?: IIoK8sApiAppsV1DeploymentStrategy;
    podAnnotations?: Record<string, string>;
    podSpec: IIoK8sApiCoreV1PodSpec;
  },
): Deployment {
  const { strategy, podAnnotations, podSpec } = options;
  return new Deployment({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      replicas: 1,
      ...(strategy === undefined ? {} : { strategy }),
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: {
          labels: objectLabels,
          ...(podAnnotations === undefined ? {} : { annotations: podAnnotations }),
        },
        spec: podSpec,
      },
    },
  });
}

/** A Service port that forwards to the container port of the same name. */
export function servicePort(
  portName: string,
  port: number,
  protocol: "TCP" | "UDP" = "TCP",
): IIoK8sApiCoreV1ServicePort {
  return { name: portName, port, targetPort: portName, protocol };
}

/**
 * The ClusterIP Service in front of a component's pods, named after the component. `stickyClients`:
 * each client keeps talking to the same pod while it is ready (session affinity by client IP).
 */
export function clusterIPService(
  name: string,
  objectLabels: Record<string, string>,
  namespace: string,
  ports: IIoK8sApiCoreV1ServicePort[],
  options: { stickyClients?: boolean } = {},
): Service {
  return new Service({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(name),
      ports,
      ...(options.stickyClients ? { sessionAffinity: "ClientIP" } : {}),
    },
  });
}

/** A ReadWriteOnce claim on storageClassName (the cluster's default class when it is empty). */
export function volumeClaimSpec(config: StackConfig, size: string): IIoK8sApiCoreV1PersistentVolumeClaimSpec {
  return {
    accessModes: ["ReadWriteOnce"],
    ...(config.storageClassName === "" ? {} : { storageClassName: config.storageClassName }),
    resources: { requests: { storage: size } },
  };
}

/**
 * A ServiceAccount bound to a ClusterRole of its own. The role and its binding are cluster-scoped, so
 * roleName must differ between stacks in different namespaces.
 */
export function clusterRoleAccount(
  name: string,
  roleName: string,
  objectLabels: Record<string, string>,
  namespace: string,
  rules: IIoK8sApiRbacV1PolicyRule[],
): [ServiceAccount, ClusterRole, ClusterRoleBinding] {
  return [
    new ServiceAccount({
      metadata: meta(name, objectLabels, namespace),
      // The pods that use the token mount it explicitly (automountServiceAccountToken on the pod).
      automountServiceAccountToken: false,
    }),
    new ClusterRole({ metadata: meta(roleName, objectLabels), rules }),
    new ClusterRoleBinding({
      metadata: meta(roleName, objectLabels),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    }),
  ];
}

/**
 * Where the replicas of a StatefulSet run. Across nodes "required": never two on one node, so losing a
 * node loses one replica at most, and a replica that finds no node of its own stays Pending.
 * "preferred": apart when the scheduler can, together rather than not at all. Across zones is only
 * ever preferred: a replica's volume is zonal and holds it in the zone it was first placed in.
 */
export function spreadReplicas(
  name: string,
  spread: { acrossNodes: "required" | "preferred"; acrossZones: boolean },
): IIoK8sApiCoreV1Affinity {
  const apartOn = (topologyKey: string) => ({
    topologyKey,
    labelSelector: { matchLabels: selectorLabels(name) },
  });
  const preferred = [
    ...(spread.acrossNodes === "preferred"
      ? [{ weight: 100, podAffinityTerm: apartOn("kubernetes.io/hostname") }]
      : []),
    ...(spread.acrossZones ? [{ weight: 100, podAffinityTerm: apartOn("topology.kubernetes.io/zone") }] : []),
  ];
  return {
    podAntiAffinity: {
      ...(spread.acrossNodes === "required"
        ? { requiredDuringSchedulingIgnoredDuringExecution: [apartOn("kubernetes.io/hostname")] }
        : {}),
      ...(preferred.length > 0 ? { preferredDuringSchedulingIgnoredDuringExecution: preferred } : {}),
    },
  };
}

/** Voluntary disruptions (a node drain) take down one replica at a time; the others keep running. */
export function oneAtATimeDisruptionBudget(
  name: string,
  objectLabels: Record<string, string>,
  namespace: string,
): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: meta(name, objectLabels, namespace),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } },
  });
}

/** A mounted config file: the directory its volume is mounted at, and its name there (the key). */
export function mountedFile(path: string): { dir: string; file: string } {
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash), file: path.slice(slash + 1) };
}

/** Where `path` lies below `dir`: it must, to be served by the volume mounted at `dir`. */
export function pathBelow(dir: string, path: string): string {
  if (!dir.startsWith("/") || !path.startsWith(`${dir}/`)) {
    throw new Error(`${path} must live under ${dir} to share its volume`);
  }
  return path.slice(dir.length + 1);
}

export type Container = IIoK8sApiCoreV1Container;
