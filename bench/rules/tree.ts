// What the bench takes from a checkout of this project: the synthesized prometheus.yml and rule files
// for the test config, the jobs' target declarations, kube-state-metrics' allowlist, the request
// histogram's buckets and the recorded series' names. Loaded with import() so that one bench measures
// any checkout (`--tree DIR`), an older commit's as well as this one.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";

/** A scrape config as synth writes it; the bench keeps the fields that do not depend on discovery. */
export interface SynthesizedScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  scrape_interval?: string;
  scrape_timeout?: string;
  metric_relabel_configs?: object[];
}

/** A job's targets as declared (src/prometheus/targets.ts), reduced to what decides their labels. */
export type DeclaredTargets =
  | { kind: "service"; namespace: string; service: string; port: number; labels: readonly string[] }
  | { kind: "nodes"; path: string }
  | { kind: string };

export interface Synthesis {
  dir: string;
  appNamespace: string;
  /** Namespace of the monitoring stack (kube-state-metrics, node-exporter, Prometheus). */
  namespace: string;
  scrapeInterval: string;
  evaluationInterval: string;
  externalLabels: Record<string, string>;
  scrapeConfigs: SynthesizedScrapeConfig[];
  /** Job name → its declared targets. */
  targets: Map<string, DeclaredTargets>;
  /** File name → YAML text, as synth writes config/prometheus/rules/. */
  ruleFiles: Record<string, string>;
  /** Which kube-state-metrics families the deployed kube-state-metrics builds (--metric-allowlist). */
  kubeStateMetricsServes: (name: string) => boolean;
  durationBuckets: readonly number[];
  /** The recorded series' names (src/rules/recording.ts `recorded`). */
  recorded: Record<string, string>;
}

export async function loadSynthesis(checkout: string): Promise<Synthesis> {
  const dir = resolve(checkout);
  const load = async <T>(path: string): Promise<T> =>
    (await import(pathToFileURL(resolve(dir, path)).href)) as T;
  const { testConfig } = await load<{ testConfig: () => Record<string, unknown> }>("test/helpers/config.ts");
  const { renderConfigs } = await load<{
    renderConfigs: (config: unknown) => { prometheusYml: string; ruleFiles: Record<string, string> };
  }>("src/synth.ts");
  const { jobSpecs } = await load<{
    jobSpecs: (config: unknown, deployment: unknown) => { job: string; targets: DeclaredTargets }[];
  }>("src/prometheus/index.ts");
  const { cluster } = await load<{ cluster: unknown }>("src/deployment.ts");
  const { kubeStateMetricsAllowlist, allowlistFilter } = await load<{
    kubeStateMetricsAllowlist: (config: unknown) => string | undefined;
    allowlistFilter: (allowlist: string | undefined) => (name: string) => boolean;
  }>("src/sizing/keep.ts");
  const { DURATION_BUCKETS } = await load<{ DURATION_BUCKETS: readonly number[] }>(
    "src/instrument/http-semantics.ts",
  );
  const { recorded } = await load<{ recorded: Record<string, string> }>("src/rules/recording.ts");

  const config = testConfig();
  const rendered = renderConfigs(config);
  const prometheusYml = parse(rendered.prometheusYml) as {
    global: {
      scrape_interval: string;
      evaluation_interval: string;
      external_labels?: Record<string, string>;
    };
    scrape_configs: SynthesizedScrapeConfig[];
  };
  return {
    dir,
    appNamespace: String(config.appNamespace),
    namespace: String(config.namespace),
    scrapeInterval: prometheusYml.global.scrape_interval,
    evaluationInterval: prometheusYml.global.evaluation_interval,
    externalLabels: prometheusYml.global.external_labels ?? {},
    scrapeConfigs: prometheusYml.scrape_configs,
    targets: new Map(jobSpecs(config, cluster).map((spec) => [spec.job, spec.targets])),
    ruleFiles: rendered.ruleFiles,
    kubeStateMetricsServes: allowlistFilter(kubeStateMetricsAllowlist(config)),
    durationBuckets: DURATION_BUCKETS,
    recorded,
  };
}
