// prometheus.yml as promtool reads it, and the jobs and flags it holds for each deployment.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mounts } from "../../src/components.ts";
import { cluster } from "../../src/deployment.ts";
import {
  blackboxConfig,
  prometheusArgs,
  prometheusConfig,
  remoteWriteSecretFiles,
} from "../../src/prometheus/index.ts";
import { ingestionRelabeling } from "../../src/prometheus/ingestion.ts";
import { toYaml } from "../../src/render.ts";
import { testConfig } from "../helpers/config.ts";
import { checkClusterConfigSyntax, jobsOf, withFileSd } from "../helpers/promtool.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import {
  fullConfig,
  localDeployment,
  REMOTE_WRITE_PASSWORD,
  REMOTE_WRITE_TOKEN,
  remoteWriteWithCredentials,
  writeRuleFiles,
} from "./fixtures.ts";

const dir = tempDir("plue-prometheus-config-");
afterAll(() => dir.cleanup());

const jobNames = (yml: Record<string, unknown>) => jobsOf(yml).map((job) => job.job_name);

function write(name: string, value: unknown): string {
  const path = join(dir.path, name);
  writeFileSync(path, toYaml(value));
  return path;
}

// Debian's promtool lacks Kubernetes SD: see test/helpers/promtool.ts.
const swapSd = (yml: Record<string, unknown>) => withFileSd(yml, join(dir.path, "sd.json"));

describe("cluster prometheus.yml", () => {
  const config = fullConfig();
  const yml = prometheusConfig(config, cluster);

  it("passes promtool check config --syntax-only, but for the Kubernetes SD this Prometheus lacks", async () => {
    const promtool = await checkClusterConfigSyntax(yml, dir.path);
    expect(promtool.kubernetesSdJobs).toBeGreaterThan(5);
    expect(promtool.otherComplaints).toEqual([]);
    if (promtool.raw.code !== 0) expect(promtool.kubernetesSdComplaints).toBe(promtool.kubernetesSdJobs);
    expect(promtool.swapped.stdout + promtool.swapped.stderr).toContain("SUCCESS");
    expect(promtool.swapped.code).toBe(0);
  });

  it("promtool catches a broken relabel regex in the swapped file (the check can fail)", async () => {
    const broken = swapSd(yml);
    const jobs = jobsOf(broken);
    const api = jobs.find((job) => job.job_name === "api") as unknown as {
      relabel_configs: { regex?: string }[];
    };
    (api.relabel_configs[0] as { regex?: string }).regex = "api;(4000";
    const result = await runCommand("promtool", [
      "check",
      "config",
      "--syntax-only",
      write("broken.yml", broken),
    ]);
    expect(result.code).not.toBe(0);
  });

  it("has exactly the jobs of DESIGN.md, postgres-exporter only with a DSN", () => {
    const all = [
      "apiserver",
      "kubelet",
      "cadvisor",
      "kube-state-metrics",
      "node-exporter",
      "blackbox",
      "postgres-exporter",
      "api",
      "web",
      "electric",
      "prometheus",
      "alertmanager",
      "config-reloader",
      "grafana",
      "kubernetes-pods",
    ];
    expect(jobNames(yml)).toEqual(all);
    const withoutDsn = prometheusConfig(testConfig(), cluster);
    expect(jobNames(withoutDsn)).toEqual(all.filter((job) => job !== "postgres-exporter"));
  });

  it("scrapes the kubelet and cAdvisor over verified HTTPS with the service-account token", () => {
    for (const name of ["kubelet", "cadvisor", "apiserver"]) {
      const job = jobsOf(yml).find((candidate) => candidate.job_name === name);
      expect(job).toMatchObject({
        scheme: "https",
        authorization: { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
        tls_config: { ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" },
      });
      expect(JSON.stringify(job)).not.toContain("insecure_skip_verify");
    }
    expect(jobsOf(yml).find((job) => job.job_name === "cadvisor")?.metrics_path).toBe("/metrics/cadvisor");
    expect(jobsOf(yml).find((job) => job.job_name === "kube-state-metrics")?.honor_labels).toBe(true);
  });

  it("probes https://<domain>, Grafana and the extra URLs through blackbox-exporter", () => {
    const blackbox = jobsOf(yml).find((job) => job.job_name === "blackbox");
    expect(blackbox).toMatchObject({
      metrics_path: "/probe",
      params: { module: ["http_2xx"] },
      static_configs: [
        { targets: ["https://plue.dev", "https://grafana.plue.dev", "https://status.plue.dev"] },
      ],
    });
  });

  it("labels every series with the cluster, loads the rules and alerts every Alertmanager replica", () => {
    const three = prometheusConfig(testConfig({ alertmanagerReplicas: 3, cluster: "prod-eu" }), cluster);
    expect(three.global).toEqual({
      scrape_interval: "30s",
      evaluation_interval: "30s",
      external_labels: { cluster: "prod-eu", prometheus_replica: `\${POD_NAME}` },
    });
    expect(three.rule_files).toEqual(["/etc/prometheus/rules/*.yaml"]);
    expect(three.alerting).toEqual({
      alert_relabel_configs: [{ action: "labeldrop", regex: "prometheus_replica" }],
      alertmanagers: [
        {
          api_version: "v2",
          static_configs: [
            {
              targets: [0, 1, 2].map(
                (index) => `alertmanager-${index}.alertmanager-headless.monitoring.svc:9093`,
              ),
            },
          ],
        },
      ],
    });
    expect(yml.remote_write).toEqual([
      { url: "https://metrics.example.com/api/v1/write", name: "long-term" },
    ]);
    expect(three.remote_write).toBeUndefined();
  });

  it("keeps retention on the command line, not in prometheus.yml", () => {
    const args = prometheusArgs(testConfig({ prometheusRetention: "45d" }), cluster);
    expect(args).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=45d",
      "--web.enable-lifecycle",
    ]);
    expect(toYaml(yml)).not.toContain("retention");
  });
});

describe("remote_write credentials", () => {
  const config = testConfig({ remoteWrite: remoteWriteWithCredentials });
  const yml = prometheusConfig(config, cluster);
  const dirOf = mounts.prometheusRemoteWriteSecrets;

  it("are files in the mounted Secret's directory: basic_auth password_file, authorization credentials_file", () => {
    expect(yml.remote_write).toEqual([
      {
        url: "https://metrics.example.com/api/v1/write",
        name: "long-term",
        basic_auth: { username: "prometheus", password_file: `${dirOf}/long-term.password` },
      },
      {
        url: "https://tenant.example.com:8443/push",
        authorization: { type: "Bearer", credentials_file: `${dirOf}/remote-write-1.bearer-token` },
      },
      { url: "https://open.example.com/api/v1/write", name: "open" },
    ]);
    expect(remoteWriteSecretFiles(config)).toEqual({
      "long-term.password": REMOTE_WRITE_PASSWORD,
      "remote-write-1.bearer-token": REMOTE_WRITE_TOKEN,
    });
    expect(remoteWriteSecretFiles(fullConfig())).toEqual({});
  });

  it("never appear in prometheus.yml", () => {
    const text = toYaml(yml);
    for (const secret of [REMOTE_WRITE_PASSWORD, REMOTE_WRITE_TOKEN]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString("base64"));
    }
  });

  it("pass promtool check config --syntax-only, which does not need the files", async () => {
    const promtool = await checkClusterConfigSyntax(yml, dir.path);
    expect(promtool.otherComplaints).toEqual([]);
    expect(promtool.swapped.stdout + promtool.swapped.stderr).toContain("SUCCESS");
    expect(promtool.swapped.code).toBe(0);
  });

  it("promtool refuses basic_auth and authorization on one entry (the check can fail)", async () => {
    const both = swapSd(yml);
    const entries = both.remote_write as Record<string, unknown>[];
    entries[0] = { ...entries[0], authorization: { type: "Bearer", credentials_file: "/x/token" } };
    const result = await runCommand("promtool", [
      "check",
      "config",
      "--syntax-only",
      write("both.yml", both),
    ]);
    expect(result.stdout + result.stderr).toContain("at most one of basic_auth, oauth2 & authorization");
    expect(result.code).not.toBe(0);
  });

  it("locally are files the local stack writes, and promtool check config (files read) accepts them", async () => {
    const deployment = localDeployment(join(dir.path, "local-rw"));
    const remoteWriteSecretsDir = join(dir.path, "local-rw", "remote-write");
    const local = prometheusConfig(config, deployment, { remoteWriteSecretsDir });
    const files = (local.remote_write as Record<string, Record<string, string>>[]).flatMap((entry) => [
      ...(entry.basic_auth ? [entry.basic_auth.password_file] : []),
      ...(entry.authorization ? [entry.authorization.credentials_file] : []),
    ]);
    expect(files.map((file) => dirname(file as string))).toEqual([
      remoteWriteSecretsDir,
      remoteWriteSecretsDir,
    ]);
    mkdirSync(remoteWriteSecretsDir, { recursive: true });
    for (const [file, value] of Object.entries(remoteWriteSecretFiles(config))) {
      writeFileSync(join(remoteWriteSecretsDir, file), value, { mode: 0o600 });
    }
    writeRuleFiles(deployment, config);
    const result = await runCommand("promtool", ["check", "config", write("local-rw.yml", local)]);
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
    expect(toYaml(local)).not.toContain(REMOTE_WRITE_PASSWORD);
    // The local stack must say where it wrote them.
    expect(() => prometheusConfig(config, deployment)).toThrow(/remote-write credentials/);
  });
});

describe("local prometheus.yml", () => {
  const config = testConfig({ postgresExporterDsn: "" });
  const deployment = localDeployment(dir.path, { clusterSimulator: 19180, nodes: ["node-a", "node-b"] });
  const yml = prometheusConfig(config, deployment);

  it("passes promtool check config with the stack's rule files", async () => {
    writeRuleFiles(deployment, config);
    const path = write("local.yml", yml);
    const result = await runCommand("promtool", ["check", "config", path]);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS: [1-9]\d* rule files found/);
    expect(result.code).toBe(0);
  });

  it("has the cluster's jobs that exist here, on the same names, paths and labels", () => {
    expect(jobNames(yml)).toEqual([
      "kubelet",
      "cadvisor",
      "kube-state-metrics",
      "node-exporter",
      "blackbox",
      "postgres-exporter",
      "api",
      "web",
      "electric",
      "prometheus",
      "alertmanager",
    ]);
    const job = (name: string) => jobsOf(yml).find((candidate) => candidate.job_name === name);
    expect(job("kubelet")?.static_configs).toEqual([
      { targets: ["127.0.0.1:19180"], labels: { __metrics_path__: "/nodes/node-a/metrics", node: "node-a" } },
      { targets: ["127.0.0.1:19180"], labels: { __metrics_path__: "/nodes/node-b/metrics", node: "node-b" } },
    ]);
    expect(job("cadvisor")?.static_configs).toEqual([
      {
        targets: ["127.0.0.1:19180"],
        labels: { __metrics_path__: "/nodes/node-a/metrics/cadvisor", node: "node-a" },
      },
      {
        targets: ["127.0.0.1:19180"],
        labels: { __metrics_path__: "/nodes/node-b/metrics/cadvisor", node: "node-b" },
      },
    ]);
    expect(job("kube-state-metrics")).toEqual({
      job_name: "kube-state-metrics",
      honor_labels: true,
      static_configs: [
        { targets: ["127.0.0.1:19180"], labels: { __metrics_path__: "/kube-state-metrics/metrics" } },
      ],
      // The same keep-list as in the cluster: the local stack proves the rules and panels still answer.
      metric_relabel_configs: ingestionRelabeling(config, "kube-state-metrics"),
    });
    expect(job("node-exporter")?.static_configs).toEqual([
      { targets: ["127.0.0.1:9100"], labels: { node: "node-a" } },
    ]);
    expect(job("api")?.static_configs).toEqual([
      { targets: ["127.0.0.1:4000"], labels: { namespace: "plue", pod: "api-local", service: "api" } },
    ]);
    // Both replicas, each named like the StatefulSet pod it stands for; no reloader and no Grafana here.
    expect(job("alertmanager")?.static_configs).toEqual(
      [9093, 9095].map((port, ordinal) => ({
        targets: [`127.0.0.1:${port}`],
        labels: { namespace: "monitoring", pod: `alertmanager-${ordinal}`, service: "alertmanager" },
      })),
    );
    expect(job("blackbox")).toMatchObject({
      static_configs: [{ targets: ["https://127.0.0.1:9443"] }],
      relabel_configs: expect.arrayContaining([
        { target_label: "__address__", replacement: "127.0.0.1:9115" },
      ]),
    });
  });

  it("scales scrape and evaluation through the deployment's timing, and alerts the local replicas", () => {
    expect(yml.global).toEqual({
      scrape_interval: "500ms",
      evaluation_interval: "500ms",
      external_labels: { cluster: "plue" },
    });
    expect(yml.rule_files).toEqual([`${deployment.rulesDir}/*.yaml`]);
    expect(yml.alerting).toEqual({
      alertmanagers: [
        { api_version: "v2", static_configs: [{ targets: ["127.0.0.1:9093", "127.0.0.1:9095"] }] },
      ],
    });
  });

  it("runs with the local flags: its own paths, a loopback listener and a 1 s alert resend delay", () => {
    const paths = { configFile: "/tmp/x/prometheus.yml", dataDir: "/tmp/x/data" };
    expect(prometheusArgs(config, deployment, paths)).toEqual([
      "--config.file=/tmp/x/prometheus.yml",
      "--storage.tsdb.path=/tmp/x/data",
      "--storage.tsdb.retention.time=30d",
      "--web.enable-lifecycle",
      "--web.listen-address=127.0.0.1:9090",
      "--rules.alert.resend-delay=1s",
    ]);
    expect(() => prometheusArgs(config, deployment)).toThrow(/paths/);
  });
});

describe("blackbox.yml", () => {
  it("follows redirects and verifies TLS; locally it trusts the local CA", async () => {
    const deployment = localDeployment(dir.path);
    writeFileSync(deployment.tlsCaFile as string, "");
    for (const [name, value] of [
      ["blackbox-cluster.yml", blackboxConfig(cluster)],
      ["blackbox-local.yml", blackboxConfig(deployment)],
    ] as const) {
      const result = await runCommand("prometheus-blackbox-exporter", [
        "--config.check",
        `--config.file=${write(name, value)}`,
      ]);
      expect(result.stdout + result.stderr).toContain("Config file is ok");
      expect(result.code).toBe(0);
    }
    const http = (value: Record<string, unknown>) => parse(toYaml(value)).modules.http_2xx.http;
    expect(http(blackboxConfig(cluster))).toMatchObject({
      follow_redirects: true,
      tls_config: { insecure_skip_verify: false },
    });
    expect(http(blackboxConfig(cluster)).tls_config.ca_file).toBeUndefined();
    expect(http(blackboxConfig(deployment)).tls_config).toEqual({
      insecure_skip_verify: false,
      ca_file: deployment.tlsCaFile,
    });
  });
});
