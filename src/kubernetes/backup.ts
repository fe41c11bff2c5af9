// The scheduled backup (opt-in, `backup.schedule`): a CronJob whose kubectl creates one CSI
// VolumeSnapshot of each Prometheus replica's volume, and of Grafana's.
//
// Why volume snapshots and not the admin API: the cluster's Prometheus runs without
// --web.enable-admin-api (it would also let anyone who reaches port 9090 delete series), and a
// snapshot the API writes lands on the pod's own ReadWriteOnce volume, where no other pod can read
// it to upload it. A VolumeSnapshot is taken by the storage system, needs no change to the
// Prometheus pods, and is crash-consistent: Prometheus opens it as after a crash (its blocks are
// immutable; the WAL is replayed). It needs a CSI driver with snapshot support and the
// snapshot.storage.k8s.io/v1 CRDs and controller (kubernetes-csi/external-snapshotter); the
// VolumeSnapshot fields used are spec.source.persistentVolumeClaimName and
// spec.volumeSnapshotClassName (client/config/crd/snapshot.storage.k8s.io_volumesnapshots.yaml at
// v8.6.0). docs/operations.md has the restore.
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { components } from "../components.ts";
import { backupEnabled } from "../config/backup.ts";
import type { StackConfig } from "../config/schema.ts";
import { toYamlStream } from "../render.ts";
import {
  containerSecurityContext,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  podSecurityContext,
  resources,
  selectorLabels,
} from "./common.ts";
import { API_SERVER_PORTS } from "./network-policies.ts";

export const BACKUP_NAME = "prometheus-backup";
const SNAPSHOTS_FILE = "volume-snapshots.yaml";
const SNAPSHOTS_DIR = "/etc/prometheus-backup";
/** The label every scheduled VolumeSnapshot carries: list them with -l plue-monitoring/backup. */
export const BACKUP_LABEL = "plue-monitoring/backup";
/** Distroless-style non-root user; the kubectl image sets none of its own. */
const UID = 65532;

/**
 * The claims to snapshot: each Prometheus replica's (the StatefulSet's volumeClaimTemplate "data",
 * named data-prometheus-<ordinal>) and, unless turned off, Grafana's (named after it).
 */
export function backedUpClaims(config: StackConfig): string[] {
  const prometheus = Array.from(
    { length: config.prometheusReplicas },
    (_, ordinal) => `data-${components.prometheus.name}-${ordinal}`,
  );
  return config.backup.grafana ? [...prometheus, components.grafana.name] : prometheus;
}

/**
 * The VolumeSnapshot objects one run creates. generateName gives each run new names (kubectl create
 * honours it; apply does not), so earlier snapshots are kept.
 */
export function volumeSnapshots(config: StackConfig): Record<string, unknown>[] {
  return backedUpClaims(config).map((claim) => ({
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshot",
    metadata: {
      generateName: `${claim}-`,
      namespace: config.namespace,
      labels: { ...labels(BACKUP_NAME, "backup", imageVersion(config.backup.image)), [BACKUP_LABEL]: claim },
    },
    spec: {
      ...(config.backup.volumeSnapshotClassName === ""
        ? {}
        : { volumeSnapshotClassName: config.backup.volumeSnapshotClassName }),
      source: { persistentVolumeClaimName: claim },
    },
  }));
}

export function backup(config: StackConfig): KubeObject[] {
  if (!backupEnabled(config.backup)) return [];
  const { namespace } = config;
  const name = BACKUP_NAME;
  const objectLabels = labels(name, "backup", imageVersion(config.backup.image));

  const account = new ServiceAccount({
    metadata: meta(name, objectLabels, namespace),
    automountServiceAccountToken: false,
  });
  // Create, nothing else: it cannot read, change or delete a snapshot, nor touch the volumes.
  const role = new Role({
    metadata: meta(name, objectLabels, namespace),
    rules: [{ apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"], verbs: ["create"] }],
  });
  const binding = new RoleBinding({
    metadata: meta(name, objectLabels, namespace),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  });
  const snapshots = new ConfigMap({
    metadata: meta(name, objectLabels, namespace),
    data: { [SNAPSHOTS_FILE]: toYamlStream(volumeSnapshots(config)) },
  });

  const cronJob = new CronJob({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      schedule: config.backup.schedule,
      // A run still going when the next is due (a slow storage system) is left to finish.
      concurrencyPolicy: "Forbid",
      // Missed by more than an hour (controller down): skip it, the next run comes.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: objectLabels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels: objectLabels },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: true,
              restartPolicy: "Never",
              securityContext: podSecurityContext(UID),
              containers: [
                {
                  name: "create-volume-snapshots",
                  image: config.backup.image,
                  // The image's entrypoint is /bin/kubectl (build/server-image/kubectl/Dockerfile).
                  command: ["/bin/kubectl"],
                  args: ["create", "-f", `${SNAPSHOTS_DIR}/${SNAPSHOTS_FILE}`],
                  // kubectl keeps its discovery cache under $HOME; the root filesystem is read-only.
                  env: [{ name: "HOME", value: "/tmp" }],
                  resources: resources({
                    requests: { cpu: "10m", memory: "32Mi" },
                    limits: { cpu: "200m", memory: "128Mi" },
                  }),
                  securityContext: containerSecurityContext(),
                  volumeMounts: [
                    { name: "snapshots", mountPath: SNAPSHOTS_DIR, readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "snapshots", configMap: { name } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
              ],
            },
          },
        },
      },
    },
  });

  // The namespace denies everything by default (network-policies.ts): this pod talks to the API
  // server only, by port as every other policy here does.
  const policy = new NetworkPolicy({
    metadata: meta(
      name,
      labels("plue-monitoring", "network-policy", imageVersion(config.backup.image)),
      namespace,
    ),
    spec: {
      podSelector: { matchLabels: selectorLabels(name) },
      policyTypes: ["Ingress", "Egress"],
      egress: [{ ports: API_SERVER_PORTS.map((port) => ({ protocol: "TCP", port })) }],
    },
  });

  return [account, role, binding, snapshots, cronJob, policy];
}
