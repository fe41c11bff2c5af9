// What a prometheus.yml needs from RBAC, and whether a set of rules grants it. Service discovery lists
// and watches what its role reads; a scrape of the kubelet or API server is authorized by path (the
// kubelet maps /metrics* to nodes/metrics, /stats to nodes/stats, … and anything else to nodes/proxy).
import type { Destination, SimCluster } from "./cluster.ts";
import { resolveAddress } from "./cluster.ts";
import type { ScrapeTarget } from "./scrape.ts";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Yaml = any;

export type Need =
  | { kind: "resource"; apiGroup: string; resource: string; verb: string; why: string }
  | { kind: "nonResource"; path: string; verb: string; why: string };

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const listWatch = (apiGroup: string, resource: string, why: string): Need[] =>
  ["list", "watch"].map((verb) => ({ kind: "resource", apiGroup, resource, verb, why }));

/** What one kubernetes_sd_config reads from the API. */
export function discoveryNeeds(job: string, sd: Yaml): Need[] {
  const why = `job ${job}: kubernetes_sd_configs role ${sd.role}`;
  const needs: Need[] = [];
  const attachNode = sd.attach_metadata?.node === true;
  switch (sd.role) {
    case "node":
      needs.push(...listWatch("", "nodes", why));
      break;
    case "pod":
      needs.push(...listWatch("", "pods", why));
      if (attachNode) needs.push(...listWatch("", "nodes", `${why} (attach_metadata.node)`));
      break;
    case "service":
      needs.push(...listWatch("", "services", why));
      break;
    case "endpoints":
      needs.push(
        ...listWatch("", "endpoints", why),
        ...listWatch("", "services", why),
        ...listWatch("", "pods", why),
      );
      if (attachNode) needs.push(...listWatch("", "nodes", `${why} (attach_metadata.node)`));
      break;
    case "endpointslice":
      needs.push(
        ...listWatch("discovery.k8s.io", "endpointslices", why),
        ...listWatch("", "services", why),
        ...listWatch("", "pods", why),
      );
      if (attachNode) needs.push(...listWatch("", "nodes", `${why} (attach_metadata.node)`));
      break;
    case "ingress":
      needs.push(...listWatch("networking.k8s.io", "ingresses", why));
      break;
    default:
      throw new Error(`unknown kubernetes_sd role ${sd.role}`);
  }
  if (sd.attach_metadata?.namespace === true) {
    needs.push(...listWatch("", "namespaces", `${why} (attach_metadata.namespace)`));
  }
  return needs;
}

/** The kubelet's authorization of a request path (its subresource of nodes). */
export function kubeletSubresource(path: string): string {
  const first = path.split("/")[1] ?? "";
  const known: Record<string, string> = {
    metrics: "metrics",
    stats: "stats",
    logs: "log",
    spec: "spec",
    checkpoint: "checkpoint",
  };
  return `nodes/${known[first] ?? "proxy"}`;
}

/** An API server request path: a resource's proxy subresource, or a non-resource URL. */
export function apiserverNeed(path: string, why: string): Need {
  const proxy = /^\/api\/v1\/(?:namespaces\/[^/]+\/)?(nodes|services|pods)\/[^/]+\/proxy(?:\/|$)/.exec(path);
  if (proxy) return { kind: "resource", apiGroup: "", resource: `${proxy[1]}/proxy`, verb: "get", why };
  return { kind: "nonResource", path, verb: "get", why };
}

/** What scraping these targets with the service account's token needs: kubelet and API server only. */
export function scrapeNeeds(cluster: SimCluster, targets: readonly ScrapeTarget[]): Need[] {
  const needs: Need[] = [];
  for (const target of targets) {
    const why = `job ${target.job}: scrape ${target.scheme}://${target.host}:${target.port}${target.path}`;
    for (const destination of resolveAddress(cluster, target.host, target.port) as Destination[]) {
      if (destination.kind === "node" && destination.port === 10250) {
        needs.push({
          kind: "resource",
          apiGroup: "",
          resource: kubeletSubresource(target.path),
          verb: "get",
          why,
        });
      } else if (destination.kind === "apiserver") {
        needs.push(apiserverNeed(target.path, why));
      }
    }
  }
  return needs;
}

function nonResourceMatches(pattern: string, path: string): boolean {
  return (
    pattern === "*" || pattern === path || (pattern.endsWith("*") && path.startsWith(pattern.slice(0, -1)))
  );
}

export function grants(rules: readonly PolicyRule[], need: Need): boolean {
  return rules.some((rule) => {
    if (!rule.verbs.includes(need.verb) && !rule.verbs.includes("*")) return false;
    if (need.kind === "nonResource") {
      return (rule.nonResourceURLs ?? []).some((pattern) => nonResourceMatches(pattern, need.path));
    }
    const groups = rule.apiGroups ?? [];
    const resources = rule.resources ?? [];
    const subresource = need.resource.split("/")[1];
    return (
      (groups.includes(need.apiGroup) || groups.includes("*")) &&
      (resources.includes(need.resource) ||
        resources.includes("*") ||
        (subresource !== undefined && resources.includes(`*/${subresource}`)))
    );
  });
}

/** The needs no rule grants, described. */
export function missingGrants(rules: readonly PolicyRule[], needs: readonly Need[]): string[] {
  const missing = needs.filter((need) => !grants(rules, need));
  const describe = (need: Need) =>
    need.kind === "resource"
      ? `${need.verb} ${need.apiGroup === "" ? "" : `${need.apiGroup}/`}${need.resource} (${need.why})`
      : `${need.verb} ${need.path} (${need.why})`;
  return [...new Set(missing.map(describe))];
}
