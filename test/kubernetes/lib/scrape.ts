// What a prometheus.yml scrapes in the simulated cluster: every job's discovered or static targets,
// relabeled as Prometheus would, down to the URL each scrape requests.

import { discover, type SimCluster } from "./cluster.ts";
import { type Labels, type RelabelRule, relabel } from "./relabel.ts";

// biome-ignore lint/suspicious/noExplicitAny: prometheus.yml is plain parsed data
type Yaml = any;

export interface ScrapeTarget {
  job: string;
  scheme: string;
  host: string;
  port: number;
  path: string;
  params: Record<string, string>;
  labels: Labels;
  /** Which service discovery role found it, or "static". */
  source: string;
}

function splitHostPort(address: string, scheme: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) {
    return { host: bracketed[1] as string, port: Number(bracketed[2] ?? (scheme === "https" ? 443 : 80)) };
  }
  const [host, port] = address.split(":");
  return { host: host as string, port: Number(port ?? (scheme === "https" ? 443 : 80)) };
}

/** Targets of one scrape config (or one alerting.alertmanagers entry) before relabeling. */
function discovered(cluster: SimCluster, config: Yaml): { labels: Labels; source: string }[] {
  const found: { labels: Labels; source: string }[] = [];
  for (const sd of config.kubernetes_sd_configs ?? []) {
    const names: string[] | undefined = sd.namespaces?.names;
    for (const labels of discover(cluster, sd.role, names)) found.push({ labels, source: sd.role });
  }
  for (const group of config.static_configs ?? []) {
    for (const address of group.targets ?? []) {
      found.push({ labels: { ...(group.labels ?? {}), __address__: address }, source: "static" });
    }
  }
  return found;
}

function finish(job: string, labels: Labels | undefined, source: string): ScrapeTarget | undefined {
  if (!labels?.__address__) return undefined;
  const scheme = labels.__scheme__ ?? "http";
  const { host, port } = splitHostPort(labels.__address__, scheme);
  const params = Object.fromEntries(
    Object.entries(labels)
      .filter(([name]) => name.startsWith("__param_"))
      .map(([name, value]) => [name.slice("__param_".length), value]),
  );
  return { job, scheme, host, port, path: labels.__metrics_path__ ?? "/metrics", params, labels, source };
}

export function scrapeTargets(cluster: SimCluster, prometheusYml: Yaml): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const config of prometheusYml.scrape_configs ?? []) {
    const defaults: Labels = {
      job: config.job_name,
      __scheme__: config.scheme ?? "http",
      __metrics_path__: config.metrics_path ?? "/metrics",
    };
    for (const [name, values] of Object.entries(config.params ?? {})) {
      defaults[`__param_${name}`] = (values as string[])[0] ?? "";
    }
    for (const { labels, source } of discovered(cluster, config)) {
      const relabeled = relabel({ ...defaults, ...labels }, (config.relabel_configs ?? []) as RelabelRule[]);
      const target = finish(config.job_name, relabeled, source);
      if (target) targets.push(target);
    }
  }
  return targets;
}

/** Where Prometheus sends alerts: each alerting.alertmanagers entry, discovered and relabeled. */
export function alertmanagerTargets(cluster: SimCluster, prometheusYml: Yaml): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const config of prometheusYml.alerting?.alertmanagers ?? []) {
    const defaults: Labels = {
      __scheme__: config.scheme ?? "http",
      __alerts_path__: `${config.path_prefix ?? ""}/api/${config.api_version ?? "v2"}/alerts`,
    };
    for (const { labels, source } of discovered(cluster, config)) {
      const relabeled = relabel({ ...defaults, ...labels }, (config.relabel_configs ?? []) as RelabelRule[]);
      const target = finish("alertmanager", relabeled, source);
      if (target) targets.push({ ...target, path: relabeled?.__alerts_path__ ?? target.path });
    }
  }
  return targets;
}

/** The kubernetes_sd_configs of the whole file: scrape jobs and Alertmanager discovery. */
export function sdConfigs(prometheusYml: Yaml): { job: string; sd: Yaml }[] {
  return [
    ...(prometheusYml.scrape_configs ?? []).flatMap((config: Yaml) =>
      (config.kubernetes_sd_configs ?? []).map((sd: Yaml) => ({ job: config.job_name, sd })),
    ),
    ...(prometheusYml.alerting?.alertmanagers ?? []).flatMap((config: Yaml) =>
      (config.kubernetes_sd_configs ?? []).map((sd: Yaml) => ({ job: "alerting", sd })),
    ),
  ];
}
