// NetworkPolicies: everything in the monitoring namespace is denied both ways, then exactly the flows
// the stack needs are allowed, one policy per pod. Policies add up: a flow is allowed when any policy
// selecting the pod allows it. Prometheus' flows follow from its scrape jobs (jobSpecs), so a new job
// brings its policy with it. Egress to things that are not pods (the API server, kubelets,
// node-exporter on the host network, Slack, PagerDuty, probed sites, the database) is allowed by port
// only, because how ipBlock rules see node and service addresses differs between network plugins.
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IIoK8sApiNetworkingV1NetworkPolicyEgressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule";
import type { IIoK8sApiNetworkingV1NetworkPolicyIngressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule";
import type { IIoK8sApiNetworkingV1NetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { IIoK8sApiNetworkingV1NetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { cluster } from "../deployment.ts";
import { jobSpecs } from "../prometheus/index.ts";
import { type KubeObject, labels, meta, STACK_VERSION, selectorLabels } from "./common.ts";
import { postgresPort } from "./postgres-exporter.ts";

export const DNS_NAMESPACE = "kube-system";
/** The API server (443 behind its Service, 6443 on the control plane) and the kubelet. */
export const API_SERVER_PORTS = [443, 6443] as const;
export const KUBELET_PORT = 10250;
/** Services whose pods share the node's network: pod selectors do not reach them, ports do. */
const HOST_NETWORK_SERVICES: ReadonlySet<string> = new Set([components.nodeExporter.name]);

const policyLabels = labels("plue-monitoring", "network-policy", STACK_VERSION);

function tcp(...ports: number[]): IIoK8sApiNetworkingV1NetworkPolicyPort[] {
  return uniqueSorted(ports).map((port) => ({ protocol: "TCP", port }));
}

function pods(name: string): IIoK8sApiNetworkingV1NetworkPolicyPeer {
  return { podSelector: { matchLabels: selectorLabels(name) } };
}

function namespaceNamed(namespace: string): IIoK8sApiNetworkingV1NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

/** The port of a URL (443 for https unless given). */
function urlPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.port !== "") return Number(parsed.port);
  return parsed.protocol === "http:" ? 80 : 443;
}

function uniqueSorted(ports: number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

function addPort(map: Map<string, number[]>, key: string, port: number): void {
  map.set(key, uniqueSorted([...(map.get(key) ?? []), port]));
}

/** Where Prometheus connects, from its scrape jobs, its Alertmanagers and its remote-write targets. */
export interface PrometheusFlows {
  /** Pods of the monitoring namespace by component (= Service) name → ports. */
  inNamespace: Map<string, number[]>;
  /** Other namespaces → ports of their pods (Plue's services). */
  otherNamespaces: Map<string, number[]>;
  /** Destinations that are not pods (API server, kubelets, host-network exporters, remote write). */
  portsAnywhere: number[];
  /** Annotated pods anywhere, on any port. */
  annotatedPods: boolean;
}

export function prometheusFlows(config: StackConfig): PrometheusFlows {
  const flows: PrometheusFlows = {
    inNamespace: new Map(),
    otherNamespaces: new Map(),
    portsAnywhere: [],
    annotatedPods: false,
  };
  for (const { targets } of jobSpecs(config, cluster)) {
    switch (targets.kind) {
      case "service":
        if (HOST_NETWORK_SERVICES.has(targets.service)) flows.portsAnywhere.push(targets.port);
        if (targets.namespace === config.namespace) addPort(flows.inNamespace, targets.service, targets.port);
        else addPort(flows.otherNamespaces, targets.namespace, targets.port);
        break;
      case "pod-port":
        // A sidecar's port on each owning component's pods (the config reloaders).
        if (targets.namespace !== config.namespace) throw new Error("sidecars run in the namespace");
        for (const component of targets.components) addPort(flows.inNamespace, component, targets.port);
        break;
      case "probes":
        if (targets.namespace !== config.namespace) throw new Error("probe exporters run in the namespace");
        addPort(flows.inNamespace, targets.exporter.name, targets.exporter.port);
        break;
      case "nodes":
        flows.portsAnywhere.push(KUBELET_PORT);
        break;
      case "apiserver":
        flows.portsAnywhere.push(...API_SERVER_PORTS);
        break;
      case "annotated-pods":
        flows.annotatedPods = true;
        break;
    }
  }
  // Alerts go to every Alertmanager replica (on the port the alertmanager job scrapes, too).
  addPort(flows.inNamespace, components.alertmanager.name, components.alertmanager.port);
  flows.portsAnywhere.push(...config.remoteWrite.map((target) => urlPort(target.url)));
  flows.portsAnywhere = uniqueSorted(flows.portsAnywhere);
  return flows;
}

/**
 * Slack, PagerDuty (443) and the ports of the configured webhooks (which may use others). A URL given
 * as a reference to an existing Secret is unknown here: it is reached on 443 only.
 */
function receiverPorts(config: StackConfig): number[] {
  const urls = [
    config.alertmanagerSlackWebhook,
    config.alertmanagerDefaultWebhookUrl,
    config.alertmanagerHeartbeatUrl,
  ].filter((url): url is string => typeof url === "string" && url !== "");
  return uniqueSorted([443, ...urls.map(urlPort)]);
}

interface PolicySpec {
  ingress: IIoK8sApiNetworkingV1NetworkPolicyIngressRule[];
  egress: IIoK8sApiNetworkingV1NetworkPolicyEgressRule[];
}

function podPolicy(config: StackConfig, name: string, spec: PolicySpec): NetworkPolicy {
  return new NetworkPolicy({
    metadata: meta(name, policyLabels, config.namespace),
    spec: {
      podSelector: { matchLabels: selectorLabels(name) },
      policyTypes: ["Ingress", "Egress"],
      ...(spec.ingress.length > 0 ? { ingress: spec.ingress } : {}),
      ...(spec.egress.length > 0 ? { egress: spec.egress } : {}),
    },
  });
}

export function networkPolicies(config: StackConfig): KubeObject[] {
  const c = components;
  const flows = prometheusFlows(config);
  const prometheus = pods(c.prometheus.name);
  /** Ingress from Prometheus on the ports it scrapes (or sends alerts to) on this component. */
  const fromPrometheus = (name: string): IIoK8sApiNetworkingV1NetworkPolicyIngressRule[] => {
    const ports = flows.inNamespace.get(name);
    return ports ? [{ from: [prometheus], ports: tcp(...ports) }] : [];
  };

  const defaultDeny = new NetworkPolicy({
    metadata: meta("default-deny", policyLabels, config.namespace),
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  });
  const dns = new NetworkPolicy({
    metadata: meta("allow-dns", policyLabels, config.namespace),
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [namespaceNamed(DNS_NAMESPACE)],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  });

  const prometheusEgress: IIoK8sApiNetworkingV1NetworkPolicyEgressRule[] = [];
  // API server, kubelets, node-exporter on each node's own address, remote write.
  if (flows.portsAnywhere.length > 0) prometheusEgress.push({ ports: tcp(...flows.portsAnywhere) });
  for (const [name, ports] of flows.inNamespace) {
    if (!HOST_NETWORK_SERVICES.has(name)) prometheusEgress.push({ to: [pods(name)], ports: tcp(...ports) });
  }
  for (const [namespace, ports] of flows.otherNamespaces) {
    prometheusEgress.push({ to: [namespaceNamed(namespace)], ports: tcp(...ports) });
  }
  if (flows.annotatedPods) {
    // Pods annotated prometheus.io/scrape in any namespace, on whatever port they annotate.
    prometheusEgress.push({ to: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP" }] });
  }
  const prometheusPolicy = podPolicy(config, c.prometheus.name, {
    ingress: [
      { from: [pods(c.grafana.name)], ports: tcp(c.prometheus.port) },
      ...fromPrometheus(c.prometheus.name),
    ],
    egress: prometheusEgress,
  });

  const gossip: IIoK8sApiNetworkingV1NetworkPolicyPort[] = [
    { protocol: "TCP", port: c.alertmanager.clusterPort },
    { protocol: "UDP", port: c.alertmanager.clusterPort },
  ];
  const alertmanagerPolicy = podPolicy(config, c.alertmanager.name, {
    ingress: [...fromPrometheus(c.alertmanager.name), { from: [pods(c.alertmanager.name)], ports: gossip }],
    egress: [
      { to: [pods(c.alertmanager.name)], ports: gossip },
      // Slack, PagerDuty, the default webhook and the heartbeat.
      { ports: tcp(...receiverPorts(config)) },
    ],
  });

  const grafanaPolicy = podPolicy(config, c.grafana.name, {
    ingress: [
      { from: [namespaceNamed(config.ingressControllerNamespace)], ports: tcp(c.grafana.port) },
      ...fromPrometheus(c.grafana.name),
    ],
    egress: [
      { to: [prometheus], ports: tcp(c.prometheus.port) },
      // A query layer outside the stack (grafanaPrometheusUrl): by port, wherever it runs.
      ...(config.grafanaPrometheusUrl ? [{ ports: tcp(urlPort(config.grafanaPrometheusUrl)) }] : []),
    ],
  });

  const kubeStateMetricsPolicy = podPolicy(config, c.kubeStateMetrics.name, {
    ingress: fromPrometheus(c.kubeStateMetrics.name),
    egress: [{ ports: tcp(...API_SERVER_PORTS) }],
  });

  const blackboxPolicy = podPolicy(config, c.blackboxExporter.name, {
    ingress: fromPrometheus(c.blackboxExporter.name),
    egress: [{ ports: tcp(443, ...config.extraProbeUrls.map(urlPort)) }],
  });

  // node-exporter shares the node's network namespace, where most network plugins enforce nothing;
  // the policy states the intent and holds where it is enforced.
  const nodeExporterPolicy = podPolicy(config, c.nodeExporter.name, {
    ingress: fromPrometheus(c.nodeExporter.name),
    egress: [],
  });

  const objects: KubeObject[] = [
    defaultDeny,
    dns,
    prometheusPolicy,
    alertmanagerPolicy,
    grafanaPolicy,
    kubeStateMetricsPolicy,
    blackboxPolicy,
    nodeExporterPolicy,
  ];
  if (config.postgresExporterDsn !== "") {
    objects.push(
      podPolicy(config, c.postgresExporter.name, {
        ingress: fromPrometheus(c.postgresExporter.name),
        egress: [{ ports: tcp(postgresPort(config.postgresExporterDsn)) }],
      }),
    );
  }
  return objects;
}

/**
 * For each namespace outside the stack's whose pods Prometheus scrapes (appNamespace, and a team's
 * scrape jobs' namespaces), applied there by its owners, not by this kustomization: lets Prometheus,
 * and nothing else new, reach the pods on the ports it scrapes when that namespace denies ingress.
 */
export function scrapedNamespacePolicies(config: StackConfig): Map<string, KubeObject> {
  const others = prometheusFlows(config).otherNamespaces;
  const namespaces = [config.appNamespace, ...[...others.keys()].filter((ns) => ns !== config.appNamespace)];
  return new Map(
    namespaces.map((namespace) => [
      namespace,
      new NetworkPolicy({
        metadata: meta("allow-prometheus-scrape", policyLabels, namespace),
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ ...namespaceNamed(config.namespace), ...pods(components.prometheus.name) }],
              ports: tcp(...(others.get(namespace) ?? [])),
            },
          ],
        },
      }),
    ]),
  );
}
