// NetworkPolicy semantics (networking.k8s.io/v1) for one connection: allowed when the source's
// namespace lets it out and the destination's namespace lets it in. A pod no policy selects for a
// direction is open in that direction. Conservative where plugins differ: ipBlock peers never match
// pods, nodes or the API server (only addresses outside the cluster), and host-network pods are not
// pods to a selector.
import type { Destination, Manifest, SimPod } from "./cluster.ts";

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** An empty selector matches everything; an absent one is handled by the caller. */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const value = labels[key] as string;
    if (operator === "In" && !(has && values.includes(value))) return false;
    if (operator === "NotIn" && has && values.includes(value)) return false;
    if (operator === "Exists" && !has) return false;
    if (operator === "DoesNotExist" && has) return false;
  }
  return true;
}

export function namespaceLabels(namespace: string): Record<string, string> {
  return { "kubernetes.io/metadata.name": namespace };
}

/** Which way a policy applies: policyTypes, or (absent) Ingress plus Egress when it has egress rules. */
function policyTypes(policy: Manifest): string[] {
  return policy.spec.policyTypes ?? ["Ingress", ...(policy.spec.egress ? ["Egress"] : [])];
}

function selecting(policies: readonly Manifest[], pod: SimPod, direction: "Ingress" | "Egress"): Manifest[] {
  return policies.filter(
    (policy) =>
      policy.metadata.namespace === pod.namespace &&
      policyTypes(policy).includes(direction) &&
      matchesSelector(policy.spec.podSelector ?? {}, pod.labels),
  );
}

function portMatches(
  rulePorts: Manifest[] | undefined,
  port: number,
  protocol: string,
  pod: SimPod | undefined,
): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((rulePort) => {
    if ((rulePort.protocol ?? "TCP") !== protocol) return false;
    if (rulePort.port === undefined) return true;
    if (typeof rulePort.port === "string") {
      // A named port means the destination pod's container port of that name.
      return (
        pod?.containers.some((c) =>
          c.ports.some((p) => p.name === rulePort.port && p.containerPort === port),
        ) ?? false
      );
    }
    const end = rulePort.endPort ?? rulePort.port;
    return port >= rulePort.port && port <= end;
  });
}

/** Whether a peer (from/to entry) of a policy in policyNamespace matches this pod. */
function peerMatchesPod(peer: Manifest, policyNamespace: string, pod: SimPod): boolean {
  if (pod.hostNetwork) return false;
  if (peer.ipBlock) return false;
  const namespaceOk = peer.namespaceSelector
    ? matchesSelector(peer.namespaceSelector, namespaceLabels(pod.namespace))
    : pod.namespace === policyNamespace;
  const podOk = peer.podSelector ? matchesSelector(peer.podSelector, pod.labels) : true;
  return namespaceOk && podOk;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  if (!base || base.includes(":") || ip.includes(":")) return false;
  const toInt = (address: string) =>
    address.split(".").reduce((n, octet) => (n << 8) + Number(octet), 0) >>> 0;
  const size = Number(bits);
  const mask = size === 0 ? 0 : (~0 << (32 - size)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

/** An address outside the cluster, for ipBlock peers (documentation range). */
export const EXTERNAL_IP = "203.0.113.10";

function peerMatchesDestination(peer: Manifest, policyNamespace: string, destination: Destination): boolean {
  if (destination.kind === "pod") return peerMatchesPod(peer, policyNamespace, destination.pod);
  if (destination.kind === "external" && peer.ipBlock) {
    const except: string[] = peer.ipBlock.except ?? [];
    return ipInCidr(EXTERNAL_IP, peer.ipBlock.cidr) && !except.some((cidr) => ipInCidr(EXTERNAL_IP, cidr));
  }
  return false;
}

export function egressAllowed(
  policies: readonly Manifest[],
  source: SimPod,
  destination: Destination,
): boolean {
  if (source.hostNetwork) return true;
  const applicable = selecting(policies, source, "Egress");
  if (applicable.length === 0) return true;
  const destinationPod = destination.kind === "pod" ? destination.pod : undefined;
  return applicable.some((policy) =>
    (policy.spec.egress ?? []).some(
      (rule: Manifest) =>
        portMatches(rule.ports, destination.port, destination.protocol, destinationPod) &&
        (!rule.to ||
          rule.to.length === 0 ||
          rule.to.some((peer: Manifest) =>
            peerMatchesDestination(peer, policy.metadata.namespace, destination),
          )),
    ),
  );
}

export function ingressAllowed(
  policies: readonly Manifest[],
  source: SimPod,
  destination: SimPod,
  port: number,
  protocol: string,
): boolean {
  if (destination.hostNetwork) return true;
  const applicable = selecting(policies, destination, "Ingress");
  if (applicable.length === 0) return true;
  return applicable.some((policy) =>
    (policy.spec.ingress ?? []).some(
      (rule: Manifest) =>
        portMatches(rule.ports, port, protocol, destination) &&
        (!rule.from ||
          rule.from.length === 0 ||
          rule.from.some((peer: Manifest) => peerMatchesPod(peer, policy.metadata.namespace, source))),
    ),
  );
}

/** Both ends agree: out of the source, into the destination (when it is a pod). */
export function connectionAllowed(
  policies: readonly Manifest[],
  source: SimPod,
  destination: Destination,
): { allowed: boolean; egress: boolean; ingress: boolean } {
  const egress = egressAllowed(policies, source, destination);
  const ingress =
    destination.kind === "pod"
      ? ingressAllowed(policies, source, destination.pod, destination.port, destination.protocol)
      : true;
  return { allowed: egress && ingress, egress, ingress };
}
