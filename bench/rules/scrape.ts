// The scrape side: every simulated target served from one local HTTP server, and the synthesized
// scrape configs pointed at it. Each job keeps what synth writes for it (its name, honor_labels,
// interval and metric_relabel_configs); only Kubernetes discovery is replaced, by static targets
// carrying the labels the job's relabeling would attach (DESIGN.md "Target labels"): namespace, pod
// and service for a Service's pods, node for node-exporter and the kubelet's endpoints.
import { createServer, type Server } from "node:http";
import { freePort } from "../ingestion/node-exporter.ts";
import type { MovingExposition } from "./series.ts";
import type { DeclaredTargets, SynthesizedScrapeConfig } from "./tree.ts";

/** One scrape target: where it stands in the cluster, and what it serves. */
export interface Target {
  /** Its labels as discovery and relabeling would leave them (pod, node, instance). */
  identity: { pod?: string; node?: string; instance: string };
  exposition: MovingExposition;
}

export interface ServedTargets {
  port: number;
  /** Scrapes answered, per job. */
  scrapes: Map<string, number>;
  close(): void;
}

export async function serveTargets(
  targets: ReadonlyMap<string, Target[]>,
  startedAt: number,
): Promise<ServedTargets> {
  const port = await freePort();
  const scrapes = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const [, job = "", index] = (request.url ?? "").split("/");
    const target = targets.get(decodeURIComponent(job))?.[Number(index)];
    if (!target) {
      response.writeHead(404).end();
      return;
    }
    scrapes.set(job, (scrapes.get(job) ?? 0) + 1);
    const text = target.exposition.render((Date.now() - startedAt) / 1000);
    response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, scrapes, close: () => server.close() };
}

/** The labels a job's relabeling attaches to one target, from the job's declared targets. */
export function targetLabels(declared: DeclaredTargets | undefined, target: Target): Record<string, string> {
  const labels: Record<string, string> = { instance: target.identity.instance };
  if (declared?.kind === "nodes" && target.identity.node) labels.node = target.identity.node;
  if (declared?.kind === "service" && "labels" in declared) {
    const { namespace, service } = declared as { namespace: string; service: string };
    for (const label of declared.labels) {
      const value =
        label === "namespace"
          ? namespace
          : label === "service"
            ? service
            : label === "pod"
              ? target.identity.pod
              : label === "node"
                ? target.identity.node
                : undefined;
      if (value !== undefined) labels[label] = value;
    }
  }
  return labels;
}

/** A synthesized scrape config with static targets at `address`, each under its own path. */
export function staticScrapeConfig(
  synthesized: SynthesizedScrapeConfig,
  declared: DeclaredTargets | undefined,
  targets: readonly Target[],
  address: string,
  pathOf: (index: number) => string,
): object {
  const { job_name, honor_labels, scrape_interval, scrape_timeout, metric_relabel_configs } = synthesized;
  return {
    job_name,
    ...(honor_labels ? { honor_labels } : {}),
    ...(scrape_interval ? { scrape_interval } : {}),
    ...(scrape_timeout ? { scrape_timeout } : {}),
    static_configs: targets.map((target, index) => ({
      targets: [address],
      labels: { __metrics_path__: pathOf(index), ...targetLabels(declared, target) },
    })),
    ...(metric_relabel_configs && metric_relabel_configs.length > 0 ? { metric_relabel_configs } : {}),
  };
}
