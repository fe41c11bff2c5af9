// The stack's configuration: every key, its default, what it accepts, and where the seed named it.
// This table is the single source for validation, --set/TF_VAR_ parsing, secrets and the README's
// config reference.
import { z } from "zod";
import { sloSchema } from "../slo/schema.ts";
import { backupSchema, defaultBackup } from "./backup.ts";
import {
  alertSchema,
  dashboardSchema,
  metricSchema,
  recordingRuleSchema,
  scrapeJobSchema,
} from "./extensions.ts";
import {
  baseUrl,
  dnsLabel,
  dnsName,
  dnsSubdomain,
  duration,
  httpsUrl,
  integerBetween,
  labelValue,
  optionalHttpsUrl,
  optionalQueryUrl,
  optionalSize,
  pagerdutyKey,
  password,
  percent,
  pinnedImage,
  postgresDsn,
  storageSize,
} from "./formats.ts";
import { defaultImages, type ImageName } from "./images.ts";
import { defaultIngestion, ingestionSchema } from "./ingestion.ts";
import { remoteWriteEndpoints } from "./remote-write.ts";
import { orSecretReference, SECRET_REFERENCE_ACCEPTS } from "./secret-reference.ts";

export interface KeySpec {
  /** camelCase name used in config files and --set. */
  key: string;
  /** The seed's snake_case variable, read from TF_VAR_<seedName> and accepted by --set. */
  seedName?: string;
  description: string;
  /** Human description of accepted values, used when the key is missing. */
  accepts: string;
  schema: z.ZodType;
  /** Defaults are applied before validation; undefined means required. */
  default?: unknown;
  /** Secret values are never printed, not even in error messages. */
  secret?: boolean;
  /**
   * Fields, at any depth of the key's value, whose values are secret (remoteWrite's passwords).
   * They are never printed; nor is a raw --set or TF_VAR_ text for the key that is not valid JSON.
   */
  secretFields?: readonly string[];
  /** How a string from the environment or --set becomes a value. */
  kind: "string" | "number" | "list" | "object";
}

/** The longest window a rule reads (test/rules holds the rules to it): less retention blinds them. */
export const MIN_RETENTION = "1d";

/**
 * With scrapes more than 2m apart, one failed scrape leaves a gap longer than Prometheus' 5m
 * lookback: series vanish from instant queries, and alerts resolve and fire again.
 */
const MAX_INTERVAL = "2m";
const SCRAPE_WHY = ": beyond 2m, one missed scrape makes a series vanish within Prometheus' 5m lookback";
const EVALUATION_WHY = ": every alert fires up to one evaluation late, and a `for` counts in evaluations";

const percentAccepts = "a percent greater than 0 and at most 100";

export const configKeys = {
  namespace: {
    seedName: "namespace",
    description: "Kubernetes namespace the monitoring stack runs in",
    accepts:
      "a DNS-1123 label (monitoring) of the stack's own: not appNamespace, ingressControllerNamespace, default or kube-*",
    schema: dnsLabel(),
    kind: "string",
  },
  domain: {
    seedName: "domain",
    description: "Plue's domain: Grafana is served at grafana.<domain>, https://<domain> is probed",
    accepts: "a DNS name (plue.dev)",
    schema: dnsName(),
    kind: "string",
  },
  grafanaAdminPassword: {
    seedName: "grafana_admin_password",
    description: "Grafana admin password (stored only in a Kubernetes Secret)",
    accepts: `a non-empty password of at most 256 characters, without control characters; or ${SECRET_REFERENCE_ACCEPTS}`,
    schema: orSecretReference(password()),
    secret: true,
    kind: "string",
  },
  prometheusRetention: {
    seedName: "prometheus_retention",
    description: "How long Prometheus keeps data",
    accepts: `a Prometheus duration from ${MIN_RETENTION} to 100y (30d)`,
    schema: duration(MIN_RETENTION, "100y", `: the rules read up to ${MIN_RETENTION} back`),
    default: "30d",
    kind: "string",
  },
  prometheusStorageSize: {
    seedName: "prometheus_storage_size",
    description: "Size of Prometheus' persistent volume",
    accepts: "a Kubernetes quantity from 1Gi to 1Pi (50Gi)",
    schema: storageSize("1Gi", ": Prometheus' write-ahead log alone needs several hundred MiB"),
    default: "50Gi",
    kind: "string",
  },
  prometheusMemoryLimit: {
    description:
      "Memory limit of the Prometheus container. \"\" sizes request and limit from clusterSize's estimate (or the reference cluster's, 100 nodes and 3,000 pods); a value caps both",
    accepts: 'a Kubernetes quantity from 512Mi to 1Pi (8Gi), or ""',
    schema: optionalSize("512Mi", ": an idle Prometheus with this stack's rules needs a few hundred MiB"),
    default: "",
    kind: "string",
  },
  clusterSize: {
    description:
      "Nodes and pods of the cluster watched, and pods of api, web and electric together (servicePods, default 30). Prometheus' memory request and limit follow the estimate for it; synth warns if prometheusStorageSize or prometheusMemoryLimit is below it",
    // Kubernetes' documented limits for one cluster: 5,000 nodes, 150,000 pods
    // (kubernetes/website content/en/docs/setup/best-practices/cluster-large.md).
    accepts:
      "{ nodes: a whole number from 1 to 5000, pods: a whole number from 0 to 150000, servicePods?: a whole number from 0 to 10000 }, nodes and pods both or neither",
    schema: z
      .object({
        nodes: integerBetween(1, 5000).nullable(),
        pods: integerBetween(0, 150_000).nullable(),
        servicePods: integerBetween(0, 10_000).nullable().optional(),
      })
      .strict()
      .refine((size) => (size.nodes === null) === (size.pods === null), {
        message: "both nodes and pods, or neither",
      })
      .refine((size) => size.servicePods == null || size.nodes !== null, {
        message: "servicePods only with nodes and pods",
      })
      .refine((size) => size.servicePods == null || size.pods === null || size.servicePods <= size.pods, {
        message: "servicePods at most pods: the services' pods are among the cluster's",
      })
      .transform((size) =>
        size.nodes === null || size.pods === null
          ? null
          : {
              nodes: size.nodes,
              pods: size.pods,
              ...(size.servicePods != null ? { servicePods: size.servicePods } : {}),
            },
      ),
    // Unset; an object so that clusterSize.nodes and clusterSize.pods can be set one at a time.
    default: { nodes: null, pods: null, servicePods: null },
    kind: "object",
  },
  alertmanagerSlackWebhook: {
    seedName: "alertmanager_slack_webhook",
    description: 'Slack incoming-webhook URL; "" turns Slack off',
    accepts: `an https:// URL (RFC 3986 characters, no user:password@), "", or ${SECRET_REFERENCE_ACCEPTS}`,
    schema: orSecretReference(optionalHttpsUrl()),
    default: "",
    secret: true,
    kind: "string",
  },
  alertmanagerPagerdutyKey: {
    seedName: "alertmanager_pagerduty_key",
    description: 'PagerDuty Events API v2 integration key; "" turns PagerDuty off',
    accepts: `a 32-character integration key, "", or ${SECRET_REFERENCE_ACCEPTS}`,
    schema: orSecretReference(pagerdutyKey()),
    default: "",
    secret: true,
    kind: "string",
  },
  alertCpuThreshold: {
    seedName: "alert_cpu_threshold",
    description: "HighCPUUsage fires above this percent of the pod's CPU limit",
    accepts: percentAccepts,
    schema: percent(),
    default: 80,
    kind: "number",
  },
  alertMemoryThreshold: {
    seedName: "alert_memory_threshold",
    description: "HighMemoryUsage fires above this percent of the pod's memory limit",
    accepts: percentAccepts,
    schema: percent(),
    default: 80,
    kind: "number",
  },
  alertErrorRateThreshold: {
    seedName: "alert_error_rate_threshold",
    description: "HighErrorRate fires above this percent of 5xx responses",
    accepts: percentAccepts,
    schema: percent(),
    default: 1,
    kind: "number",
  },
  alertCpuCriticalThreshold: {
    description: "CriticalCPUUsage fires above this percent of the pod's CPU limit",
    accepts: percentAccepts,
    schema: percent(),
    default: 95,
    kind: "number",
  },
  alertMemoryCriticalThreshold: {
    description: "CriticalMemoryUsage fires above this percent of the pod's memory limit",
    accepts: percentAccepts,
    schema: percent(),
    default: 95,
    kind: "number",
  },
  alertErrorRateCriticalThreshold: {
    description: "CriticalErrorRate fires above this percent of 5xx responses",
    accepts: percentAccepts,
    schema: percent(),
    default: 5,
    kind: "number",
  },
  appNamespace: {
    description: "Namespace where Plue's api, web and electric services run",
    accepts: "a DNS-1123 label (plue), not kube-system, kube-public or kube-node-lease",
    schema: dnsLabel(),
    default: "plue",
    kind: "string",
  },
  cluster: {
    description: "Value of the `cluster` external label on every series and alert",
    accepts: "letters, digits, '_', '.' and '-'",
    schema: labelValue(),
    default: "plue",
    kind: "string",
  },
  scrapeInterval: {
    description:
      "How often Prometheus scrapes every target. A rule's range window shorter than four scrapes is widened to four",
    accepts: `a Prometheus duration from 1s to ${MAX_INTERVAL} (30s)`,
    schema: duration("1s", MAX_INTERVAL, SCRAPE_WHY),
    default: "30s",
    kind: "string",
  },
  evaluationInterval: {
    description: "How often Prometheus evaluates rules",
    accepts: `a Prometheus duration from 1s to ${MAX_INTERVAL} (30s)`,
    schema: duration("1s", MAX_INTERVAL, EVALUATION_WHY),
    default: "30s",
    kind: "string",
  },
  prometheusReplicas: {
    description:
      "Prometheus replicas, each on its own node scraping and alerting on everything; 1 on a single-node cluster",
    accepts: "a whole number from 1 to 5",
    schema: integerBetween(1, 5),
    default: 2,
    kind: "number",
  },
  alertmanagerReplicas: {
    description: "Alertmanager replicas, clustered so a notification survives the loss of one",
    accepts: "a whole number from 1 to 5",
    schema: integerBetween(1, 5),
    default: 2,
    kind: "number",
  },
  alertmanagerSlackChannel: {
    description: "Slack channel that receives critical and warning alerts",
    accepts: "a channel name starting with #",
    schema: z.string().regex(/^#[\w-]{1,80}$/, { message: "a channel name starting with # (#alerts)" }),
    default: "#alerts",
    kind: "string",
  },
  alertmanagerDefaultWebhookUrl: {
    description: 'Webhook receiving every alert that is neither critical nor warning; "" drops them',
    accepts: `an https:// URL (RFC 3986 characters, no user:password@), "", or ${SECRET_REFERENCE_ACCEPTS}`,
    schema: orSecretReference(optionalHttpsUrl()),
    default: "",
    secret: true,
    kind: "string",
  },
  alertmanagerHeartbeatUrl: {
    description: 'Dead man\'s switch URL that receives the always-firing Watchdog alert; "" drops it',
    accepts: `an https:// URL (RFC 3986 characters, no user:password@), "", or ${SECRET_REFERENCE_ACCEPTS}`,
    schema: orSecretReference(optionalHttpsUrl()),
    default: "",
    secret: true,
    kind: "string",
  },
  remoteWrite: {
    description:
      "Remote-write endpoints Prometheus also sends samples to. Their credentials go to a Kubernetes Secret that Prometheus reads as files, never to prometheus.yml",
    accepts:
      "a list of at most 20 { url: https URL, name?: letters, digits, '_' and '-', at most one of basicAuth: { username, password } or bearerToken (password and bearerToken each a value or { secretName, key }), queue?: { capacity?, maxShards?, minShards?, maxSamplesPerSend?, batchSendDeadline?, minBackoff?, maxBackoff? }, writeRelabel?: [{ action: keep | drop | replace | labeldrop | labelkeep, sourceLabels, separator?, regex (RE2), targetLabel, replacement? }] }; names unique, entries without a name at different URLs; minShards ≤ maxShards, minBackoff ≤ maxBackoff, capacity ≥ maxSamplesPerSend (Prometheus' defaults where not given)",
    schema: remoteWriteEndpoints(),
    // basicAuth too: given as "user:password" text instead of an object, it is shown nowhere.
    secretFields: ["basicAuth", "password", "bearerToken", "bearer_token", "credentials"],
    default: [],
    kind: "list",
  },
  ingestion: {
    description:
      'What Prometheus stores from the apiserver, kubelet, cAdvisor, kube-state-metrics and node-exporter: "used" keeps only the metrics the rules, panels and SLOs read (and the team\'s declared ones), "all" everything they expose',
    accepts:
      '"used", "all", or { keep?: "used" | "all", extraKeep?: a list of at most 500 metric names kept besides }',
    schema: ingestionSchema(),
    default: defaultIngestion,
    kind: "object",
  },
  backup: {
    description:
      "Scheduled CSI VolumeSnapshots of Prometheus' volumes (and Grafana's): a CronJob creating VolumeSnapshot objects (docs/operations.md); off while schedule is \"\"",
    accepts:
      '{ schedule?: a cron schedule ("0 3 * * *") or "" (off), volumeSnapshotClassName?: a VolumeSnapshotClass name or "" (the default class), grafana?: true | false, image?: a pinned kubectl image }',
    schema: backupSchema(),
    default: defaultBackup,
    kind: "object",
  },
  extraProbeUrls: {
    description:
      "More https endpoints whose availability and certificate are probed, besides https://<domain> and Grafana",
    accepts: "a list of at most 100 https:// URLs",
    schema: z.array(httpsUrl()).max(100, { message: "at most 100 URLs" }),
    default: [],
    kind: "list",
  },
  postgresExporterDsn: {
    description: 'PostgreSQL URL for postgres-exporter (kept in a Secret); "" deploys no postgres-exporter',
    accepts: `a postgresql:// URL, "", or ${SECRET_REFERENCE_ACCEPTS}`,
    schema: orSecretReference(postgresDsn()),
    default: "",
    secret: true,
    kind: "string",
  },
  grafanaPrometheusUrl: {
    description:
      'Where Grafana\'s Prometheus datasource reads. "" reads the in-cluster pair through its Service; set a query layer that merges the replicas (Thanos Query, Mimir, VictoriaMetrics) to read deduplicated series',
    accepts: 'an http:// or https://host[:port]/path URL (no user:password@, query or fragment), or ""',
    schema: optionalQueryUrl(),
    default: "",
    kind: "string",
  },
  grafanaStorageSize: {
    description: "Size of Grafana's persistent volume",
    accepts: "a Kubernetes quantity from 100Mi to 1Pi (10Gi)",
    schema: storageSize("100Mi", ": Grafana's database and plugins"),
    default: "10Gi",
    kind: "string",
  },
  alertmanagerStorageSize: {
    description: "Size of each Alertmanager's volume for silences and the notification log",
    accepts: "a Kubernetes quantity from 10Mi to 1Pi (1Gi)",
    schema: storageSize("10Mi", ": silences and the notification log"),
    default: "1Gi",
    kind: "string",
  },
  storageClassName: {
    description: 'StorageClass of every persistent volume; "" uses the cluster default',
    accepts: 'a DNS-1123 subdomain (fast-ssd), or ""',
    schema: dnsSubdomain("StorageClass"),
    default: "",
    kind: "string",
  },
  ingressClassName: {
    description: "IngressClass of Grafana's Ingress",
    accepts: "a DNS-1123 label (nginx)",
    schema: dnsLabel(),
    default: "nginx",
    kind: "string",
  },
  ingressControllerNamespace: {
    description: "Namespace of the ingress controller: the only one whose pods may reach Grafana",
    accepts: "a DNS-1123 label (ingress-nginx)",
    schema: dnsLabel(),
    default: "ingress-nginx",
    kind: "string",
  },
  ingressAuth: {
    description: "Authentication in front of Grafana: basic (ingress-nginx basic auth) or oauth2-proxy",
    accepts: '"basic" or "oauth2-proxy"',
    schema: z.enum(["basic", "oauth2-proxy"], { message: '"basic" or "oauth2-proxy"' }),
    default: "basic",
    kind: "string",
  },
  ingressBasicAuthSecret: {
    description:
      "With ingressAuth=basic: an existing Secret in the namespace whose `auth` key holds htpasswd lines",
    accepts: "a DNS-1123 label",
    schema: dnsLabel(),
    default: "grafana-basic-auth",
    kind: "string",
  },
  oauth2ProxyUrl: {
    description: "With ingressAuth=oauth2-proxy: the oauth2-proxy base URL (https://oauth2.plue.dev)",
    accepts: 'an https://host[:port][/path] URL with no query, or ""',
    schema: baseUrl(true),
    default: "",
    kind: "string",
  },
  certManagerClusterIssuer: {
    description:
      'cert-manager ClusterIssuer that issues Grafana\'s TLS certificate; "" means the Secret is provided',
    accepts: 'a DNS-1123 subdomain (letsencrypt-prod), or ""',
    schema: dnsSubdomain("ClusterIssuer"),
    default: "",
    kind: "string",
  },
  runbookBaseUrl: {
    description:
      "Where docs/runbooks of this repository is browsable; each alert's runbook_url is <this>/<Alert>.md",
    accepts: "an https://host[:port][/path] URL with no query",
    schema: baseUrl(false),
    default: "https://github.com/plue/plue-monitoring/blob/main/docs/runbooks",
    kind: "string",
  },
  metrics: {
    description:
      "Metrics a team's services export, added to the catalog so its alerts, rules, dashboards and SLOs may read them (docs/extending.md)",
    accepts:
      'a list of { name, type: "counter" | "gauge" | "histogram" | "summary", labels?: [label names], jobs: [scraped jobs providing it], help }',
    schema: z.array(metricSchema).max(500, { message: "at most 500 metrics" }),
    default: [],
    kind: "list",
  },
  scrapeJobs: {
    description:
      "Scrape jobs for a team's services: the endpoints of a Service, labelled namespace, pod and service like api, web and electric",
    accepts: "a list of { name, namespace, service, port: the pods' metrics port, path?: /metrics }",
    schema: z.array(scrapeJobSchema).max(50, { message: "at most 50 scrape jobs" }),
    default: [],
    kind: "list",
  },
  alerts: {
    description:
      "A team's alerts, checked like the built-in ones: PromQL parsed, every metric in the catalog and scraped, routed by severity",
    accepts:
      'a list of { name, expr, for?: duration, severity: "critical" | "warning" | "info", summary, description, runbookUrl, labels? }',
    schema: z.array(alertSchema).max(500, { message: "at most 500 alerts" }),
    default: [],
    kind: "list",
  },
  recordingRules: {
    description: "A team's recording rules, evaluated in their own group after the built-in ones",
    accepts: "a list of { record: level:metric:operations, expr, labels? }",
    schema: z.array(recordingRuleSchema).max(500, { message: "at most 500 recording rules" }),
    default: [],
    kind: "list",
  },
  dashboards: {
    description:
      "A team's Grafana dashboards, provisioned beside the built-in ones; every query is checked against the catalog",
    accepts:
      "a list of Foundation SDK DashboardBuilders or dashboard JSON models, each with a title and an optional uid (derived from the title when absent)",
    schema: z.array(dashboardSchema).max(100, { message: "at most 100 dashboards" }),
    default: [],
    kind: "list",
  },
  slos: {
    description:
      "Service level objectives besides the built-in 99.9% availability of api, web and electric (an entry for the same service and name replaces it); each gets burn-rate alerts",
    accepts:
      'a list of { service, name?, objective: percent, window?: 30d, indicator: { kind: "availability" } | { kind: "latency", threshold } | { kind: "ratio", errors, total }, minFailedEvents?: 10 }',
    schema: z.array(sloSchema).max(100, { message: "at most 100 SLOs" }),
    default: [],
    kind: "list",
  },
  images: {
    description: "Container images, pinned; override any of them (images.prometheus=…)",
    accepts: `an object with keys ${Object.keys(defaultImages).join(", ")}, each an image pinned to a tag`,
    schema: z
      .object(
        Object.fromEntries(Object.keys(defaultImages).map((name) => [name, pinnedImage()])) as Record<
          ImageName,
          z.ZodString
        >,
      )
      .strict(),
    default: defaultImages,
    kind: "object",
  },
} satisfies Record<string, Omit<KeySpec, "key">>;

type ConfigKeys = typeof configKeys;

/** Every key with its metadata, in the order of the config reference. */
export const keySpecs: readonly KeySpec[] = Object.entries(configKeys).map(([key, spec]) => ({
  key,
  ...spec,
}));

export const keySpecByKey: ReadonlyMap<string, KeySpec> = new Map(keySpecs.map((spec) => [spec.key, spec]));

/** The keys whose values are never printed. */
export const secretKeys: readonly string[] = keySpecs.filter((spec) => spec.secret).map((spec) => spec.key);

/** Pairs that must be ordered: a warning threshold below its critical twin. */
export const thresholdPairs = [
  ["alertCpuThreshold", "alertCpuCriticalThreshold"],
  ["alertMemoryThreshold", "alertMemoryCriticalThreshold"],
  ["alertErrorRateThreshold", "alertErrorRateCriticalThreshold"],
] as const;

/** The validated configuration, every default applied. */
export type StackConfig = { [K in keyof ConfigKeys]: z.output<ConfigKeys[K]["schema"]> };

/**
 * What a config file may hold: any subset of the keys, as the schema reads them (images may be
 * partial; dashboards may be DashboardBuilders).
 */
export type UserConfig = { [K in Exclude<keyof ConfigKeys, "images">]?: z.input<ConfigKeys[K]["schema"]> } & {
  images?: Partial<StackConfig["images"]>;
};

/** Typed helper for plue-monitoring.config.ts. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

/**
 * Every secret string a config holds: secret keys' values and secret fields' at any depth. A
 * reference to an existing Secret ({ secretName, key }) is no secret and is not among them.
 */
export function secretValuesIn(config: StackConfig): string[] {
  const found: string[] = [];
  const collect = (value: unknown, fields: readonly string[]) => {
    if (Array.isArray(value)) for (const item of value) collect(item, fields);
    else if (value !== null && typeof value === "object") {
      for (const [field, inner] of Object.entries(value)) {
        if (fields.includes(field) && typeof inner === "string") found.push(inner);
        else collect(inner, fields);
      }
    }
  };
  for (const spec of keySpecs) {
    const value = (config as Record<string, unknown>)[spec.key];
    if (spec.secret && typeof value === "string") found.push(value);
    if (spec.secretFields) collect(value, spec.secretFields);
  }
  return found.filter((value) => value !== "");
}
