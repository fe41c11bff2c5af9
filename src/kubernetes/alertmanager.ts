// Alertmanager: alertmanagerReplicas pods gossiping on 9094 through a headless Service, so a
// notification and a silence survive the loss of one; silences and the notification log on a volume;
// the config and every receiver credential in a Secret, reloaded in place. A credential given as a
// reference to a Secret that already exists is mounted from that Secret into the same directory.
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { alertmanagerSecretFiles } from "../alertmanager/index.ts";
import { alertmanagerReferencedFiles } from "../alertmanager/receivers.ts";
import { components, mounts, statefulSetPod } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import {
  clusterIPService,
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

const { name, port, clusterPort, headlessService } = components.alertmanager;
const UID = 65534;
export const ALERTMANAGER_SECRET = "alertmanager-config";
const { dir: CONFIG_DIR, file: CONFIG_FILE } = mountedFile(mounts.alertmanagerConfig);

/** Each replica's stable gossip address: <pod>.<headless service>.<namespace>.svc:9094. */
export function alertmanagerPeers(config: StackConfig): string[] {
  return Array.from(
    { length: config.alertmanagerReplicas },
    (_, ordinal) =>
      `${statefulSetPod(name, ordinal)}.${headlessService}.${config.namespace}.svc:${clusterPort}`,
  );
}

export function alertmanager(config: StackConfig, rendered: RenderedConfigs): KubeObject[] {
  const version = imageVersion(config.images.alertmanager);
  const objectLabels = labels(name, "alert-router", version);
  const namespace = config.namespace;
  const secretsSubdir = pathBelow(CONFIG_DIR, mounts.alertmanagerSecrets);
  const secretFiles = alertmanagerSecretFiles(config);
  const secretKeys = Object.keys(secretFiles).sort();
  // Files from Secrets that already exist: mounted beside the others, never copied into ours.
  const referencedFiles = Object.fromEntries(
    Object.entries(alertmanagerReferencedFiles(config)).map(([file, reference]) => [
      `${secretsSubdir}/${file}`,
      reference,
    ]),
  );
  const clustered = config.alertmanagerReplicas > 1;

  const secretContent: Record<string, string> = {
    [CONFIG_FILE]: rendered.alertmanagerYml,
    ...Object.fromEntries(secretKeys.map((file) => [fileKey(file), secretFiles[file] as string])),
  };
  const secret = new Secret({
    metadata: meta(ALERTMANAGER_SECRET, objectLabels, namespace),
    type: "Opaque",
    data: secretData(secretContent),
  });

  const configMount = { name: "config", mountPath: CONFIG_DIR, readOnly: true };
  const clusterArgs = clustered
    ? [
        `--cluster.listen-address=0.0.0.0:${clusterPort}`,
        `--cluster.advertise-address=$(POD_IP):${clusterPort}`,
        ...alertmanagerPeers(config).map((peer) => `--cluster.peer=${peer}`),
        "--cluster.reconnect-timeout=5m",
      ]
    : // One replica has nobody to gossip with: an empty listen address turns clustering off.
      ["--cluster.listen-address="];

  const statefulSet = new StatefulSet({
    metadata: meta(name, objectLabels, namespace, {
      // The reloader applies changes in place; this records which config and secrets the pods run.
      "plue-monitoring/config-checksum": secretChecksum(secretContent),
    }),
    spec: {
      replicas: config.alertmanagerReplicas,
      serviceName: headlessService,
      selector: { matchLabels: selectorLabels(name) },
      // Peers must all start to find each other; ordered start would wait on readiness first.
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: { labels: objectLabels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(UID),
          // Replicas on different nodes, so losing a node loses one replica.
          affinity: spreadReplicas(name, { acrossNodes: "preferred", acrossZones: false }),
          containers: [
            {
              name,
              image: config.images.alertmanager,
              args: [
                `--config.file=${mounts.alertmanagerConfig}`,
                `--storage.path=${mounts.alertmanagerData}`,
                `--web.listen-address=:${port}`,
                ...clusterArgs,
              ],
              env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
              ports: [
                { name: "web", containerPort: port, protocol: "TCP" },
                { name: "cluster-tcp", containerPort: clusterPort, protocol: "TCP" },
                { name: "cluster-udp", containerPort: clusterPort, protocol: "UDP" },
              ],
              resources: resources({
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "500m", memory: "512Mi" },
              }),
              readinessProbe: httpProbe("/-/ready", "web"),
              livenessProbe: httpProbe("/-/healthy", "web", { failureThreshold: 6 }),
              securityContext: containerSecurityContext(),
              volumeMounts: [configMount, { name: "data", mountPath: mounts.alertmanagerData }],
            },
            configReloader(config, {
              reloadUrl: `http://127.0.0.1:${port}/-/reload`,
              configFile: mounts.alertmanagerConfig,
              watchedDirs: [mounts.alertmanagerSecrets],
              volumeMounts: [configMount],
            }),
          ],
          volumes: [
            {
              name: "config",
              projected: {
                // Owner and group (fsGroup) may read; nobody else.
                defaultMode: 0o440,
                sources: [
                  {
                    secret: {
                      name: ALERTMANAGER_SECRET,
                      items: [
                        { key: CONFIG_FILE, path: CONFIG_FILE },
                        ...secretKeys.map((file) => ({
                          key: fileKey(file),
                          path: `${secretsSubdir}/${file}`,
                        })),
                      ],
                    },
                  },
                  ...referencedSecretSources(referencedFiles),
                ],
              },
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: objectLabels },
          spec: volumeClaimSpec(config, config.alertmanagerStorageSize),
        },
      ],
    },
  });

  const service = clusterIPService(name, objectLabels, namespace, [servicePort("web", port)]);
  const headless = new Service({
    metadata: meta(headlessService, objectLabels, namespace),
    spec: {
      clusterIP: "None",
      // Peers must resolve each other before they are ready: readiness waits for the gossip to settle.
      publishNotReadyAddresses: true,
      selector: selectorLabels(name),
      ports: [
        servicePort("web", port),
        servicePort("cluster-tcp", clusterPort),
        servicePort("cluster-udp", clusterPort, "UDP"),
      ],
    },
  });

  const objects: KubeObject[] = [secret, service, headless, statefulSet];
  if (clustered) {
    objects.push(oneAtATimeDisruptionBudget(name, objectLabels, namespace));
  }
  return objects;
}
