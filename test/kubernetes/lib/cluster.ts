// A small simulated cluster built from the generated manifests (the stack's pods and Services) plus
// what the stack scrapes but does not deploy (nodes, the API server, Plue's services, an annotated pod
// elsewhere). It produces the targets Kubernetes service discovery would hand Prometheus, with the
// documented __meta_kubernetes_* labels, and resolves the addresses a scrape ends up dialing.
import type { Labels } from "./relabel.ts";

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain parsed YAML
export type Manifest = any;

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface SimContainer {
  name: string;
  image: string;
  ports: ContainerPort[];
}

export interface SimPod {
  namespace: string;
  name: string;
  ip: string;
  nodeName: string;
  hostNetwork: boolean;
  /** StatefulSet pods: <hostname>.<subdomain>.<namespace>.svc resolves to them. */
  hostname?: string;
  subdomain?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: SimContainer[];
  controller: { kind: string; name: string };
  /** The manifest's pod spec, for checks that need more (args). */
  spec: Manifest;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

export interface SimService {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  selector?: Record<string, string>;
  headless: boolean;
  ports: ServicePort[];
}

export interface SimNode {
  name: string;
  ip: string;
  labels: Record<string, string>;
}

export interface SimCluster {
  nodes: SimNode[];
  pods: SimPod[];
  services: SimService[];
  apiserver: { ip: string; port: number };
}

export const API_SERVER_IP = "10.0.0.100";
export const API_SERVER_PORT = 6443;

/** Label names as Prometheus writes them in meta labels: anything but [a-zA-Z0-9_] becomes _. */
export function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

function podTemplateOf(manifest: Manifest): Manifest | undefined {
  return ["Deployment", "StatefulSet", "DaemonSet"].includes(manifest.kind)
    ? manifest.spec.template
    : undefined;
}

/** Pods and Services of parsed manifests, scheduled onto the given nodes. */
export function simulate(
  manifests: readonly Manifest[],
  extra: { pods?: SimPod[]; services?: SimService[]; nodes?: SimNode[] } = {},
): SimCluster {
  const nodes = extra.nodes ?? [
    {
      name: "node-a",
      ip: "10.0.0.1",
      labels: { "kubernetes.io/hostname": "node-a", "kubernetes.io/os": "linux" },
    },
    {
      name: "node-b",
      ip: "10.0.0.2",
      labels: { "kubernetes.io/hostname": "node-b", "kubernetes.io/os": "linux" },
    },
  ];
  let nextIp = 10;
  const pods: SimPod[] = [];
  const addPod = (manifest: Manifest, name: string, node: SimNode, ordinalHost?: string) => {
    const template = podTemplateOf(manifest);
    const hostNetwork = template.spec.hostNetwork === true;
    pods.push({
      namespace: manifest.metadata.namespace,
      name,
      ip: hostNetwork ? node.ip : `10.244.0.${nextIp++}`,
      nodeName: node.name,
      hostNetwork,
      ...(ordinalHost ? { hostname: ordinalHost, subdomain: manifest.spec.serviceName } : {}),
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
      containers: (template.spec.containers ?? []).map((container: Manifest) => ({
        name: container.name,
        image: container.image,
        ports: container.ports ?? [],
      })),
      controller: {
        kind: manifest.kind === "Deployment" ? "ReplicaSet" : manifest.kind,
        name: manifest.metadata.name,
      },
      spec: template.spec,
    });
  };
  for (const manifest of manifests) {
    if (!podTemplateOf(manifest)) continue;
    const name = manifest.metadata.name as string;
    if (manifest.kind === "DaemonSet") {
      for (const node of nodes) addPod(manifest, `${name}-${node.name}`, node);
    } else if (manifest.kind === "StatefulSet") {
      for (let ordinal = 0; ordinal < (manifest.spec.replicas ?? 1); ordinal++) {
        addPod(
          manifest,
          `${name}-${ordinal}`,
          nodes[ordinal % nodes.length] as SimNode,
          `${name}-${ordinal}`,
        );
      }
    } else {
      for (let replica = 0; replica < (manifest.spec.replicas ?? 1); replica++) {
        addPod(manifest, `${name}-5d9c7-${replica}`, nodes[replica % nodes.length] as SimNode);
      }
    }
  }
  const services: SimService[] = manifests
    .filter((manifest) => manifest.kind === "Service")
    .map((manifest) => ({
      namespace: manifest.metadata.namespace,
      name: manifest.metadata.name,
      labels: manifest.metadata.labels ?? {},
      annotations: manifest.metadata.annotations ?? {},
      selector: manifest.spec.selector,
      headless: manifest.spec.clusterIP === "None",
      ports: manifest.spec.ports ?? [],
    }));
  services.push({
    namespace: "default",
    name: "kubernetes",
    labels: { component: "apiserver", provider: "kubernetes" },
    annotations: {},
    headless: false,
    ports: [{ name: "https", port: 443, targetPort: API_SERVER_PORT, protocol: "TCP" }],
  });
  return {
    nodes,
    pods: [...pods, ...(extra.pods ?? [])],
    services: [...services, ...(extra.services ?? [])],
    apiserver: { ip: API_SERVER_IP, port: API_SERVER_PORT },
  };
}

export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function podsOf(cluster: SimCluster, service: SimService): SimPod[] {
  return cluster.pods.filter(
    (pod) => pod.namespace === service.namespace && selects(service.selector, pod.labels),
  );
}

/** The container port a Service port sends to on this pod (targetPort by number or name). */
export function targetContainerPort(
  pod: SimPod,
  port: ServicePort,
): { container: SimContainer; port: ContainerPort } | undefined {
  const target = port.targetPort ?? port.port;
  for (const container of pod.containers) {
    for (const containerPort of container.ports) {
      const protocolMatches = (containerPort.protocol ?? "TCP") === (port.protocol ?? "TCP");
      if (!protocolMatches) continue;
      if (
        typeof target === "number" ? containerPort.containerPort === target : containerPort.name === target
      ) {
        return { container, port: containerPort };
      }
    }
  }
  return undefined;
}

function metaMap(prefix: string, values: Record<string, string>): Labels {
  const labels: Labels = {};
  for (const [name, value] of Object.entries(values)) {
    labels[`${prefix}_${sanitize(name)}`] = value;
    labels[`${prefix}present_${sanitize(name)}`] = "true";
  }
  return labels;
}

function podMeta(pod: SimPod): Labels {
  return {
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip,
    ...metaMap("__meta_kubernetes_pod_label", pod.labels),
    ...metaMap("__meta_kubernetes_pod_annotation", pod.annotations),
    __meta_kubernetes_pod_ready: "true",
    __meta_kubernetes_pod_phase: "Running",
    __meta_kubernetes_pod_node_name: pod.nodeName,
    __meta_kubernetes_pod_host_ip: pod.hostNetwork ? pod.ip : "10.0.0.1",
    __meta_kubernetes_pod_uid: `uid-${pod.name}`,
    __meta_kubernetes_pod_controller_kind: pod.controller.kind,
    __meta_kubernetes_pod_controller_name: pod.controller.name,
  };
}

function containerMeta(container: SimContainer, port?: ContainerPort): Labels {
  return {
    __meta_kubernetes_pod_container_name: container.name,
    __meta_kubernetes_pod_container_image: container.image,
    __meta_kubernetes_pod_container_init: "false",
    ...(port
      ? {
          __meta_kubernetes_pod_container_port_name: port.name ?? "",
          __meta_kubernetes_pod_container_port_number: String(port.containerPort),
          __meta_kubernetes_pod_container_port_protocol: port.protocol ?? "TCP",
        }
      : {}),
  };
}

function serviceMeta(service: SimService): Labels {
  return {
    __meta_kubernetes_namespace: service.namespace,
    __meta_kubernetes_service_name: service.name,
    ...metaMap("__meta_kubernetes_service_label", service.labels),
    ...metaMap("__meta_kubernetes_service_annotation", service.annotations),
  };
}

/** Drops empty meta labels, as Prometheus does not distinguish them from absent ones. */
function clean(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== ""));
}

function inNamespaces(namespace: string, names: readonly string[] | undefined): boolean {
  return !names || names.length === 0 || names.includes(namespace);
}

/** The targets one kubernetes_sd_config yields. */
export function discover(cluster: SimCluster, role: string, namespaces?: readonly string[]): Labels[] {
  const targets: Labels[] = [];
  switch (role) {
    case "node":
      for (const node of cluster.nodes) {
        targets.push({
          __address__: `${node.ip}:10250`,
          instance: node.name,
          __meta_kubernetes_node_name: node.name,
          __meta_kubernetes_node_address_InternalIP: node.ip,
          ...metaMap("__meta_kubernetes_node_label", node.labels),
        });
      }
      break;
    case "pod":
      for (const pod of cluster.pods.filter((p) => inNamespaces(p.namespace, namespaces))) {
        for (const container of pod.containers) {
          if (container.ports.length === 0) {
            targets.push(clean({ __address__: pod.ip, ...podMeta(pod), ...containerMeta(container) }));
          }
          for (const port of container.ports) {
            targets.push(
              clean({
                __address__: `${pod.ip}:${port.containerPort}`,
                ...podMeta(pod),
                ...containerMeta(container, port),
              }),
            );
          }
        }
      }
      break;
    case "service":
      for (const service of cluster.services.filter((s) => inNamespaces(s.namespace, namespaces))) {
        for (const port of service.ports) {
          targets.push(
            clean({
              __address__: `${service.name}.${service.namespace}.svc:${port.port}`,
              ...serviceMeta(service),
              __meta_kubernetes_service_port_name: port.name ?? "",
              __meta_kubernetes_service_port_number: String(port.port),
              __meta_kubernetes_service_port_protocol: port.protocol ?? "TCP",
            }),
          );
        }
      }
      break;
    case "endpoints":
    case "endpointslice":
      for (const service of cluster.services.filter((s) => inNamespaces(s.namespace, namespaces))) {
        targets.push(...endpointTargets(cluster, service, role));
      }
      break;
    default:
      throw new Error(`kubernetes_sd role ${role} is not simulated`);
  }
  return targets;
}

function endpointTargets(
  cluster: SimCluster,
  service: SimService,
  role: "endpoints" | "endpointslice",
): Labels[] {
  const slice = role === "endpointslice";
  const portLabels = (port: ServicePort, number: number): Labels =>
    slice
      ? {
          __meta_kubernetes_endpointslice_port: String(number),
          __meta_kubernetes_endpointslice_port_name: port.name ?? "",
          __meta_kubernetes_endpointslice_port_protocol: port.protocol ?? "TCP",
        }
      : {
          __meta_kubernetes_endpoint_port_name: port.name ?? "",
          __meta_kubernetes_endpoint_port_protocol: port.protocol ?? "TCP",
        };
  const endpointLabels = (pod?: SimPod): Labels =>
    slice
      ? {
          __meta_kubernetes_endpointslice_name: `${service.name}-abc12`,
          __meta_kubernetes_endpointslice_address_type: "IPv4",
          __meta_kubernetes_endpointslice_endpoint_conditions_ready: "true",
          ...(pod
            ? {
                __meta_kubernetes_endpointslice_address_target_kind: "Pod",
                __meta_kubernetes_endpointslice_address_target_name: pod.name,
                __meta_kubernetes_endpointslice_endpoint_node_name: pod.nodeName,
                ...(pod.hostname ? { __meta_kubernetes_endpointslice_endpoint_hostname: pod.hostname } : {}),
              }
            : {}),
        }
      : {
          __meta_kubernetes_endpoints_name: service.name,
          __meta_kubernetes_endpoint_ready: "true",
          ...(pod
            ? {
                __meta_kubernetes_endpoint_address_target_kind: "Pod",
                __meta_kubernetes_endpoint_address_target_name: pod.name,
                __meta_kubernetes_endpoint_node_name: pod.nodeName,
              }
            : {}),
        };

  // The API server's endpoints are not pods.
  if (service.namespace === "default" && service.name === "kubernetes") {
    return service.ports.map((port) =>
      clean({
        __address__: `${cluster.apiserver.ip}:${cluster.apiserver.port}`,
        ...serviceMeta(service),
        ...portLabels(port, cluster.apiserver.port),
        ...endpointLabels(),
      }),
    );
  }
  const targets: Labels[] = [];
  for (const pod of podsOf(cluster, service)) {
    const covered = new Set<string>();
    for (const port of service.ports) {
      const target = targetContainerPort(pod, port);
      if (!target) continue;
      covered.add(`${target.container.name}/${target.port.containerPort}`);
      targets.push(
        clean({
          __address__: `${pod.ip}:${target.port.containerPort}`,
          ...serviceMeta(service),
          ...portLabels(port, target.port.containerPort),
          ...endpointLabels(pod),
          ...podMeta(pod),
          ...containerMeta(target.container, target.port),
        }),
      );
    }
    // Prometheus also offers the pod's other container ports, without endpoint port labels.
    for (const container of pod.containers) {
      for (const port of container.ports) {
        if (covered.has(`${container.name}/${port.containerPort}`)) continue;
        targets.push(
          clean({
            __address__: `${pod.ip}:${port.containerPort}`,
            ...serviceMeta(service),
            ...endpointLabels(pod),
            ...podMeta(pod),
            ...containerMeta(container, port),
          }),
        );
      }
    }
  }
  return targets;
}

export type Destination =
  | { kind: "pod"; pod: SimPod; port: number; protocol: string }
  | { kind: "node"; node: SimNode; port: number; protocol: string }
  | { kind: "apiserver"; port: number; protocol: string }
  | { kind: "external"; host: string; port: number; protocol: string };

/** host:port (or a URL's host and port) → what a connection reaches, after Service load balancing. */
export function resolveAddress(
  cluster: SimCluster,
  host: string,
  port: number,
  protocol = "TCP",
): Destination[] {
  const nodeByIp = cluster.nodes.find((node) => node.ip === host);
  const podByIp = cluster.pods.find((pod) => pod.ip === host && !pod.hostNetwork);
  if (host === cluster.apiserver.ip) return [{ kind: "apiserver", port, protocol }];
  if (podByIp) return [{ kind: "pod", pod: podByIp, port, protocol }];
  if (nodeByIp) return [{ kind: "node", node: nodeByIp, port, protocol }];
  const name = host.replace(/\.cluster\.local$/, "").replace(/\.$/, "");
  const parts = name.split(".");
  // <pod hostname>.<subdomain>.<namespace>.svc
  if (parts.length === 4 && parts[3] === "svc") {
    const [hostname, subdomain, namespace] = parts;
    const pod = cluster.pods.find(
      (p) => p.namespace === namespace && p.hostname === hostname && p.subdomain === subdomain,
    );
    if (!pod) throw new Error(`${host} names no pod of the simulated cluster`);
    return pod.hostNetwork
      ? [
          {
            kind: "node",
            node: cluster.nodes.find((n) => n.name === pod.nodeName) as SimNode,
            port,
            protocol,
          },
        ]
      : [{ kind: "pod", pod, port, protocol }];
  }
  // <service>.<namespace>[.svc]
  if (
    (parts.length === 3 && parts[2] === "svc") ||
    (parts.length === 2 && cluster.services.some((s) => s.namespace === parts[1]))
  ) {
    const [serviceName, namespace] = parts;
    const service = cluster.services.find((s) => s.namespace === namespace && s.name === serviceName);
    if (!service) throw new Error(`${host} names no Service of the simulated cluster`);
    const servicePort = service.ports.find((p) => p.port === port && (p.protocol ?? "TCP") === protocol);
    if (!servicePort) throw new Error(`Service ${namespace}/${serviceName} has no port ${port}/${protocol}`);
    if (service.namespace === "default" && service.name === "kubernetes") {
      return [{ kind: "apiserver", port: cluster.apiserver.port, protocol }];
    }
    const backends = podsOf(cluster, service).flatMap((pod): Destination[] => {
      const target = targetContainerPort(pod, servicePort);
      if (!target) return [];
      const targetPort = target.port.containerPort;
      return pod.hostNetwork
        ? [
            {
              kind: "node",
              node: cluster.nodes.find((n) => n.name === pod.nodeName) as SimNode,
              port: targetPort,
              protocol,
            },
          ]
        : [{ kind: "pod", pod, port: targetPort, protocol }];
    });
    if (backends.length === 0)
      throw new Error(`Service ${namespace}/${serviceName} port ${port} has no backends`);
    return backends;
  }
  return [{ kind: "external", host, port, protocol }];
}

/** Whether reaching host needs a DNS lookup first. */
export function needsDns(host: string): boolean {
  return !/^[\d.]+$/.test(host) && !host.includes(":");
}
