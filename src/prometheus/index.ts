// prometheus.yml and Prometheus' command line for a deployment. The same job declarations serve the
// cluster (Kubernetes service discovery) and the local stack (static targets on loopback).
import { mounts, remoteWriteFile, remoteWriteKey } from "../components.ts";
import { durationMs } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";
import { clusterTiming } from "../rules/timing.ts";
import { alertingConfig, replicaExternalLabels } from "./alerting.ts";
import { ingestionRelabeling } from "./ingestion.ts";
import { alertmanagerJobs } from "./jobs/alertmanager.ts";
import { annotatedPodJobs } from "./jobs/annotated-pods.ts";
import { blackboxJobs } from "./jobs/blackbox.ts";
import { configReloaderJobs } from "./jobs/config-reloader.ts";
import { customScrapeJobs } from "./jobs/custom.ts";
import { grafanaJobs } from "./jobs/grafana.ts";
import { kubeStateMetricsJobs } from "./jobs/kube-state-metrics.ts";
import { kubernetesJobs } from "./jobs/kubernetes.ts";
import { nodeExporterJobs } from "./jobs/node-exporter.ts";
import { plueServiceJobs } from "./jobs/plue-services.ts";
import { postgresExporterJobs } from "./jobs/postgres-exporter.ts";
import { prometheusJobs } from "./jobs/prometheus.ts";
import type { JobSpec } from "./jobs/types.ts";
import { clusterTargets, localTargets, type TargetSource } from "./targets.ts";
import type { ScrapeConfig } from "./types.ts";

export { blackboxConfig } from "./blackbox.ts";
export type { ScrapeConfig } from "./types.ts";

/** Every job of DESIGN.md "Target labels" that this deployment has, in a stable order. */
export function jobSpecs(config: StackConfig, deployment: Deployment): JobSpec[] {
  const dedicated = [
    ...kubernetesJobs(),
    ...kubeStateMetricsJobs(config),
    ...nodeExporterJobs(config),
    ...blackboxJobs(config),
    ...postgresExporterJobs(config, deployment),
    ...plueServiceJobs(config),
    // The monitoring stack itself.
    ...prometheusJobs(config),
    ...alertmanagerJobs(config),
    ...configReloaderJobs(config),
    ...grafanaJobs(config, deployment),
    // A team's own services.
    ...customScrapeJobs(config, deployment),
  ];
  return [...dedicated, ...annotatedPodJobs(dedicated)];
}

function targetSource(deployment: Deployment): TargetSource {
  return deployment.kind === "local"
    ? localTargets(deployment.topology, deployment.servicePods)
    : clusterTargets();
}

export function scrapeConfigs(config: StackConfig, deployment: Deployment): ScrapeConfig[] {
  const source = targetSource(deployment);
  const timing = deployment.kind === "local" ? deployment.timing : clusterTiming(config);
  const globalInterval = durationMs(timing.duration(config.scrapeInterval));
  return jobSpecs(config, deployment).flatMap((spec) => {
    const targets = source.resolve(spec.targets);
    if (!targets) return [];
    const slower =
      spec.minScrapeInterval && durationMs(spec.minScrapeInterval) > globalInterval
        ? { scrape_interval: spec.minScrapeInterval, scrape_timeout: spec.minScrapeInterval }
        : {};
    const kept = ingestionRelabeling(config, spec.job);
    return [
      {
        job_name: spec.job,
        ...slower,
        ...(spec.honorLabels ? { honor_labels: true } : {}),
        ...(spec.metricsPath ? { metrics_path: spec.metricsPath } : {}),
        ...(spec.params ? { params: spec.params } : {}),
        ...targets,
        ...(kept.length > 0 ? { metric_relabel_configs: kept } : {}),
      },
    ];
  });
}

export function prometheusConfig(
  config: StackConfig,
  deployment: Deployment,
  options: PrometheusConfigOptions = {},
): Record<string, unknown> {
  const timing = deployment.kind === "local" ? deployment.timing : clusterTiming(config);
  const rulesDir = deployment.kind === "local" ? deployment.rulesDir : mounts.prometheusRules;
  return {
    global: {
      scrape_interval: timing.duration(config.scrapeInterval),
      evaluation_interval: timing.duration(config.evaluationInterval),
      external_labels: { cluster: config.cluster, ...replicaExternalLabels(deployment) },
    },
    rule_files: [`${rulesDir}/*.yaml`],
    alerting: alertingConfig(config, deployment),
    scrape_configs: scrapeConfigs(config, deployment),
    ...(config.remoteWrite.length > 0
      ? { remote_write: remoteWriteConfigs(config, deployment, options) }
      : {}),
  };
}

export interface PrometheusConfigOptions {
  /**
   * The directory holding the remote-write credential files (remoteWriteSecretFiles). In a cluster
   * it is the mounted Secret; the local stack writes them itself and must say where.
   */
  remoteWriteSecretsDir?: string;
}

/**
 * remote_write: credentials only as files, which Prometheus (prometheus/common's FileSecret) reads
 * again on every request, so a changed Secret takes effect without a reload or a restart.
 */
function remoteWriteConfigs(
  config: StackConfig,
  deployment: Deployment,
  options: PrometheusConfigOptions,
): Record<string, unknown>[] {
  const dir =
    options.remoteWriteSecretsDir ??
    (deployment.kind === "cluster" ? mounts.prometheusRemoteWriteSecrets : undefined);
  return config.remoteWrite.map(({ url, name, basicAuth, bearerToken, queue, writeRelabel }, index) => {
    const file = (credential: "password" | "bearer-token") => {
      if (dir === undefined)
        throw new Error("the local Prometheus needs a directory for remote-write credentials");
      return `${dir}/${remoteWriteFile(remoteWriteKey(name, index), credential)}`;
    };
    return {
      url,
      ...(name ? { name } : {}),
      ...(basicAuth ? { basic_auth: { username: basicAuth.username, password_file: file("password") } } : {}),
      ...(bearerToken !== undefined
        ? { authorization: { type: "Bearer", credentials_file: file("bearer-token") } }
        : {}),
      ...(queue && Object.keys(queue).length > 0 ? { queue_config: queueConfig(queue) } : {}),
      ...(writeRelabel && writeRelabel.length > 0
        ? { write_relabel_configs: writeRelabel.map(writeRelabelConfig) }
        : {}),
    };
  });
}

type RemoteWriteEntry = StackConfig["remoteWrite"][number];

/** queue_config: only the fields given; Prometheus keeps its defaults for the rest. */
function queueConfig(queue: NonNullable<RemoteWriteEntry["queue"]>): Record<string, unknown> {
  const fields = {
    capacity: queue.capacity,
    max_shards: queue.maxShards,
    min_shards: queue.minShards,
    max_samples_per_send: queue.maxSamplesPerSend,
    batch_send_deadline: queue.batchSendDeadline,
    min_backoff: queue.minBackoff,
    max_backoff: queue.maxBackoff,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function writeRelabelConfig(
  step: NonNullable<RemoteWriteEntry["writeRelabel"]>[number],
): Record<string, unknown> {
  if (step.action === "labeldrop" || step.action === "labelkeep") {
    return { action: step.action, regex: step.regex };
  }
  return {
    source_labels: step.sourceLabels,
    ...(step.separator !== undefined ? { separator: step.separator } : {}),
    ...(step.regex !== undefined ? { regex: step.regex } : {}),
    ...(step.action === "replace" ? { target_label: step.targetLabel } : {}),
    ...(step.action === "replace" && step.replacement !== undefined ? { replacement: step.replacement } : {}),
    action: step.action,
  };
}

/** The remote-write credential files: file name → value, for the entries that have credentials. */
export function remoteWriteSecretFiles(config: StackConfig): Record<string, string> {
  return Object.fromEntries(
    config.remoteWrite.flatMap(({ name, basicAuth, bearerToken }, index): [string, string][] => {
      const key = remoteWriteKey(name, index);
      // A credential given as a reference to an existing Secret is mounted from it, not written.
      if (typeof basicAuth?.password === "string")
        return [[remoteWriteFile(key, "password"), basicAuth.password]];
      if (typeof bearerToken === "string") return [[remoteWriteFile(key, "bearer-token"), bearerToken]];
      return [];
    }),
  );
}

/** Files Prometheus reads and writes. In a cluster they are the mounts of components.ts. */
export interface PrometheusPaths {
  configFile: string;
  dataDir: string;
}

const mountedPaths: PrometheusPaths = { configFile: mounts.prometheusConfig, dataDir: mounts.prometheusData };

/**
 * Prometheus' command line. Retention is a flag, not part of prometheus.yml. The local stack must
 * pass its own paths; it also resends alerts every second, because with the default (1m) the first
 * notification is dropped until Alertmanager is discovered and arrives only after ~61 s.
 */
export function prometheusArgs(
  config: StackConfig,
  deployment: Deployment,
  paths?: PrometheusPaths,
): string[] {
  if (deployment.kind === "local" && !paths) throw new Error("the local Prometheus needs its own file paths");
  const { configFile, dataDir } = paths ?? mountedPaths;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--storage.tsdb.retention.time=${config.prometheusRetention}`,
    // POST /-/reload: the config reloader applies ConfigMap changes without a restart.
    "--web.enable-lifecycle",
  ];
  if (deployment.kind === "local") {
    const { host, prometheus } = deployment.topology;
    args.push(`--web.listen-address=${host}:${prometheus}`, "--rules.alert.resend-delay=1s");
  }
  return args;
}
