// kube-state-metrics: the state of pods, deployments, nodes and volumes as metrics. It lists and
// watches only the resources it is told to export (never Secrets or ConfigMaps, whose list would
// hand out their contents), and its ClusterRole grants exactly those.
import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { kubeStateMetricsAllowlist } from "../prometheus/ingestion.ts";
import {
  clusterIPService,
  clusterRoleAccount,
  containerSecurityContext,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  podSecurityContext,
  resources,
  servicePort,
  singleReplicaDeployment,
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

  const access = clusterRoleAccount(
    name,
    kubeStateMetricsClusterRoleName(config),
    objectLabels,
    namespace,
    kubeStateMetricsRules(),
  );

  const allowlist = kubeStateMetricsAllowlist(config);
  const deployment = singleReplicaDeployment(name, objectLabels, namespace, {
    podSpec: {
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
            // Builds only the families Prometheus keeps (its keep-list for this job), not ~200.
            ...(allowlist === undefined ? [] : [`--metric-allowlist=${allowlist}`]),
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
  });

  const service = clusterIPService(name, objectLabels, namespace, [
    servicePort("http-metrics", port),
    servicePort("telemetry", telemetryPort),
  ]);

  return [...access, service, deployment];
}
