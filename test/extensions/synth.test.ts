// A team's extensions, synthesized from examples/team.config.ts by the real CLI: each appears where
// the built-ins do, and the real promtool and amtool load what synth wrote.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { checkClusterConfigSyntax } from "../helpers/promtool.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const BIN = join(process.cwd(), "bin/plue-monitoring.mjs");
const EXAMPLE = join(process.cwd(), "examples/team.config.ts");

let dir: { path: string; cleanup: () => void };
let out: string;
let result: Awaited<ReturnType<typeof runCommand>>;

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Yaml = any;
const read = (path: string) => readFileSync(join(out, path), "utf8");
const yaml = (path: string): Yaml => parse(read(path));
const objects = (path: string): Yaml[] => parseAllDocuments(read(path)).map((doc) => doc.toJSON());

beforeAll(async () => {
  dir = tempDir();
  out = join(dir.path, "out");
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("TF_VAR_")),
  );
  result = await runCommand(
    process.execPath,
    [
      BIN,
      "synth",
      "--config",
      EXAMPLE,
      "--set",
      "alertmanagerSlackWebhook=https://hooks.slack.com/services/T0/B0/x",
      "--set",
      "alertmanagerPagerdutyKey=0123456789abcdef0123456789abcdef",
      "--out",
      out,
    ],
    { cwd: dir.path, env: clean },
  );
}, 60_000);
afterAll(() => dir.cleanup());

describe("a config with all six extension kinds (examples/team.config.ts)", () => {
  it("synthesizes", () => {
    expect(result.stderr).not.toMatch(/invalid configuration/);
    expect(result.code).toBe(0);
  });

  it("writes the team's alert and recording rule to rule files of their own, and promtool accepts every rule file", async () => {
    const rules = join(out, "config/prometheus/rules");
    const files = readdirSync(rules).sort();
    expect(files).toEqual(expect.arrayContaining(["custom.yaml", "custom-recording.yaml"]));
    const alerts = yaml("config/prometheus/rules/custom.yaml");
    expect(alerts.groups[0].rules[0]).toEqual({
      alert: "WorkerQueueBacklog",
      expr: 'max by (namespace, service, queue) (worker_queue_depth{job="worker"}) > 1000',
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "{{ $labels.queue }} queue backlog: {{ $value }} jobs",
        description:
          "The {{ $labels.queue }} queue of {{ $labels.namespace }}/{{ $labels.service }} has held more than 1000 jobs for 15 minutes.",
        runbook_url: "https://wiki.plue.dev/runbooks/worker-queue-backlog",
      },
    });
    expect(yaml("config/prometheus/rules/custom-recording.yaml").groups[0].rules[0].record).toBe(
      "namespace_service_queue:worker_jobs_processed_total:sum_rate5m",
    );
    const check = await runCommand("promtool", ["check", "rules", ...files.map((file) => join(rules, file))]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // Its lint may remark on TargetDown's per-job rules sharing labels (stderr); nothing may fail.
    expect(check.stdout).not.toContain("FAILED");
  });

  it("mounts the team's rule files into Prometheus with ours", () => {
    const rulesMap = objects("manifests/prometheus.yaml").find(
      (object) => object.kind === "ConfigMap" && Object.keys(object.data ?? {}).includes("custom.yaml"),
    );
    expect(Object.keys(rulesMap?.data ?? {})).toEqual(
      expect.arrayContaining(["custom.yaml", "custom-recording.yaml"]),
    );
  });

  it("scrapes the team's Service with the relabeling of api, web and electric, and promtool accepts prometheus.yml", async () => {
    const prometheusYml = yaml("config/prometheus/prometheus.yml");
    const jobs: Yaml[] = prometheusYml.scrape_configs;
    const worker = jobs.find((job) => job.job_name === "worker");
    const api = jobs.find((job) => job.job_name === "api");
    expect(worker.kubernetes_sd_configs).toEqual([
      { role: "endpointslice", namespaces: { names: ["plue"] } },
    ]);
    // The same steps as api's, with the worker's Service and port in the keep regex.
    expect(worker.relabel_configs.slice(1)).toEqual(api.relabel_configs.slice(1));
    expect(worker.relabel_configs[0]).toEqual({ ...api.relabel_configs[0], regex: "worker;9464" });
    // kubernetes-pods leaves the port to the worker job: no target scraped twice.
    const annotated = jobs.find((job) => job.job_name === "kubernetes-pods");
    expect(annotated.relabel_configs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "drop", regex: expect.stringMatching(/^plue;.*9464/) }),
      ]),
    );
    const check = await checkClusterConfigSyntax(prometheusYml, dir.path);
    expect(check.otherComplaints).toEqual([]);
    expect(check.swapped.code, check.swapped.stderr).toBe(0);
  });

  it("lets Prometheus reach the team's pods through the NetworkPolicies", () => {
    const prometheusPolicy = objects("manifests/network-policies.yaml").find(
      (object) => object.metadata.name === "prometheus",
    );
    const toPlue = prometheusPolicy.spec.egress.find(
      (rule: Yaml) =>
        rule.to?.[0]?.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "plue",
    );
    expect(toPlue.ports).toEqual(expect.arrayContaining([{ protocol: "TCP", port: 9464 }]));
    const appPolicy = objects("manifests/app-namespace/network-policy.yaml")[0];
    expect(appPolicy.spec.ingress[0].ports).toEqual(
      expect.arrayContaining([{ protocol: "TCP", port: 9464 }]),
    );
  });

  it("makes TargetDown critical for the worker job, naming the team's alert it blinds", () => {
    const targets = yaml("config/prometheus/rules/targets.yaml").groups[0].rules;
    const worker = targets.find((rule: Yaml) => rule.expr.includes('job="worker"'));
    expect(worker.labels.severity).toBe("critical");
    expect(worker.annotations.description).toContain("WorkerQueueBacklog");
  });

  it("provisions the team's dashboard like ours: its own file and ConfigMap, a stable uid, the same folder", () => {
    const dashboard = JSON.parse(read("config/grafana/dashboards/plue-worker-queues.json"));
    expect(dashboard.uid).toBe("plue-worker-queues");
    expect(dashboard.title).toBe("Worker queues");
    expect(dashboard.id).toBeUndefined();
    const grafana = objects("manifests/grafana.yaml");
    const map = grafana.find((object) => object.metadata.name === "grafana-dashboard-plue-worker-queues");
    expect(Object.keys(map?.data ?? {})).toEqual(["plue-worker-queues.json"]);
    const deployment = grafana.find((object) => object.kind === "Deployment");
    const projected = deployment.spec.template.spec.volumes.find(
      (volume: Yaml) => volume.name === "dashboards",
    );
    expect(projected.projected.sources.map((source: Yaml) => source.configMap.name)).toContain(
      map.metadata.name,
    );
  });

  it("routes the team's severities as the built-ins route theirs (amtool config routes test)", async () => {
    const path = join(out, "config/alertmanager/alertmanager.yml");
    const route = async (...labels: string[]) => {
      const run = await runCommand("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${path}`,
        ...labels,
      ]);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout.trim();
    };
    expect(
      await route("alertname=WorkerQueueBacklog", "severity=warning", "namespace=plue", "service=worker"),
    ).toBe(await route("alertname=HighErrorRate", "severity=warning", "namespace=plue", "service=api"));
    expect(await route("alertname=WorkerDown", "severity=critical")).toBe(
      await route("alertname=PodCrashLooping", "severity=critical"),
    );
  });
});

describe("files for other namespaces", () => {
  it("are listed nowhere in the kustomization", () => {
    const kustomization = yaml("manifests/kustomization.yaml");
    for (const resource of kustomization.resources as string[]) {
      expect(resource).not.toMatch(/^(app-namespace|scraped-namespaces)\//);
    }
    const written = readdirSync(join(out, "manifests"), { recursive: true }) as string[];
    expect(written.map((file) => relative(".", file))).toEqual(
      expect.arrayContaining(["app-namespace/network-policy.yaml"]),
    );
  });
});
