// kube-state-metrics: the state of pods, deployments, nodes and volumes as metrics. It lists and
// watches only the resources it is told to export (never Secrets or ConfigMaps, whose list would
// hand out their contents), and its ClusterRole grants exactly those.
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import {
  containerSecurityContext,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  podSecurityContext,
  resources,
  selectorLabels,
} from "./common.ts";

const { name, port, telemetryPort } = components.kubeStateMetrics;
const UID = 65534;

/** kube-state-metrics resource name (its --resources flag) → the API group it lives in. */
export const kubeStateMetricsResources: Readonly<Record<string, string>> = {
  cronjobs: "batch",
  daemonsets: "apps",
  deployments: "apps",
  horizontalpodautoscalers: "autoscaling",
  ingresses: "networking.k8s.io",
  jobs: "batch",
  namespaces: "",
  nodes: "",
  persistentvolumeclaims: "",
  persistentvolumes: "",
  poddisruptionbudgets: "policy",
  pods: "",
  replicasets: "apps",
  replicationcontrollers: "",
  resourcequotas: "",
  services: "",
  statefulsets: "apps",
  storageclasses: "storage.k8s.io",
};

export function kubeStateMetricsClusterRoleName(config: StackConfig): string {
  return `${config.namespace}-kube-state-metrics`;
}

/** list and watch on each exported resource, grouped by API group. */
export function kubeStateMetricsRules(): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const byGroup = new Map<string, string[]>();
  for (const [resource, group] of Object.entries(kubeStateMetricsResources)) {
    byGroup.set(group, [...(byGroup.get(group) ?? []), resource]);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, groupResources]) => ({
      apiGroups: [group],
      resources: groupResources.sort(),
      verbs: ["list", "watch"],
    }));
}

export function kubeStateMetrics(config: StackConfig): KubeObject[] {
  const version = imageVersion(config.images.kubeStateMetrics);
  const objectLabels = labels(name, "exporter", version);
  const namespace = config.namespace;

  const serviceAccount = new ServiceAccount({
    metadata: meta(name, objectLabels, namespace),
    automountServiceAccountToken: false,
  });
  const clusterRole = new ClusterRole({
    metadata: meta(kubeStateMetricsClusterRoleName(config), objectLabels),
    rules: kubeStateMetricsRules(),
  });
  const clusterRoleBinding = new ClusterRoleBinding({
    metadata: meta(kubeStateMetricsClusterRoleName(config), objectLabels),
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: kubeStateMetricsClusterRoleName(config),
    },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  });

  const deployment = new Deployment({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels: objectLabels },
        spec: {
          serviceAccountName: name,
          // It lists and watches the API with this token.
          automountServiceAccountToken: true,
          securityContext: podSecurityContext(UID),
          containers: [
            {
              name,
              image: config.images.kubeStateMetrics,
              args: [
                `--port=${port}`,
                `--telemetry-port=${telemetryPort}`,
                `--resources=${Object.keys(kubeStateMetricsResources).sort().join(",")}`,
              ],
              ports: [
                { name: "http-metrics", containerPort: port, protocol: "TCP" },
                { name: "telemetry", containerPort: telemetryPort, protocol: "TCP" },
              ],
              resources: resources({
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "500m", memory: "512Mi" },
              }),
              livenessProbe: httpProbe("/livez", "http-metrics"),
              readinessProbe: httpProbe("/readyz", "telemetry"),
              securityContext: containerSecurityContext(),
            },
          ],
        },
      },
    },
  });

  const service = new Service({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(name),
      ports: [
        { name: "http-metrics", port, targetPort: "http-metrics", protocol: "TCP" },
        { name: "telemetry", port: telemetryPort, targetPort: "telemetry", protocol: "TCP" },
      ],
    },
  });

  return [serviceAccount, clusterRole, clusterRoleBinding, service, deployment];
}
