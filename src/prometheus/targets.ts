// The target source switch: every scrape job names *what* it scrapes (a Service's endpoints, a
// sidecar's port on some components' pods, every node's kubelet, probes through an exporter); a source turns that into Kubernetes service discovery
// with relabeling (cluster) or static targets on loopback (local). Jobs are declared once and serve
// both, so the local stack scrapes with the same job names, paths and target labels as the cluster.
import { COMPONENT_LABEL, components, mounts, statefulSetPod } from "../components.ts";
import type { LocalTopology } from "../local/topology.ts";
import type { RelabelConfig, ScrapeConfig } from "./types.ts";

/** Labels a job attaches to its targets, as the rules read them. */
export type TargetLabel = "namespace" | "pod" | "service" | "node";

/** The endpoints of one Kubernetes Service, scraped on one (container) port. */
export interface ServiceTargets {
  kind: "service";
  namespace: string;
  service: string;
  port: number;
  labels: readonly TargetLabel[];
}

/**
 * A named container port of some components' pods that their Services do not expose: a sidecar's
 * (the config reloader beside Prometheus and each Alertmanager). Found by pod discovery in the
 * namespace; `service` is the owning component, whose Service bears its name.
 */
export interface PodPortTargets {
  kind: "pod-port";
  namespace: string;
  /** Components (their pods' app.kubernetes.io/name) whose pods carry the port. */
  components: readonly string[];
  portName: string;
  /** The port's number, for NetworkPolicies and for keeping kubernetes-pods off it. */
  port: number;
  labels: readonly TargetLabel[];
}

/** The kubelet of every node, at `path` (/metrics, /metrics/cadvisor); each target gets `node`. */
export interface NodeTargets {
  kind: "nodes";
  path: string;
}

/** URLs probed through an exporter (blackbox): `instance` is the probed URL. */
export interface ProbeTargets {
  kind: "probes";
  exporter: { name: string; port: number };
  /** Namespace the exporter runs in. */
  namespace: string;
  urls: readonly string[];
}

/** The Kubernetes API server (cluster only). */
export interface ApiserverTargets {
  kind: "apiserver";
}

/** A port some dedicated job scrapes on pods of a namespace. */
export interface ScrapedPort {
  namespace: string;
  port: number;
}

/** Pods annotated prometheus.io/scrape, minus the ports other jobs already scrape (cluster only). */
export interface AnnotatedPodTargets {
  kind: "annotated-pods";
  exclude: readonly ScrapedPort[];
}

export type Targets =
  | ServiceTargets
  | PodPortTargets
  | NodeTargets
  | ProbeTargets
  | ApiserverTargets
  | AnnotatedPodTargets;

/** Everything of a scrape config that depends on where its targets come from. */
export type JobTargets = Omit<ScrapeConfig, "job_name">;

export interface TargetSource {
  /** The targets of one job, or undefined when this deployment has no such targets. */
  resolve(targets: Targets): JobTargets | undefined;
}

// ---- cluster: Kubernetes service discovery --------------------------------------------------------

const CLUSTER_LABEL_SOURCES: Record<TargetLabel, string> = {
  namespace: "__meta_kubernetes_namespace",
  pod: "__meta_kubernetes_pod_name",
  service: "__meta_kubernetes_service_name",
  node: "__meta_kubernetes_pod_node_name",
};

const copyLabel = (source: string, target: string): RelabelConfig => ({
  source_labels: [source],
  target_label: target,
});

/** Authenticates to the kubelet and API server as Prometheus' service account. */
const serviceAccountAuth: Pick<ScrapeConfig, "scheme" | "authorization" | "tls_config"> = {
  scheme: "https",
  authorization: { credentials_file: mounts.serviceAccountToken },
  // Verified against the cluster CA: kubelets need serving certificates signed by it
  // (kubeadm: serverTLSBootstrap). Never skip verification: the token is sent with every scrape.
  tls_config: { ca_file: mounts.serviceAccountCa },
};

/** Sends a probe job's scrapes to the exporter with the URL as `target`; `instance` keeps the URL. */
function probeRelabeling(exporterAddress: string): RelabelConfig[] {
  return [
    { source_labels: ["__address__"], target_label: "__param_target" },
    { source_labels: ["__param_target"], target_label: "instance" },
    { target_label: "__address__", replacement: exporterAddress },
  ];
}

/** Anchored regex alternatives, escaped. */
const anyOf = (values: readonly string[]) =>
  values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/** Drops annotated-pod targets that a dedicated job already scrapes: same namespace, same port. */
function excludeScrapedElsewhere(exclude: readonly ScrapedPort[]): RelabelConfig[] {
  const portsByNamespace = new Map<string, Set<number>>();
  for (const { namespace, port } of exclude) {
    portsByNamespace.set(namespace, (portsByNamespace.get(namespace) ?? new Set()).add(port));
  }
  return [...portsByNamespace].map(([namespace, ports]) => ({
    source_labels: ["__meta_kubernetes_namespace", "__address__"],
    // [^\n]: Prometheus 3's "." also matches a newline, 2's does not; this reads alike in both.
    regex: `${anyOf([namespace])};[^\\n]*:(${[...ports].join("|")})`,
    action: "drop",
  }));
}

/** A pod label as pod discovery names it: __meta_kubernetes_pod_label_<name, [^a-zA-Z0-9_] as _>. */
const podLabel = (name: string) => `__meta_kubernetes_pod_label_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;

export function clusterTargets(): TargetSource {
  return {
    resolve(targets) {
      switch (targets.kind) {
        case "service":
          return {
            kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: [targets.namespace] } }],
            relabel_configs: [
              // EndpointSlice ports are the pods' ports; pod ports outside the Service have none.
              {
                source_labels: ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port"],
                regex: `${anyOf([targets.service])};${targets.port}`,
                action: "keep",
              },
              ...targets.labels.map((label) => copyLabel(CLUSTER_LABEL_SOURCES[label], label)),
            ],
          };
        case "pod-port": {
          const component = podLabel(COMPONENT_LABEL);
          const owners = anyOf(targets.components);
          return {
            kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [targets.namespace] } }],
            relabel_configs: [
              // Pod discovery offers every container port of every pod: keep this port of these pods.
              {
                source_labels: [component, "__meta_kubernetes_pod_container_port_name"],
                regex: `(${owners});${anyOf([targets.portName])}`,
                action: "keep",
              },
              // A terminated pod may keep its address until it is deleted, and another pod reuse it.
              { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Succeeded|Failed", action: "drop" },
              ...targets.labels.map((label) =>
                label === "service"
                  ? // The owning component, named by its pods' label (the same name as its Service).
                    // The regex lists the owners rather than using "." on a label value.
                    { source_labels: [component], regex: `(${owners})`, target_label: "service" }
                  : copyLabel(CLUSTER_LABEL_SOURCES[label], label),
              ),
            ],
          };
        }
        case "nodes":
          return {
            ...serviceAccountAuth,
            metrics_path: targets.path,
            kubernetes_sd_configs: [{ role: "node" }],
            relabel_configs: [copyLabel("__meta_kubernetes_node_name", "node")],
          };
        case "probes":
          return {
            static_configs: [{ targets: [...targets.urls] }],
            relabel_configs: probeRelabeling(
              `${targets.exporter.name}.${targets.namespace}.svc:${targets.exporter.port}`,
            ),
          };
        case "apiserver":
          return {
            ...serviceAccountAuth,
            kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: ["default"] } }],
            relabel_configs: [
              {
                source_labels: [
                  "__meta_kubernetes_service_name",
                  "__meta_kubernetes_endpointslice_port_name",
                ],
                regex: "kubernetes;https",
                action: "keep",
              },
            ],
          };
        case "annotated-pods":
          return {
            kubernetes_sd_configs: [{ role: "pod" }],
            relabel_configs: [
              {
                source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
                regex: "true",
                action: "keep",
              },
              { source_labels: ["__meta_kubernetes_pod_container_init"], regex: "true", action: "drop" },
              {
                source_labels: ["__meta_kubernetes_pod_phase"],
                regex: "Pending|Succeeded|Failed",
                action: "drop",
              },
              {
                source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scheme"],
                regex: "(https?)",
                target_label: "__scheme__",
              },
              // Annotations are free text: [^\n] instead of "." keeps a value holding a newline
              // unmatched by Prometheus 3 as by Prometheus 2 (docs/architecture.md, Prometheus 2 → 3).
              {
                source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"],
                regex: "([^\\n]+)",
                target_label: "__metrics_path__",
              },
              // prometheus.io/port replaces the discovered port (IPv6 addresses keep their brackets).
              {
                source_labels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
                regex: "(\\[[^\\]]+\\]|[^:]+)(?::\\d+)?;(\\d+)",
                replacement: "$1:$2",
                target_label: "__address__",
              },
              ...excludeScrapedElsewhere(targets.exclude),
              copyLabel(CLUSTER_LABEL_SOURCES.namespace, "namespace"),
              copyLabel(CLUSTER_LABEL_SOURCES.pod, "pod"),
              copyLabel(CLUSTER_LABEL_SOURCES.node, "node"),
            ],
          };
      }
    },
  };
}

// ---- local: static targets on loopback ------------------------------------------------------------

/** One process standing for one pod of a Service: its port, a path when not /metrics, its pod name. */
interface LocalEndpoint {
  port: number;
  path?: string;
  /** The `pod` label, when the process is named like a pod (else the Service's default, below). */
  pod?: string;
}

/** Where each scraped Service runs locally: the ports of the topology. */
function localEndpoints(topology: LocalTopology): Record<string, LocalEndpoint[]> {
  const { alertmanager } = components;
  return {
    api: [{ port: topology.api }],
    web: [{ port: topology.web }],
    electric: [{ port: topology.electric }],
    prometheus: [{ port: topology.prometheus }],
    // Every replica, each named like the StatefulSet pod it stands for (alertmanager-0, -1, …).
    [alertmanager.name]: topology.alertmanagers.map((port, ordinal) => ({
      port,
      pod: statefulSetPod(alertmanager.name, ordinal),
    })),
    "node-exporter": [{ port: topology.nodeExporter }],
    "postgres-exporter": [{ port: topology.postgresExporter }],
    "blackbox-exporter": [{ port: topology.blackboxExporter }],
    "kube-state-metrics": [{ port: topology.clusterSimulator, path: "/kube-state-metrics/metrics" }],
  };
}

export function localTargets(
  topology: LocalTopology,
  servicePods: Readonly<Record<string, string>> = {},
): TargetSource {
  const { host } = topology;
  const endpoints = localEndpoints(topology);
  const endpointsOf = (service: string) => {
    const found = endpoints[service];
    if (!found || found.length === 0) throw new Error(`no local endpoint for service ${service}`);
    return found;
  };
  // Each process stands for one pod on the first node: named as its endpoint says, else as the stack
  // names the simulated cluster's pod, else `<service>-local`.
  const localLabel: Record<TargetLabel, (targets: ServiceTargets) => string> = {
    namespace: (targets) => targets.namespace,
    pod: (targets) => servicePods[targets.service] ?? `${targets.service}-local`,
    service: (targets) => targets.service,
    node: () => topology.nodes[0] ?? "local",
  };
  return {
    resolve(targets) {
      switch (targets.kind) {
        case "service":
          return {
            static_configs: endpointsOf(targets.service).map(({ port, path, pod }) => {
              const labels: Record<string, string> = Object.fromEntries(
                targets.labels.map((label) => [
                  label,
                  label === "pod" && pod ? pod : localLabel[label](targets),
                ]),
              );
              if (path) labels.__metrics_path__ = path;
              return { targets: [`${host}:${port}`], labels };
            }),
          };
        case "nodes":
          // The cluster simulator serves every simulated node's kubelet under /nodes/<node>.
          return {
            static_configs: topology.nodes.map((node) => ({
              targets: [`${host}:${topology.clusterSimulator}`],
              labels: { __metrics_path__: `/nodes/${node}${targets.path}`, node },
            })),
          };
        case "probes":
          // Nothing outside this machine is reachable: the local TLS endpoint stands for every URL.
          return {
            static_configs: [{ targets: [`https://${host}:${topology.tlsEndpoint}`] }],
            relabel_configs: probeRelabeling(
              `${host}:${(endpointsOf(targets.exporter.name)[0] as LocalEndpoint).port}`,
            ),
          };
        // Nothing here runs them: no API server, no sidecars (the local servers are not reloaded),
        // no annotated pods.
        case "apiserver":
        case "pod-port":
        case "annotated-pods":
          return undefined;
      }
    },
  };
}
