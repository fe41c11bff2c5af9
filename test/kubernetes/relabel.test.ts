// The RBAC and NetworkPolicy checks trust the simulated relabeling, so it is held to the real thing:
// the simulated cluster's discovered targets are handed to a real Prometheus as static targets with
// the same meta labels and the same relabel_configs, and Prometheus' own view of the resulting
// targets (/api/v1/targets) must equal the simulation's, job by job.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { freePort, tempDir } from "../helpers/system.ts";
import { discover } from "./lib/cluster.ts";
import { expand, relabel } from "./lib/relabel.ts";
import { type ScrapeTarget, scrapeTargets } from "./lib/scrape.ts";
import { buildStack, simulatedCluster } from "./lib/stack.ts";

const PROMETHEUS = "/usr/bin/prometheus";
const stack = buildStack();
const cluster = simulatedCluster(stack);
// biome-ignore lint/suspicious/noExplicitAny: parsed prometheus.yml
const prometheusYml: any = parseYaml(
  stack.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "prometheus-config").data[
    "prometheus.yml"
  ],
);

/** The same jobs, with every discovered target turned into a static target carrying its meta labels. */
function staticEquivalent(): Record<string, unknown> {
  return {
    global: { scrape_interval: "1h", scrape_timeout: "10s" },
    // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
    scrape_configs: prometheusYml.scrape_configs.map((config: any) => {
      const groups = [
        ...(config.static_configs ?? []),
        // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
        ...(config.kubernetes_sd_configs ?? []).flatMap((sd: any) =>
          discover(cluster, sd.role, sd.namespaces?.names).map(({ __address__, ...labels }) => ({
            targets: [__address__],
            labels,
          })),
        ),
      ];
      return {
        job_name: config.job_name,
        ...(config.scheme ? { scheme: config.scheme } : {}),
        ...(config.metrics_path ? { metrics_path: config.metrics_path } : {}),
        ...(config.params ? { params: config.params } : {}),
        ...(config.honor_labels ? { honor_labels: true } : {}),
        static_configs: groups,
        relabel_configs: config.relabel_configs ?? [],
      };
    }),
  };
}

function simulatedUrl(target: ScrapeTarget): string {
  const query = new URLSearchParams(
    Object.entries(target.params).sort(([a], [b]) => a.localeCompare(b)),
  ).toString();
  return `${target.scheme}://${target.host}:${target.port}${target.path}${query ? `?${query}` : ""}`;
}

function visibleLabels(target: ScrapeTarget): Record<string, string> {
  const labels = Object.fromEntries(Object.entries(target.labels).filter(([name]) => !name.startsWith("__")));
  return { instance: target.labels.__address__ as string, ...labels };
}

describe("simulated relabeling", () => {
  const dir = tempDir("plue-monitoring-relabel-");
  let prometheus: ChildProcess | undefined;
  let port = 0;
  let output = "";
  const start: { error?: Error } = {};

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install prometheus`);
    port = await freePort();
    writeFileSync(join(dir.path, "prometheus.yml"), stringify(staticEquivalent()));
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir.path, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir.path, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.on("error", (error) => {
      start.error = error;
    });
    prometheus.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    prometheus.stderr?.on("data", (chunk) => {
      output += chunk;
    });
  });

  afterAll(() => {
    prometheus?.kill("SIGKILL");
    dir.cleanup();
  });

  it("matches what a real Prometheus makes of the same targets, job by job", async () => {
    const simulated = scrapeTargets(cluster, prometheusYml);
    const expectedCount = simulated.length;
    // biome-ignore lint/suspicious/noExplicitAny: the targets API's JSON
    let active: any[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/targets?state=active`);
        // biome-ignore lint/suspicious/noExplicitAny: the targets API's JSON
        const body: any = await response.json();
        active = body.data.activeTargets;
        if (active.length >= expectedCount) break;
      } catch {
        // not listening yet
      }
      if (start.error) throw start.error;
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const real = active
      .map((t) => `${t.scrapePool} ${t.scrapeUrl} ${JSON.stringify(Object.entries(t.labels).sort())}`)
      .sort();
    const ours = simulated
      .map((t) => `${t.job} ${simulatedUrl(t)} ${JSON.stringify(Object.entries(visibleLabels(t)).sort())}`)
      .sort();
    expect(ours.length).toBeGreaterThan(10);
    expect(real).toEqual(ours);
  });
});

describe("the monitoring stack's own jobs in the simulated cluster", () => {
  const simulated = scrapeTargets(cluster, prometheusYml);
  const ns = stack.config.namespace;
  /** "<namespace>/<pod> <service> :<port>" of each target of a job. */
  const seen = (job: string) =>
    simulated
      .filter((t) => t.job === job)
      .map((t) => `${t.labels.namespace}/${t.labels.pod} ${t.labels.service} :${t.port}${t.path}`)
      .sort();

  it("scrape every Prometheus and Alertmanager replica and Grafana once each, with namespace, pod and service", () => {
    expect(seen("prometheus")).toEqual([
      `${ns}/prometheus-0 prometheus :9090/metrics`,
      `${ns}/prometheus-1 prometheus :9090/metrics`,
    ]);
    expect(seen("alertmanager")).toEqual([
      `${ns}/alertmanager-0 alertmanager :9093/metrics`,
      `${ns}/alertmanager-1 alertmanager :9093/metrics`,
    ]);
    expect(seen("grafana")).toEqual([`${ns}/grafana-5d9c7-0 grafana :3000/metrics`]);
  });

  it("scrape the config reloader of every pod that runs one, `service` the component it serves", () => {
    const withReloader = cluster.pods
      .filter((pod) => pod.containers.some((c) => c.name === "config-reloader"))
      .map((pod) => `${pod.namespace}/${pod.name} ${pod.labels["app.kubernetes.io/name"]} :8080/metrics`)
      .sort();
    expect(withReloader).toHaveLength(4);
    expect(seen("config-reloader")).toEqual(withReloader);
    expect(seen("config-reloader").join("\n")).toContain(`${ns}/prometheus-0 prometheus`);
  });

  it("are not scraped twice by kubernetes-pods, even with every pod of the stack annotated", () => {
    const annotated = {
      ...cluster,
      pods: cluster.pods.map((pod) =>
        pod.namespace === ns
          ? { ...pod, annotations: { ...pod.annotations, "prometheus.io/scrape": "true" } }
          : pod,
      ),
    };
    const all = scrapeTargets(annotated, prometheusYml);
    const address = (t: ScrapeTarget) => `${t.host}:${t.port}`;
    const dedicated = new Set(all.filter((t) => t.job !== "kubernetes-pods").map(address));
    const annotatedInNs = all.filter((t) => t.job === "kubernetes-pods" && t.labels.namespace === ns);
    expect(annotatedInNs.length).toBeGreaterThan(0); // the gossip port, scraped by no job
    expect(annotatedInNs.filter((t) => dedicated.has(address(t))).map(address)).toEqual([]);
  });
});

describe("relabel engine", () => {
  it("expands replacements the way Go does", () => {
    const match = /^(?<host>[^:]+):(\d+)$/.exec("10.0.0.1:9100") as RegExpExecArray;
    expect(expand("$1:9090", match)).toBe("10.0.0.1:9090");
    expect(expand(["$", "{2}x"].join(""), match)).toBe("9100x");
    expect(expand("$2x", match)).toBe(""); // "$2x" names a group "2x"
    expect(expand("$host/$$", match)).toBe("10.0.0.1/$");
  });

  it("keeps, drops, maps and hashes", () => {
    const labels = { __address__: "10.0.0.1:80", __meta_kubernetes_pod_label_app: "api", job: "x" };
    expect(
      relabel(labels, [{ source_labels: ["__meta_kubernetes_pod_label_app"], regex: "web", action: "keep" }]),
    ).toBe(undefined);
    expect(relabel(labels, [{ regex: "__meta_kubernetes_pod_label_(.+)", action: "labelmap" }])?.app).toBe(
      "api",
    );
    expect(
      relabel(labels, [{ source_labels: ["job"], target_label: "job", replacement: "" }]),
    ).not.toHaveProperty("job");
    expect(
      relabel(labels, [
        { source_labels: ["__address__"], modulus: 4, target_label: "shard", action: "hashmod" },
      ])?.shard,
    ).toMatch(/^[0-3]$/);
  });
});
