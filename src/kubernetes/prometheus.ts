// Prometheus: a StatefulSet (its volume is ReadWriteOnce: a Deployment's rolling update would start the
// new pod before the old one lets go of the volume and hang), config and rules from ConfigMaps kept
// current by the reloader, remote-write credentials from a Secret, ours or one that already exists
// (files Prometheus reads on every request), and the cluster-wide read access its service discovery
// and scrapes need.
//
// prometheusReplicas pods, each on a node of its own with a volume of its own, each scraping every
// target and evaluating every rule: identical twins that share nothing, so losing one loses no
// alert. Each names itself in the external label prometheus_replica, which alerts leave behind so
// that Alertmanager sees one alert, and stores keep to deduplicate (docs/high-availability.md).
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { components, mounts, remoteWriteFile, remoteWriteKey } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { isSecretReference, type SecretReference } from "../config/secret-reference.ts";
import { cluster } from "../deployment.ts";
import { POD_NAME_ENV } from "../prometheus/alerting.ts";
import { prometheusArgs, remoteWriteSecretFiles } from "../prometheus/index.ts";
import { prometheusMemory } from "../sizing/memory.ts";
import {
  checksum,
  clusterIPService,
  clusterRoleAccount,
  containerSecurityContext,
  fileKey,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  mountedFile,
  oneAtATimeDisruptionBudget,
  pathBelow,
  podSecurityContext,
  referencedSecretSources,
  resources,
  secretChecksum,
  secretData,
  selectorLabels,
  servicePort,
  spreadReplicas,
  volumeClaimSpec,
} from "./common.ts";
import { configReloader } from "./reloader.ts";
import type { RenderedConfigs } from "./rendered.ts";

const { name, port } = components.prometheus;
const UID = 65534;
const CONFIG_MAP = "prometheus-config";
const RULES_MAP = "prometheus-rules";
export const REMOTE_WRITE_SECRET = "prometheus-remote-write";
/** /etc/prometheus: prometheus.yml at the top, rule files under rules/ (one projected volume). */
const { dir: CONFIG_DIR, file: CONFIG_FILE } = mountedFile(mounts.prometheusConfig);

/** Exactly what kubernetes_sd_configs and the kubelet/apiserver scrapes read; nothing is written. */
export const prometheusClusterRoleRules = [
  {
    apiGroups: [""],
    resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
  { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
];

/** The cluster-scoped name: two stacks in two namespaces must not share one ClusterRole. */
export function prometheusClusterRoleName(config: StackConfig): string {
  return `${config.namespace}-prometheus`;
}

/**
 * Remote-write credentials given as references to existing Secrets: file name → reference. They are
 * mounted under the same names as the files of our Secret, which prometheus.yml reads.
 */
export function remoteWriteReferencedFiles(config: StackConfig): Record<string, SecretReference> {
  return Object.fromEntries(
    config.remoteWrite.flatMap(({ name, basicAuth, bearerToken }, index): [string, SecretReference][] => {
      const key = remoteWriteKey(name, index);
      if (isSecretReference(basicAuth?.password))
        return [[remoteWriteFile(key, "password"), basicAuth.password]];
      if (isSecretReference(bearerToken)) return [[remoteWriteFile(key, "bearer-token"), bearerToken]];
      return [];
    }),
  );
}

export function prometheus(config: StackConfig, rendered: RenderedConfigs): KubeObject[] {
  const version = imageVersion(config.images.prometheus);
  const objectLabels = labels(name, "server", version);
  const namespace = config.namespace;
  const ruleKeys = Object.keys(rendered.ruleFiles).sort();
  const rulesSubdir = pathBelow(CONFIG_DIR, mounts.prometheusRules);

  const access = clusterRoleAccount(
    name,
    prometheusClusterRoleName(config),
    objectLabels,
    namespace,
    prometheusClusterRoleRules,
  );

  const configMap = new ConfigMap({
    metadata: meta(CONFIG_MAP, objectLabels, namespace),
    data: { [CONFIG_FILE]: rendered.prometheusYml },
  });
  const rulesMap = new ConfigMap({
    metadata: meta(RULES_MAP, objectLabels, namespace),
    data: Object.fromEntries(ruleKeys.map((file) => [fileKey(file), rendered.ruleFiles[file] as string])),
  });

  // Remote-write credentials, one file each: in the Prometheus container only, not the reloader's.
  const remoteWriteFiles = remoteWriteSecretFiles(config);
  const remoteWriteSecret =
    Object.keys(remoteWriteFiles).length === 0
      ? undefined
      : new Secret({
          metadata: meta(REMOTE_WRITE_SECRET, objectLabels, namespace),
          type: "Opaque",
          data: secretData(remoteWriteFiles),
        });
  // Credentials given as references to existing Secrets are mounted from them beside ours: one
  // projected volume then; our Secret alone stays a plain secret volume.
  const referencedFiles = remoteWriteReferencedFiles(config);
  const remoteWriteVolume =
    Object.keys(referencedFiles).length === 0
      ? remoteWriteSecret && { secret: { secretName: REMOTE_WRITE_SECRET, defaultMode: 0o440 } }
      : {
          projected: {
            defaultMode: 0o440,
            sources: [
              ...(remoteWriteSecret
                ? [
                    {
                      secret: {
                        name: REMOTE_WRITE_SECRET,
                        items: Object.keys(remoteWriteFiles)
                          .sort()
                          .map((file) => ({ key: file, path: file })),
                      },
                    },
                  ]
                : []),
              ...referencedSecretSources(referencedFiles),
            ],
          },
        };
  const mountsRemoteWrite = remoteWriteVolume !== undefined;

  const configMount = { name: "config", mountPath: CONFIG_DIR, readOnly: true };
  const configChecksum = checksum({
    [CONFIG_FILE]: rendered.prometheusYml,
    ...Object.fromEntries(ruleKeys.map((file) => [`rules/${file}`, rendered.ruleFiles[file] as string])),
  });

  const memory = prometheusMemory(config);
  const statefulSet = new StatefulSet({
    metadata: meta(name, objectLabels, namespace, {
      // The reloader applies config changes in place; this records which config the pods run.
      "plue-monitoring/config-checksum": configChecksum,
      // Prometheus reads the credential files on every request, so a changed Secret needs no
      // restart (the pod template stays as it is); this records which credentials it was given.
      ...(remoteWriteSecret
        ? { "plue-monitoring/remote-write-checksum": secretChecksum(remoteWriteFiles) }
        : {}),
    }),
    spec: {
      replicas: config.prometheusReplicas,
      serviceName: name,
      selector: { matchLabels: selectorLabels(name) },
      // The replicas do not depend on each other. OrderedReady would create prometheus-1 only once
      // prometheus-0 is ready (minutes of WAL replay, or never while its node is gone), so a lost pod
      // would keep its twin from coming back; Parallel creates and replaces each on its own. Rolling
      // updates still replace one pod at a time. The field cannot change on an existing StatefulSet
      // (docs/high-availability.md, "Upgrading from one replica").
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: { labels: objectLabels },
        spec: {
          serviceAccountName: name,
          // Service discovery and the kubelet/apiserver scrapes authenticate with this token.
          automountServiceAccountToken: true,
          securityContext: podSecurityContext(UID),
          // Lets the TSDB head be written out cleanly on shutdown.
          terminationGracePeriodSeconds: 600,
          // Two replicas on one node are not a pair: the node takes both down. A replica that finds
          // no node of its own waits (Pending); on a single-node cluster set prometheusReplicas=1.
          affinity: spreadReplicas(name, { acrossNodes: "required", acrossZones: true }),
          containers: [
            {
              name,
              image: config.images.prometheus,
              args: prometheusArgs(config, cluster),
              // The pod name, for the prometheus_replica external label (${POD_NAME} in prometheus.yml).
              env: [{ name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              ports: [{ name: "web", containerPort: port, protocol: "TCP" }],
              // Memory from the size estimate (src/sizing/memory.ts): head series grow with the
              // cluster, and a fixed limit is an OOM-kill loop waiting for the cluster to outgrow it.
              resources: resources({
                requests: { cpu: "500m", memory: memory.request },
                limits: { cpu: "2", memory: memory.limit },
              }),
              // WAL replay after a restart can take minutes on a full volume: liveness waits for it.
              startupProbe: httpProbe("/-/ready", "web", { periodSeconds: 15, failureThreshold: 60 }),
              readinessProbe: httpProbe("/-/ready", "web"),
              livenessProbe: httpProbe("/-/healthy", "web", { failureThreshold: 6 }),
              securityContext: containerSecurityContext(),
              volumeMounts: [
                configMount,
                { name: "data", mountPath: mounts.prometheusData },
                ...(mountsRemoteWrite
                  ? [{ name: "remote-write", mountPath: mounts.prometheusRemoteWriteSecrets, readOnly: true }]
                  : []),
              ],
            },
            configReloader(config, {
              reloadUrl: `http://127.0.0.1:${port}/-/reload`,
              configFile: mounts.prometheusConfig,
              watchedDirs: [mounts.prometheusRules],
              volumeMounts: [configMount],
            }),
          ],
          volumes: [
            {
              name: "config",
              // One volume so prometheus.yml and rules/ sit side by side; a projected volume is
              // updated in place when either ConfigMap changes (subPath mounts never are).
              projected: {
                sources: [
                  { configMap: { name: CONFIG_MAP, items: [{ key: CONFIG_FILE, path: CONFIG_FILE }] } },
                  {
                    configMap: {
                      name: RULES_MAP,
                      items: ruleKeys.map((file) => ({ key: fileKey(file), path: `${rulesSubdir}/${file}` })),
                    },
                  },
                ],
              },
            },
            ...(mountsRemoteWrite
              ? [
                  // Owner and group (fsGroup) may read; nobody else.
                  { name: "remote-write", ...remoteWriteVolume },
                ]
              : []),
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: objectLabels },
          spec: volumeClaimSpec(config, config.prometheusStorageSize),
        },
      ],
    },
  });

  // Grafana reads through this Service. The replicas' samples differ a little (each scrapes at its
  // own moments, each has its own gaps), so a dashboard that alternated between them would flicker
  // from one refresh to the next: each client stays with one replica, and moves only when that one
  // stops being ready.
  const service = clusterIPService(name, objectLabels, namespace, [servicePort("web", port)], {
    stickyClients: true,
  });

  return [
    ...access,
    configMap,
    rulesMap,
    ...(remoteWriteSecret ? [remoteWriteSecret] : []),
    service,
    statefulSet,
    // One replica has nothing to keep running while it is drained: a budget would only block drains.
    ...(config.prometheusReplicas > 1 ? [oneAtATimeDisruptionBudget(name, objectLabels, namespace)] : []),
  ];
}
