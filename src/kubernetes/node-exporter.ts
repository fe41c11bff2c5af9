// node-exporter on every node. The one documented exception to the restricted Pod Security Standard:
// it must see the node, not its own container — host PID and network namespaces and read-only mounts
// of the host's /proc, /sys and /. It still runs as nobody, with no capabilities and a read-only root.
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Service } from "kubernetes-models/v1/Service";
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
  servicePort,
} from "./common.ts";

const { name, port } = components.nodeExporter;
const UID = 65534;

/** What node-exporter is allowed beyond the restricted standard (see docs/kubernetes.md). */
export const nodeExporterExceptions = ["hostNetwork", "hostPID", "hostPath volumes", "hostPorts"] as const;

export function nodeExporter(config: StackConfig): KubeObject[] {
  const version = imageVersion(config.images.nodeExporter);
  const objectLabels = labels(name, "exporter", version);
  const namespace = config.namespace;

  const hostMounts = [
    { volume: "proc", hostPath: "/proc", mountPath: "/host/proc" },
    { volume: "sys", hostPath: "/sys", mountPath: "/host/sys" },
    { volume: "root", hostPath: "/", mountPath: "/host/root" },
  ];

  const daemonSet = new DaemonSet({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      selector: { matchLabels: selectorLabels(name) },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
      template: {
        metadata: { labels: objectLabels },
        spec: {
          automountServiceAccountToken: false,
          hostNetwork: true,
          hostPID: true,
          securityContext: podSecurityContext(UID),
          // Every node, including tainted ones (control plane, dedicated pools).
          tolerations: [{ operator: "Exists" }],
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [
            {
              name,
              image: config.images.nodeExporter,
              args: [
                `--web.listen-address=:${port}`,
                "--path.procfs=/host/proc",
                "--path.sysfs=/host/sys",
                "--path.rootfs=/host/root",
                "--path.udev.data=/host/root/run/udev/data",
                // Container and kubelet mounts would repeat the node's filesystems many times over.
                "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/containerd/.+|var/lib/docker/.+|var/lib/kubelet/.+)($|/)",
              ],
              ports: [{ name: "metrics", containerPort: port, hostPort: port, protocol: "TCP" }],
              resources: resources({
                requests: { cpu: "50m", memory: "64Mi" },
                limits: { cpu: "250m", memory: "180Mi" },
              }),
              livenessProbe: httpProbe("/", "metrics"),
              readinessProbe: httpProbe("/", "metrics"),
              securityContext: containerSecurityContext(),
              volumeMounts: hostMounts.map((m) => ({
                name: m.volume,
                mountPath: m.mountPath,
                readOnly: true,
                // Filesystems mounted on the node later (new volumes) show up too.
                ...(m.volume === "root" ? { mountPropagation: "HostToContainer" } : {}),
              })),
            },
          ],
          volumes: hostMounts.map((m) => ({
            name: m.volume,
            hostPath: { path: m.hostPath, type: "Directory" },
          })),
        },
      },
    },
  });

  // Headless: endpoints discovery finds each node's exporter with its node name.
  const service = new Service({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      clusterIP: "None",
      selector: selectorLabels(name),
      ports: [servicePort("metrics", port)],
    },
  });

  return [service, daemonSet];
}
