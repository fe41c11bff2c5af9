// Configs as users write them, for accepted-means-valid.test.ts. For every key of
// src/config/schema.ts, one entry in `keyValues`: values a user would plausibly give (`valid`), the
// values a careless or hostile user would try (`suspects`, each tried once in every run), and a fine
// value to damage at random (`mangle`). A generated case picks some keys, makes a few of them hostile,
// and feeds each through a config file, --set or TF_VAR_, the way a user would.
import fc from "fast-check";
import { durationMs } from "../../src/config/formats.ts";
import { defaultImages } from "../../src/config/images.ts";
import { type configKeys, type KeySpec, keySpecByKey, keySpecs } from "../../src/config/schema.ts";
import { uidFromTitle } from "../../src/extensions/dashboards.ts";
import { DURATION_BUCKETS } from "../../src/instrument/http-semantics.ts";

export type ConfigKey = keyof typeof configKeys;

export interface KeyValues {
  /** Values a user would plausibly write; a config made only of these is accepted. */
  valid: fc.Arbitrary<unknown>;
  /** What a careless or hostile user would try, each accepted or refused; `token` goes into secrets. */
  suspects: (token: string) => unknown[];
  /** A fine string value, damaged at random (control characters, spaces, case, injections, size). */
  mangle?: fc.Arbitrary<string>;
  /** For a key whose values are not strings: a fine value with a string inside it damaged at random. */
  damaged?: fc.Arbitrary<unknown>;
}

// ---------------------------------------------------------------------------------------------
// Secrets carry a canary: a token no message could hold by chance, so an echo is found even when
// the value is printed escaped, truncated or split at a control character.

export const CANARY = /Sx[A-Za-z0-9]{10}/g;
const canary = fc.stringMatching(/^[A-Za-z0-9]{10}$/).map((token) => `Sx${token}`);
/** The canary of the listed suspects, tried as they are. */
export const EXAMPLE_TOKEN = "SxEXAMPLE001";

// ---------------------------------------------------------------------------------------------
// What users do to a value that would be fine.

const CONTROL = ["\r\n", "\n", "\r", "\t", "\u0000", "\u001b[31m", "\u007f", "\u0085", "\u2028"];
const WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\u00a0"];
const INJECTION = [
  "{{",
  "}}",
  "{{ .Labels.x }}",
  '"',
  '"; evil',
  "'",
  "`id`",
  "$(id)",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, as users paste it
  "${HOME}",
  "$1",
  "\\",
  "#",
  "&x=1",
  "|",
  ";",
  "<script>",
  "..",
  "../..",
  "/",
  "%",
  "%zz",
  "*",
  "?",
  ",",
  ":",
  "@",
];
const UNICODE = ["é", "ı", "ß", "Ω", "\u200b", "ｍ", "🙂", "\ud800", "\u0301"];
/** Numbers as a user might type them, and the empty and blank strings. */
const NUMBERISH = [
  "0x10",
  "1e3",
  "Infinity",
  "-Infinity",
  "NaN",
  "-1",
  "0",
  "",
  " ",
  "1,5",
  "1_000",
  "08",
  "+5",
];
/** What a config file may hold where a string belongs. */
const NOT_STRINGS: unknown[] = [42, -1, 0, 1.5, true, false, null, [], {}, ["a"], { value: "x" }];
/** Longer than anything a key takes: 2 MiB. */
const HUGE = "a".repeat(2 * 1024 * 1024);

function insertAt(text: string, piece: string, at: number): string {
  const index = text.length === 0 ? 0 : at % (text.length + 1);
  return text.slice(0, index) + piece + text.slice(index);
}

/** A fine value, damaged the ways users damage values. */
export function mangled(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const inserted = (pieces: string[]) =>
    fc
      .tuple(base, fc.constantFrom(...pieces), fc.nat())
      .map(([text, piece, at]) => insertAt(text, piece, at));
  return fc.oneof(
    inserted(CONTROL),
    inserted(WHITESPACE),
    inserted(INJECTION),
    inserted(UNICODE),
    fc
      .tuple(base, fc.constantFrom(...WHITESPACE), fc.boolean())
      .map(([text, space, before]) => (before ? space + text : text + space)),
    base.map((text) => text.toUpperCase()),
    base.map((text) => text + HUGE),
  );
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/);
const dnsLabel = (...usual: string[]) => fc.oneof(fc.constantFrom(...usual), label);

/** What users get wrong in a Kubernetes name. */
const badLabels = [
  "Monitoring",
  "monitoring-",
  "-monitoring",
  "mon.itoring",
  "mon_itoring",
  "mon itoring",
  "a".repeat(64),
  "",
  "mönitoring",
  "a/b",
  "..",
  "monitoring\n",
  " monitoring",
];
/**
 * Valid names that YAML 1.1 (sigs.k8s.io/yaml in kubectl and kustomize) reads as booleans when plain.
 * Listed first: kubectl kustomize builds only the first few configs accepted for each key.
 */
const yamlBooleans = (...names: string[]) => names;
const badSubdomains = [
  "Fast-SSD",
  "fast ssd",
  "fast_ssd",
  ".",
  "a..b",
  "a.",
  ".a",
  "-a",
  "a-",
  "a/b",
  "fast-ssd\n",
  `${"a".repeat(63)}.`.repeat(4),
];

const domain = fc.oneof(
  fc.constantFrom("plue.dev", "example.com", "monitoring.example.co.uk", "xn--bcher-kva.example", "1.2.3.4"),
  fc.tuple(label, fc.constantFrom("dev", "com", "io", "internal")).map(([name, tld]) => `${name}.${tld}`),
);

const host = fc.oneof(
  fc.constantFrom(
    "hooks.slack.com",
    "example.com",
    "heartbeat.example.net",
    "10.0.0.1",
    "[2001:db8::1]",
    "localhost",
  ),
  domain,
);
/** A host as a base URL takes it: a name or IPv4 address, no IPv6 literal. */
const namedHost = fc.oneof(fc.constantFrom("runbooks.example.com", "10.0.0.1", "localhost"), domain);
const pathSegment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
const port = fc.oneof(
  fc.constant(""),
  fc.integer({ min: 1, max: 65535 }).map((n) => `:${n}`),
);

/** An https URL; `secret` puts a canary in its path; a base URL has no query and no IPv6 literal. */
function httpsUrl(secret: boolean, base = false): fc.Arbitrary<string> {
  return fc
    .record({
      host: base ? namedHost : host,
      port,
      segments: fc.array(pathSegment, { maxLength: 3 }),
      canary: secret ? canary : fc.constant(""),
      query: base ? fc.constant("") : fc.constantFrom("", "?a=b", "?token=x&v=2"),
    })
    .map(({ host, port, segments, canary, query }) => {
      const path = [...segments, ...(canary ? [canary] : [])].join("/");
      return `https://${host}${port}/${path}${query}`;
    });
}

/** URLs users paste that are not an https URL as Prometheus and Alertmanager read one. */
function badUrls(token: string, secret: boolean): string[] {
  const path = secret ? token : "runbooks";
  return [
    `http://example.com/${path}`,
    `https:example.com/${path}`,
    `https:/example.com/${path}`,
    `//example.com/${path}`,
    `example.com/${path}`,
    `ftp://example.com/${path}`,
    `javascript:alert('${path}')`,
    `https:///${path}`,
    `https://:443/${path}`,
    `https://example.com:0/${path}`,
    `https://example.com:65536/${path}`,
    `https://example.com:99999999999/${path}`,
    `https://exa mple.com/${path}`,
    `https://exa\u0000mple.com/${path}`,
    `https://example.com/a\tb/${path}`,
    `https://example.com/${path}\n`,
    `https://example.com/${path}\r\n`,
    `https://example.com/a\u0085b/${path}`,
    ` https://example.com/${path}`,
    `https://example.com/${path} `,
    `https://example.com/{{x}}/${path}`,
    `https://example.com/{{ .Labels.alertname }}/${path}`,
    `https://example.com/$1/${path}`,
    `https://example.com/a"b/${path}`,
    `https://example.com/<b>/${path}`,
    `https://example.com/%zz/${path}`,
    `https://example.com/a%0Ab/${path}`,
    `https://example.com/${path}#fragment`,
    `https://[::1/${path}`,
    `https://münchen.example/${path}`,
    `HTTPS://EXAMPLE.COM/${path}`,
    `https://example.com/${path}/${"a".repeat(5000)}`,
    // Credentials in a URL are a secret whatever the key: never to be echoed.
    `https://user:${token}@example.com/api`,
    `https://${token}@example.com/api`,
  ];
}

const durationFrom = (usual: string[], seconds: { min: number; max: number }) =>
  fc.oneof(
    fc.constantFrom(...usual),
    fc.integer(seconds).map((n) => `${n}s`),
  );
const badDurations = [
  "99999999999999999999y",
  "9007199254740993d",
  "1ms",
  "0s",
  "0",
  "",
  "30",
  "30 s",
  "30S",
  "30sec",
  "1.5m",
  "-30s",
  "+30s",
  "P30D",
  "5m30d",
  "1d1d",
  "0x10s",
  "1e3s",
  "Infinity",
  "∞",
  "３０s",
  "30s\n",
];

/** A volume size a user would write, at least `minMi` MiB. */
const storageSize = (usual: string[], minMi: number) =>
  fc.oneof(
    fc.constantFrom(...usual),
    fc.integer({ min: minMi, max: 200_000 }).map((n) => `${n}Mi`),
  );
const badStorageSizes = [
  "1n",
  "1m",
  "500m",
  "0.5",
  "1e3",
  "1e-3",
  "0",
  "-10Gi",
  "10GB",
  "10gi",
  "10GI",
  "10 Gi",
  "1Ei",
  "2Pi",
  "1.000001Pi",
  "99999999999999999999Gi",
  "1e309",
  "5.",
  ".5Ti",
  "1Ki",
  "10Gi\n",
  "Infinity",
  "１０Gi",
];

const percent = fc.oneof(
  fc.constantFrom(0.5, 1, 2, 5, 10, 50, 75, 80, 90, 95, 99, 99.9, 100),
  fc.integer({ min: 1, max: 100 }),
  fc.double({ min: 0.01, max: 100, noNaN: true }),
);
const badPercents: unknown[] = [
  0,
  -1,
  -0.5,
  100.5,
  101,
  1000,
  1e-300,
  99.99999999999999,
  "80",
  "80%",
  "0x10",
  "1e3",
  "Infinity",
  "-1",
  "",
  " ",
  "eighty",
  " 80",
  null,
  true,
  [80],
];
const percentKey: KeyValues = { valid: percent, suspects: () => badPercents };

const password = fc
  .record({
    before: fc.stringMatching(/^[\x21-\x7e]{0,8}$/),
    canary,
    after: fc.stringMatching(/^[\x21-\x7e]{0,8}$/),
  })
  .map(({ before, canary, after }) => `${before}${canary}${after}`);

const pagerdutyKey = fc
  .tuple(canary, fc.stringMatching(/^[A-Za-z0-9]{20}$/))
  .map(([token, rest]) => `${token}${rest}`);

const postgresDsn = fc
  .record({
    scheme: fc.constantFrom("postgresql", "postgres"),
    user: fc.constantFrom("monitor", "postgres_exporter", "ro"),
    password: canary,
    host: fc.constantFrom("db.plue.internal", "10.0.0.5", "postgres.plue.svc"),
    port: fc.constantFrom("", ":5432", ":6543"),
    query: fc.constantFrom("", "?sslmode=require", "?sslmode=verify-full&application_name=exporter"),
  })
  .map(
    ({ scheme, user, password, host, port, query }) =>
      `${scheme}://${user}:${password}@${host}${port}/plue${query}`,
  );

const imageTag = fc.oneof(
  fc.stringMatching(/^v?[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}$/),
  fc.stringMatching(/^[0-9a-f]{64}$/).map((digest) => `@sha256:${digest}`),
);
const registry = fc.constantFrom("", "quay.io/", "docker.io/", "registry.example.com:5000/", "ghcr.io/plue/");
const imageNames = Object.keys(defaultImages) as (keyof typeof defaultImages)[];
const repositoryOf = (name: keyof typeof defaultImages) =>
  defaultImages[name].replace(/^[^/]*\//, "").replace(/[:@].*$/, "");
const pinnedImage = (name: keyof typeof defaultImages) =>
  fc.oneof(
    fc.constant(defaultImages[name]),
    fc
      .tuple(registry, imageTag)
      .map(([at, tag]) => `${at}${repositoryOf(name)}${tag.startsWith("@") ? tag : `:${tag}`}`),
  );
const badImages = [
  "quay.io/prometheus/prometheus:latest",
  "quay.io/prometheus/prometheus",
  "Grafana/Grafana:1.0",
  "grafana:1 2",
  "grafana:1.0\n",
  " grafana:1.0",
  "grafana@sha256:abc",
  `grafana:${"a".repeat(129)}`,
  `${"a".repeat(300)}:1.0`,
  "{{x}}:1.0",
  "-grafana:1.0",
  "../../grafana:1.0",
  "grafana:1.0:2.0",
  `grafana/grafana:12.4.10@sha256:${"0".repeat(64)}`,
  "",
];

/** Field names of remoteWrite entries whose values are secret: the schema's, and Prometheus' own. */
const remoteWriteSecretFields = [
  ...(keySpecByKey.get("remoteWrite")?.secretFields ?? []),
  "password",
  "bearer_token",
  "bearerToken",
];
/** Credentials a remoteWrite entry takes, as the schema has them. */
const remoteWriteSecretFieldsOfSchema = keySpecByKey.get("remoteWrite")?.secretFields ?? [];
const remoteWriteAuth = [
  ...(remoteWriteSecretFieldsOfSchema.includes("password")
    ? [canary.map((token) => ({ basicAuth: { username: "prometheus", password: `pw-${token}` } }))]
    : []),
  ...(remoteWriteSecretFieldsOfSchema.includes("bearerToken")
    ? [canary.map((token) => ({ bearerToken: `tk-${token}` }))]
    : []),
];

/** Entries at different URLs, their names unique. */
const remoteWriteEntries = fc
  .uniqueArray(
    fc.record(
      {
        url: httpsUrl(false),
        name: fc.stringMatching(/^[\w-]{1,16}$/),
        auth: remoteWriteAuth.length > 0 ? fc.oneof(...remoteWriteAuth) : fc.constant({}),
      },
      { requiredKeys: ["url"] },
    ),
    { maxLength: 3, selector: (entry) => entry.url },
  )
  .map((entries) =>
    entries.map(({ url, name, auth }, i) => ({
      url,
      ...(name === undefined ? {} : { name: `${name}-${i}` }),
      ...(auth ?? {}),
    })),
  );

// ---------------------------------------------------------------------------------------------
// A team's extensions (metrics, scrapeJobs, alerts, recordingRules, dashboards, slos). Keys are
// generated independently, so a valid value stands alone: it reads only built-in metrics whose jobs
// every config scrapes (not pg_*, which needs postgresExporterDsn) and built-in recorded series,
// declares metrics of always-scraped built-in jobs, and scrapes namespaces no generated
// namespace, appNamespace or ingressControllerNamespace can be (15 characters or more).

/** Jobs prometheus.yml scrapes whatever the config (postgres-exporter only with a DSN). */
const ALWAYS_SCRAPED_JOBS = [
  "apiserver",
  "kubelet",
  "cadvisor",
  "kube-state-metrics",
  "node-exporter",
  "blackbox",
  "api",
  "web",
  "electric",
  "prometheus",
  "alertmanager",
  "config-reloader",
  "grafana",
  "kubernetes-pods",
];
const PLUE_JOBS = ["api", "web", "electric"];

/** A counter of the built-in catalog, with a selector's matchers that select its jobs rightly. */
const builtInCounter = fc.oneof(
  fc.constantFrom(
    'container_cpu_usage_seconds_total{container!=""}',
    "kube_pod_container_status_restarts_total",
    'node_cpu_seconds_total{mode="idle"}',
    "prometheus_rule_evaluations_total",
    "alertmanager_notifications_total",
    "reloader_reloads_failed_total",
  ),
  fc
    .tuple(fc.constantFrom(...PLUE_JOBS), fc.constantFrom("", ', http_response_status_code=~"5.."'))
    .map(([job, code]) => `http_server_request_duration_seconds_count{job="${job}"${code}}`),
  fc.constantFrom(...PLUE_JOBS).map((job) => `db_client_connection_timeouts_total{job="${job}"}`),
);
const builtInGauge = fc.oneof(
  fc.constantFrom(
    "up",
    'up{job="kube-state-metrics"}',
    'kube_pod_status_phase{phase="Pending"}',
    "node_memory_MemAvailable_bytes",
    'container_memory_working_set_bytes{container!=""}',
    'probe_success{job="blackbox"}',
    "kube_deployment_spec_replicas",
    "kubelet_volume_stats_available_bytes",
  ),
  fc.constantFrom(...PLUE_JOBS).map((job) => `http_server_active_requests{job="${job}"}`),
);
const grouping = fc.constantFrom(
  "",
  " by (namespace)",
  " by (namespace, pod)",
  " by (job, instance)",
  " without (instance)",
);
const aggregation = fc.constantFrom("sum", "max", "min", "avg", "count");
const rangeWindow = fc.constantFrom("1m", "5m", "10m", "1h", "1d");

/** An instant-vector expression over built-in metrics and recorded series. */
const builtInVector = fc.oneof(
  fc
    .tuple(aggregation, grouping, fc.constantFrom("rate", "increase", "irate"), builtInCounter, rangeWindow)
    .map(([agg, by, fn, counter, window]) => `${agg}${by} (${fn}(${counter}[${window}]))`),
  fc.tuple(aggregation, grouping, builtInGauge).map(([agg, by, gauge]) => `${agg}${by} (${gauge})`),
  fc
    .tuple(fc.constantFrom("avg_over_time", "max_over_time", "min_over_time"), builtInGauge, rangeWindow)
    .map(([fn, gauge, window]) => `${fn}(${gauge}[${window}])`),
  builtInGauge,
  fc.constantFrom(
    'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{job="api"}[5m])))',
    "namespace_service:http_server_requests_5xx:ratio_rate5m",
    'namespace_service:up:sum{service="web"}',
    "namespace_phase:kube_pod_status_phase:sum",
    "node:node_cpu_utilisation:ratio_rate5m",
    "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
    "time() - prometheus_config_last_reload_success_timestamp_seconds",
    'absent(up{job="kube-state-metrics"})',
    'sum(rate(http_server_request_duration_seconds_count{job="api", http_response_status_code=~"5.."}[5m])) / sum(rate(http_server_request_duration_seconds_count{job="api"}[5m]))',
  ),
);
const alertExpr = fc
  .tuple(builtInVector, fc.constantFrom(">", ">=", "<", "==", "!="), fc.constantFrom(0, 0.05, 1, 3, 100, 1e9))
  .map(([vector, op, threshold]) => `${vector} ${op} ${threshold}`);

/** Annotations in the accepted template grammar. */
const annotationText = fc.oneof(
  fc.constantFrom(
    "{{ $labels.namespace }}/{{ $labels.pod }} is down",
    "{{ $value | humanize }} restarts in the last hour",
    "{{ $value | humanizePercentage }} of requests failed",
    "{{- $value | humanizeDuration -}} behind",
    "Cluster {{ $externalLabels.cluster }}: {{ $labels.job | toUpper }}",
    "{{$labels.service}} ({{ $labels.instance | title }}) at {{ $value }}",
    "Plain text, with $labels and $value as words, 100% and {braces}",
    "Multi-line:\nsecond line\n\tindented",
    "Ünïcode — “quotes” 🙂",
  ),
  fc.stringMatching(/^[A-Za-z0-9 ,.()'-]{1,80}$/).filter((text) => text.trim() !== ""),
);
const ruleLabelsValue = fc.dictionary(
  fc.constantFrom("team", "component", "tier", "owner", "priority", "area"),
  fc.constantFrom("payments", "search", "a b", "", "yes", "on", "null", "1_000", "x:y", "ü"),
  { maxKeys: 3 },
);
const teamAlerts = fc.uniqueArray(
  fc.record(
    {
      name: fc.stringMatching(/^Team[A-Z][A-Za-z0-9_]{0,20}$/),
      expr: alertExpr,
      for: fc.constantFrom("0s", "30s", "5m", "15m", "1h", "1d", "1h30m"),
      severity: fc.constantFrom("critical", "warning", "info"),
      summary: annotationText,
      description: annotationText,
      runbookUrl: httpsUrl(false),
      labels: ruleLabelsValue,
    },
    { requiredKeys: ["name", "expr", "severity", "summary", "description", "runbookUrl"] },
  ),
  { maxLength: 3, selector: (alert) => alert.name },
);

const teamRecordingRules = fc.uniqueArray(
  fc.record(
    {
      record: fc
        .tuple(
          fc.constantFrom("team", "team_namespace", "team_job"),
          fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/),
          fc.constantFrom("sum_rate5m", "max", "ratio", "avg1h"),
        )
        .map(([level, metric, ops]) => `${level}:${metric}:${ops}`),
      expr: fc.oneof(builtInVector, alertExpr),
      labels: ruleLabelsValue,
    },
    { requiredKeys: ["record", "expr"] },
  ),
  { maxLength: 3, selector: (rule) => rule.record },
);

const teamMetrics = fc.uniqueArray(
  fc
    .record({
      base: fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/),
      type: fc.constantFrom("counter", "gauge", "histogram", "summary"),
      labels: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), { maxLength: 4 }),
      jobs: fc.uniqueArray(fc.constantFrom(...ALWAYS_SCRAPED_JOBS), { minLength: 1, maxLength: 3 }),
      help: fc.constantFrom("Jobs waiting in a queue", "Seconds a job took", "h", "Ünïcode help: “x”"),
    })
    .map(({ base, type, labels, jobs, help }) => ({
      name:
        type === "counter"
          ? `team_${base}_total`
          : type === "gauge"
            ? `team_${base}_bytes`
            : `team_${base}_seconds`,
      type,
      labels,
      jobs,
      help,
    })),
  { maxLength: 4, selector: (metric) => metric.name },
);

const teamScrapeJobs = fc
  .uniqueArray(
    fc.record(
      {
        name: fc.oneof(
          fc.constantFrom("worker", "billing", "search-indexer"),
          fc.stringMatching(/^team-[a-z0-9]{1,12}$/),
        ),
        // Longer than any generated namespace, appNamespace or ingressControllerNamespace (14 at most).
        namespace: fc.oneof(
          fc.constantFrom("team-workers-prod", "payments-backend", "search-indexing"),
          fc.stringMatching(/^[a-z][a-z0-9-]{13,30}[a-z0-9]$/),
        ),
        service: fc.oneof(fc.constantFrom("worker", "api", "billing"), label),
        port: fc.integer({ min: 1, max: 65535 }),
        path: fc.oneof(
          fc.constantFrom("/metrics", "/internal/metrics", "/-/metrics", "/"),
          fc.stringMatching(/^\/[A-Za-z0-9\-._~/]{0,30}$/),
        ),
      },
      { requiredKeys: ["name", "namespace", "service", "port"] },
    ),
    { maxLength: 3, selector: (job) => job.name },
  )
  .filter(
    (jobs) => new Set(jobs.map((job) => `${job.namespace}/${job.service}:${job.port}`)).size === jobs.length,
  );

/** A variable with the value the dashboard opens with, and an expression that uses it. */
const dashboardPanelExpr = fc.oneof(
  builtInVector,
  builtInVector.map((vector) => `${vector} > 0`),
  fc.constantFrom(
    'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="$namespace", container!=""}[$__rate_interval]))',
    'up{namespace=~"$service"}',
    "kube_pod_status_phase[5m]",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, as dashboards write it
    'rate(http_server_request_duration_seconds_count{job="web"}[${__range}])',
    "sum(namespace_service:up:sum)",
  ),
);
const dashboardPanel = fc
  .record({
    type: fc.constantFrom("timeseries", "stat", "table", "gauge"),
    title: fc.constantFrom("Queue depth", "CPU", "Pods", "Ünïcode “panel”", ""),
    exprs: fc.array(dashboardPanelExpr, { minLength: 1, maxLength: 2 }),
  })
  .map(({ type, title, exprs }) => ({
    type,
    title,
    datasource: { type: "prometheus", uid: "prometheus" },
    targets: exprs.map((expr, i) => ({
      refId: String.fromCharCode(65 + i),
      expr,
      datasource: { type: "prometheus", uid: "prometheus" },
    })),
  }));
const dashboardVariables = {
  list: [
    {
      name: "namespace",
      type: "query",
      datasource: { type: "prometheus", uid: "prometheus" },
      query: "label_values(kube_pod_info, namespace)",
      current: { text: "plue", value: "plue" },
    },
    {
      name: "service",
      type: "custom",
      query: "api,web,electric",
      multi: true,
      includeAll: true,
      allValue: ".+",
      current: { text: "All", value: ["$__all"] },
    },
  ],
};
const teamDashboards = fc
  .uniqueArray(
    fc.record(
      {
        title: fc.oneof(
          fc.constantFrom("Worker queues", "Billing", "Search — indexing", "Team überblick"),
          fc.stringMatching(/^Team [A-Za-z0-9]{1,12}( [a-z0-9]{1,8}){0,2}$/),
        ),
        uid: fc.oneof(
          fc.constantFrom("team-worker", "team_Billing-2"),
          fc.stringMatching(/^team-[a-z0-9]{1,20}$/),
        ),
        panels: fc.array(dashboardPanel, { maxLength: 3 }),
        tags: fc.constantFrom(["team"], ["team", "worker"], []),
        schemaVersion: fc.constantFrom(39, 41, 999),
        id: fc.constantFrom(null, 7),
      },
      { requiredKeys: ["title", "panels"] },
    ),
    { maxLength: 3, selector: (dashboard) => dashboard.title.toLowerCase() },
  )
  // Every panel reads $namespace or $service only with the variables there.
  .map((list) => list.map((dashboard) => ({ ...dashboard, templating: dashboardVariables })))
  .filter((list) => {
    const uids = list.map((dashboard) =>
      (dashboard.uid ?? uidFromTitle(dashboard.title)).toLowerCase().replaceAll("_", "-"),
    );
    return new Set(uids).size === uids.length;
  });

/** The bounds of the request-duration histogram, as a latency SLO's threshold writes them. */
const BUCKET_THRESHOLDS = DURATION_BUCKETS.map((bound) =>
  Number.isInteger(bound) ? `${bound}s` : `${Math.round(bound * 1000)}ms`,
);
/** Ratios of two built-in counters from always-scraped jobs: failed events, then all events. */
const RATIO_SELECTORS: readonly [string, string][] = [
  ["prometheus_rule_evaluation_failures_total", "prometheus_rule_evaluations_total"],
  ["prometheus_notifications_errors_total", "prometheus_notifications_sent_total"],
  [
    'alertmanager_notifications_failed_total{integration="slack"}',
    'alertmanager_notifications_total{integration="slack"}',
  ],
  [
    'http_server_request_duration_seconds_count{job="api", http_response_status_code=~"5.."}',
    'http_server_request_duration_seconds_count{job="api"}',
  ],
  ['db_client_connection_timeouts_total{job="web"}', 'http_server_request_duration_seconds_count{job="web"}'],
  // A bucket's series, le matched as both Prometheus versions write the bound (1 and 1.0).
  [
    'http_server_request_duration_seconds_bucket{job="electric", le=~"1|1.0"}',
    'http_server_request_duration_seconds_count{job="electric"}',
  ],
];
/** Windows of at most 90d: `consistent` raises prometheusRetention to the longest. */
const SLO_WINDOWS = ["1d", "24h", "7d", "2w", "28d", "30d", "4w2d", "90d"];
const sloName = fc.oneof(
  fc.constantFrom("availability", "latency", "jobs", "fast_requests", "p-99"),
  fc.stringMatching(/^[a-z0-9]([-a-z0-9_]{0,10}[a-z0-9])?$/),
);
const teamSlos = fc.uniqueArray(
  fc
    .record(
      {
        indicator: fc.oneof(
          fc.record({
            service: fc.constantFrom(...PLUE_JOBS),
            indicator: fc.constant({ kind: "availability" }),
          }),
          fc.record({
            service: fc.constantFrom(...PLUE_JOBS),
            indicator: fc
              .constantFrom(...BUCKET_THRESHOLDS)
              .map((threshold) => ({ kind: "latency", threshold })),
          }),
          fc.record({
            service: fc.oneof(fc.constantFrom("rules", "notifications", "api", "worker"), sloName),
            indicator: fc
              .constantFrom(...RATIO_SELECTORS)
              .map(([errors, total]) => ({ kind: "ratio", errors, total })),
          }),
        ),
        name: sloName,
        objective: fc.oneof(
          fc.constantFrom(50, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999),
          fc.double({ min: 50, max: 99.999, noNaN: true }),
        ),
        window: fc.constantFrom(...SLO_WINDOWS),
        minFailedEvents: fc.integer({ min: 0, max: 1000 }),
      },
      { requiredKeys: ["indicator", "objective"] },
    )
    .map(({ indicator: { service, indicator }, ...rest }) => ({ service, ...rest, indicator })),
  // Each SLO is a rule group that TargetDown's severities read through, at a cost that grows fast.
  {
    maxLength: 2,
    selector: (slo) => `${slo.service}/${slo.name ?? slo.indicator.kind}`,
  },
);

/** What users do to PromQL: brackets, quotes and escapes astray, Prometheus 3's syntax, RE2's gaps. */
const PROMQL_PIECES = [
  "[5m]",
  "[0s]",
  "[5m:]",
  "{",
  "}",
  "(",
  ")",
  '"',
  "'",
  "`",
  "\\",
  "\\q",
  "\\u",
  "=~",
  "!~",
  " offset 5m",
  " @ start()",
  " anchored",
  ":",
  ",",
  " or ",
  " and on () group_left ",
  " > bool ",
  " # ",
  "\n",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "1_0",
  "0x",
  "(?!",
  "(?i)",
  "{1001}",
  "[^]",
  "\\\\Z",
  "[[:alpha:]]",
  "$__rate_interval",
  "$x",
  "limitk(1, ",
  "rate(",
  "5m",
  '{"a"}',
  'le="1"',
  "Inf",
];

/** An expression damaged: a piece of PromQL (or of what mangled() inserts) anywhere in it. */
const damagedExpr = (expr: string): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...PROMQL_PIECES), fc.nat())
        .map(([piece, at]) => insertAt(expr, piece, at)),
    },
    { weight: 1, arbitrary: mangled(fc.constant(expr)) },
  );

/** How a string field of an entry is damaged: as PromQL, or as any text. */
const damageOf = (field: string, value: string) =>
  ["expr", "errors", "total"].includes(field) ? damagedExpr(value) : mangled(fc.constant(value));

/**
 * A fine list with one string of one entry damaged: `path` picks it in an entry (a field, or a path
 * into nested objects and lists).
 */
function damagedList<T>(list: fc.Arbitrary<T[]>, paths: readonly (readonly (string | number)[])[]) {
  return fc
    .tuple(
      list.filter((entries) => entries.length > 0),
      fc.nat(),
      fc.constantFrom(...paths),
    )
    .chain(([entries, at, path]) => {
      const index = at % entries.length;
      const value = path.reduce<unknown>(
        (inner, part) => (inner as Record<string | number, unknown> | undefined)?.[part],
        entries[index],
      );
      if (typeof value !== "string") return fc.constant<unknown>(entries);
      return damageOf(String(path[path.length - 1]), value).map((bad) => {
        const copy = structuredClone(entries);
        const parent = path
          .slice(0, -1)
          .reduce<unknown>((inner, part) => (inner as Record<string | number, unknown>)[part], copy[index]);
        (parent as Record<string | number, unknown>)[path[path.length - 1] as string | number] = bad;
        return copy as unknown;
      });
    });
}

// What users get wrong in their extensions. Each list is one suspect: a value that is sure to be
// refused by its shape shares a suspect with others like it; one that may be accepted stands alone.
const anAlert = (fields: Record<string, unknown>) => ({
  name: "TeamQueueBacklog",
  expr: 'sum(up{job="api"}) == 0',
  severity: "warning",
  summary: "Queue backlog",
  description: "The {{ $labels.queue }} queue holds {{ $value }} jobs",
  runbookUrl: "https://wiki.plue.dev/runbooks/queue-backlog",
  ...fields,
});
const alertWith = (fields: Record<string, unknown>) => [anAlert(fields)];
const aRule = (fields: Record<string, unknown>) => [
  { record: "team:up:sum", expr: "sum by (job) (up)", ...fields },
];
const aMetric = (fields: Record<string, unknown>) => ({
  name: "team_jobs_total",
  type: "counter",
  jobs: ["api"],
  help: "Jobs processed",
  ...fields,
});
const aScrapeJob = (fields: Record<string, unknown>) => [
  { name: "worker", namespace: "team-workers-prod", service: "worker", port: 9464, ...fields },
];
const aPanel = (expr: string) => ({ type: "timeseries", title: "Depth", targets: [{ refId: "A", expr }] });
const aDashboard = (fields: Record<string, unknown>) => [{ title: "Team queues", panels: [], ...fields }];
const anSlo = (fields: Record<string, unknown>) => [
  { service: "api", name: "fast", objective: 99.9, indicator: { kind: "availability" }, ...fields },
];
const aRatio = (errors: string, total = 'http_server_request_duration_seconds_count{job="api"}') =>
  anSlo({ service: "rules", indicator: { kind: "ratio", errors, total } });

/** Expressions a rule must not load: syntax, types, results, regexes RE2 lacks, 3.x-only PromQL. */
const badExprs = [
  // Their mistake past the first 3000 characters.
  `${"sum(up) + ".repeat(320)}rate(up) > 0`,
  `${"sum(up) + ".repeat(320)}up[5m]`,
  "up ==",
  'sum(up{job="api"}',
  "rate(up) > 0",
  'rate(up[5m]) > "a"',
  "up[5m]",
  "up[5m:1m]",
  '"text"',
  "1 == 1",
  "up and on (job) group_left () up",
  'up{job=~"(?!api).*"} == 0',
  'up{job=~"a{1001}"} == 0',
  'up{job=~"[^]"} == 0',
  'up{job=~"\\\\Z"} == 0',
  'up{job=~"[a-\\\\d]"} == 0',
  'up{job=~"(?<name>api)"} == 0',
  'up{job="a\\qb"} == 0',
  'up{job="a\nb"} == 0',
  "up\u00a0== 0",
  "up\u2028== 0",
  "up == 0\u0000",
  '{"up"} == 0',
  'up{"job"="api"} == 0',
  "limitk(1, up)",
  "mad_over_time(up[5m]) > 0",
  'sort_by_label(up, "job")',
  "holt_winters(up[5m], 0.5, 0.5) > 0",
  "double_exponential_smoothing(up[5m], 0.5, 0.5) > 0",
  "info(up)",
  "rate(up[5m+1m]) > 0",
  "rate(up[1_000s]) > 0",
  "rate(up[300]) > 0",
  "rate(up[0s]) > 0",
];

/** Odd, but loaded by both Prometheus versions. */
const oddButValidExprs = [
  "up offset -5m == 0",
  "up @ start() == 0",
  "0x1F < up",
  'up{job=~"ap.*"} == 0',
  // Longer than the 3000 characters an editor state parses at first: held to the whole of it.
  `${"sum(up) + ".repeat(320)}sum(up) > 0`,
  'up{job=~"\\\\.|[\\\\]a-]{2,3}|\\\\x41"} == 0 # a comment, é',
];

/** Big enough that the rules no longer fit Prometheus' rules ConfigMap. */
const hugeRuleLabels = Object.fromEntries(
  Array.from({ length: 1100 }, (_, i) => [`l${i}`, "a".repeat(1000)]),
);
/** Big enough that a dashboard no longer fits its ConfigMap. */
const hugePanelDescription = "a".repeat(1100 * 1024);
const deepPanels = Array.from({ length: 400 }).reduce<Record<string, unknown>>(
  (inner) => ({ type: "row", title: "r", panels: [inner] }),
  aPanel("up"),
);

// ---------------------------------------------------------------------------------------------
// Every key, in the order of src/config/schema.ts.

/** An https URL key that also takes "" (off); secret ones carry the canary. */
const optionalUrlKey = (secret: boolean, ...usual: fc.Arbitrary<string>[]): KeyValues => ({
  valid: fc.oneof(fc.constant(""), ...usual, httpsUrl(secret)),
  suspects: (token) => [...badUrls(token, secret), " ", "\n", '""', "none", "false"],
  mangle: httpsUrl(secret),
});

export const keyValues: Partial<Record<ConfigKey, KeyValues>> = {
  namespace: {
    valid: dnsLabel("monitoring", "observability", "plue-monitoring", "mon"),
    suspects: () => [...yamlBooleans("y", "no"), "plue", "ingress-nginx", ...SYSTEM_NAMESPACES, ...badLabels],
    mangle: label,
  },
  domain: {
    valid: domain,
    suspects: () => [
      "plue",
      "plue.dev.",
      "PLUE.DEV",
      "plue..dev",
      "*.plue.dev",
      "https://plue.dev",
      "plue.dev/grafana",
      "plue.dev:443",
      "bücher.example",
      "-plue.dev",
      "plue-.dev",
      "plue_dev.com",
      "plue.dev\n",
      `${"a".repeat(64)}.dev`,
      `${`${"a".repeat(63)}.`.repeat(3)}${"a".repeat(61)}`,
      `${`${"a".repeat(63)}.`.repeat(4)}dev`,
      "localhost",
      "on.off",
    ],
    mangle: domain,
  },
  grafanaAdminPassword: {
    valid: password,
    suspects: (token) => [
      ...CONTROL.map((piece) => `${token}${piece}`),
      ` ${token}`,
      `${token}\u00a0`,
      `${token}{{ .x }}`,
      `${token}"; evil`,
      `pässwörd-${token}`,
      `--${token}`,
      `-${token}`,
      `${token}${"x".repeat(250)}`,
      token + HUGE,
      "",
      " ",
      "\u0000",
      "\n",
      12345678,
      null,
      ["hunter2"],
    ],
  },
  prometheusRetention: {
    valid: fc.oneof(
      fc.constantFrom("1d", "2d", "7d", "15d", "30d", "90d", "180d", "1y", "2w", "2w3d", "1y2w", "24h"),
      fc.integer({ min: 1, max: 3650 }).map((n) => `${n}d`),
    ),
    suspects: () => [...badDurations, "23h", "23h59m59s", "101y", "36501d", "30D", "30days", "1.5d"],
    mangle: fc.constant("30d"),
  },
  prometheusStorageSize: {
    valid: storageSize(
      ["1Gi", "10Gi", "50Gi", "100Gi", "500Gi", "1Ti", "1.5Ti", "1024Mi", "2G", "1073741824"],
      1024,
    ),
    suspects: () => [...badStorageSizes, "1023Mi", "500Mi"],
    mangle: fc.constant("50Gi"),
  },
  prometheusMemoryLimit: {
    valid: fc.oneof(
      fc.constant(""),
      storageSize(["512Mi", "4Gi", "8Gi", "16Gi", "1Ti", "8G", "536870912"], 512),
    ),
    suspects: () => [...badStorageSizes, "511Mi", "100Mi", " ", 8, null],
    mangle: fc.constant("8Gi"),
  },
  alertmanagerSlackWebhook: optionalUrlKey(
    true,
    canary.map((token) => `https://hooks.slack.com/services/T0ABCDEF/B0ABCDEF/${token}`),
  ),
  alertmanagerPagerdutyKey: {
    valid: fc.oneof(fc.constant(""), pagerdutyKey),
    suspects: (token) => {
      const key = `${token}${"0123456789abcdefABCD"}`;
      return [
        key.slice(0, 31),
        `${key}0`,
        `${key.slice(0, 16)}-${key.slice(16, 31)}`,
        ...CONTROL.map((piece) => `${key}${piece}`),
        ` ${key}`,
        `${key} `,
        `${token}${"ü".repeat(20)}`,
        `${token}{{ .x }}${"0".repeat(12)}`,
        " ",
        "\u0000".repeat(32),
        1234567890123456,
        null,
      ];
    },
  },
  alertCpuThreshold: percentKey,
  alertMemoryThreshold: percentKey,
  alertErrorRateThreshold: percentKey,
  alertCpuCriticalThreshold: percentKey,
  alertMemoryCriticalThreshold: percentKey,
  alertErrorRateCriticalThreshold: percentKey,
  appNamespace: {
    valid: dnsLabel("plue", "apps", "plue-prod", "default"),
    suspects: () => [
      ...yamlBooleans("n", "on"),
      "kube-system",
      "kube-public",
      "kube-node-lease",
      ...badLabels,
    ],
    mangle: label,
  },
  cluster: {
    valid: fc.oneof(
      fc.constantFrom("plue", "prod", "prod-eu-1", "staging.eu", "k8s_1", "EU-West"),
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
    ),
    suspects: () => [
      "$HOME",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, as users paste it
      "${CLUSTER}",
      "$(id)",
      "prod eu",
      "prod\n",
      "-prod",
      ".prod",
      "_prod",
      "a".repeat(64),
      "prödé",
      "{{x}}",
      'a"b',
      "prod/eu",
      "prod:1",
      // Scalars YAML 1.1 reads as something else than a string, plain or quoted by a 1.2 writer.
      "yes",
      "null",
      "0x10",
      "1_000",
      "2001-12-14",
    ],
    mangle: fc.constant("prod"),
  },
  scrapeInterval: {
    valid: durationFrom(["1s", "5s", "10s", "15s", "30s", "1m", "90s", "1m30s", "2m"], { min: 1, max: 120 }),
    suspects: () => [...badDurations, "10m", "2m1s", "121s", "999ms", "1h", "1m60s61ms"],
    mangle: fc.constant("30s"),
  },
  evaluationInterval: {
    valid: durationFrom(["1s", "10s", "15s", "30s", "1m", "2m"], { min: 1, max: 120 }),
    suspects: () => [...badDurations, "10m", "2m1s", "121s", "999ms", "1h"],
    mangle: fc.constant("30s"),
  },
  prometheusReplicas: {
    valid: fc.integer({ min: 1, max: 5 }),
    suspects: () => [0, 6, -1, 1.5, 1e100, "2", "0x2", " 2", "two", "Infinity", "", null, [2]],
  },
  alertmanagerReplicas: {
    valid: fc.integer({ min: 1, max: 5 }),
    suspects: () => [
      0,
      6,
      -1,
      2.5,
      1e100,
      2 ** 53 + 2,
      "3",
      "0x3",
      "1e0",
      " 2",
      "two",
      "Infinity",
      "",
      null,
      [2],
    ],
  },
  alertmanagerSlackChannel: {
    valid: fc.oneof(
      fc.constantFrom("#alerts", "#plue-alerts", "#ops_oncall"),
      fc.stringMatching(/^#[a-z0-9_-]{1,20}$/),
    ),
    suspects: () => [
      "alerts",
      "#",
      "##",
      "#al erts",
      "#alerts\n",
      `#${"a".repeat(81)}`,
      "@here",
      "#ÜBER",
      "#{{x}}",
      '#a"; evil',
      "#alerts,#ops",
    ],
    mangle: fc.constant("#alerts"),
  },
  alertmanagerDefaultWebhookUrl: optionalUrlKey(true),
  alertmanagerHeartbeatUrl: optionalUrlKey(true),
  remoteWrite: {
    valid: remoteWriteEntries,
    suspects: (token) => [
      ...badUrls(token, false).map((url) => [{ url }]),
      ...["a b", "", "{{x}}", "é", "a\nb", "a.b", "yes"].map((name) => [
        { url: "https://rw.example.com/write", name },
      ]),
      [
        { url: "https://a.example.com/write", name: "same" },
        { url: "https://b.example.com/write", name: "same" },
      ],
      [{ url: "https://rw.example.com/write" }, { url: "https://rw.example.com/write" }],
      [{ url: "https://rw.example.com/write", basic_auth: { username: "prometheus", password: token } }],
      [{ url: "https://rw.example.com/write", password: token }],
      [{ url: "https://rw.example.com/write", bearer_token: token }],
      [{ url: "https://rw.example.com/write", bearerToken: token }],
      [{ url: "https://rw.example.com/write", basicAuth: { username: "prometheus", password: token } }],
      [
        {
          url: "https://rw.example.com/write",
          basicAuth: { username: "prometheus", password: `${token}\n` },
        },
      ],
      [{ url: "https://rw.example.com/write", basicAuth: `prometheus:${token}` }],
      // Large enough that prometheus.yml no longer fits a ConfigMap.
      Array.from({ length: 600 }, (_, i) => ({ url: `https://rw${i}.example.com/${"a".repeat(1900)}` })),
      { url: "https://rw.example.com/write" },
      "https://rw.example.com/write",
      [null],
      [{}],
      [42],
      "[",
      null,
    ],
  },
  ingestion: {
    valid: fc.oneof(
      fc.constantFrom("used", "all"),
      fc.record(
        {
          keep: fc.constantFrom("used", "all"),
          extraKeep: fc.uniqueArray(
            fc.constantFrom("apiserver_request_total", "container_network_receive_bytes_total", "node_load1"),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    suspects: () => [
      "none",
      "USED",
      "",
      { keep: "some" },
      { mode: "all" },
      { extraKeep: "node_load1" },
      { extraKeep: ["node-load1"] },
      { extraKeep: ["container_.*"] },
      { extraKeep: [42] },
      { extraKeep: Array.from({ length: 501 }, (_, i) => `metric_${i}`) },
      { extraKeep: [`a${"b".repeat(200)}`] },
      ["used"],
      null,
    ],
  },
  backup: {
    valid: fc.oneof(
      fc.constant({ schedule: "0 3 * * *" }),
      fc.constant({ schedule: "", grafana: false }),
      fc.constant({ schedule: "@daily", volumeSnapshotClassName: "csi-snapclass" }),
      fc.record(
        {
          schedule: fc.constantFrom("*/30 * * * *", "15 2 * * MON-FRI", "0 0 1 * *"),
          grafana: fc.boolean(),
        },
        { requiredKeys: ["schedule"] },
      ),
    ),
    suspects: () => [
      "0 3 * * *",
      { schedule: "61 * * * *" },
      { schedule: "TZ=UTC 0 3 * * *" },
      { schedule: "0 3 * *" },
      { schedule: "0 3 * * *", image: "registry.k8s.io/kubectl:latest" },
      { schedule: "0 3 * * *", volumeSnapshotClassName: "Not_A_Name" },
      { retain: 7 },
      null,
    ],
  },
  extraProbeUrls: {
    valid: fc.uniqueArray(httpsUrl(false), { maxLength: 4 }),
    suspects: (token) => [
      ...badUrls(token, false).map((url) => [url]),
      ["https://probe.example.com/", "https://probe.example.com/"],
      Array.from({ length: 101 }, (_, i) => `https://probe${i}.example.com/`),
      Array.from({ length: 100 }, (_, i) => `https://probe${i}.example.com/${"a".repeat(2000)}`),
      "https://probe.example.com/",
      "https://a.example.com,https://b.example.com",
      [42],
      [null],
      {},
    ],
  },
  postgresExporterDsn: {
    valid: fc.oneof(fc.constant(""), postgresDsn),
    suspects: (token) => [
      `postgresql://monitor:${token} x@db/plue`,
      `postgresql:///plue?host=/var/run/postgresql&password=${token}`,
      `postgresql://monitor:${token}@/plue`,
      `mysql://monitor:${token}@db/plue`,
      `host=db user=monitor password=${token}`,
      `postgresql://monitor:${token}@db:99999/plue`,
      `postgresql://monitor:{{${token}}}@db/plue`,
      `postgresql://monitor:${token}"; evil@db/plue`,
      `postgresql://monitor:${token}@db/plue\n`,
      `postgresql://monitor:${token}@db/plue\tx`,
      ` postgresql://monitor:${token}@db/plue`,
      `postgresql://monitor:${token}@db/${"a".repeat(3000)}`,
      "postgresql://",
      " ",
      null,
      5432,
    ],
    mangle: postgresDsn,
  },
  clusterSize: {
    valid: fc.oneof(
      fc.constant({ nodes: null, pods: null }),
      fc.record({ nodes: fc.integer({ min: 1, max: 5000 }), pods: fc.integer({ min: 0, max: 150_000 }) }),
      fc
        .record({ nodes: fc.integer({ min: 1, max: 5000 }), pods: fc.integer({ min: 0, max: 10_000 }) })
        .chain((size) =>
          fc.integer({ min: 0, max: size.pods }).map((servicePods) => ({ ...size, servicePods })),
        ),
    ),
    suspects: () => [
      { nodes: 0, pods: 1 },
      { nodes: 10, pods: 20, servicePods: 21 },
      { nodes: null, pods: null, servicePods: 3 },
      { nodes: 10, pods: 20_000, servicePods: 10_001 },
      { nodes: 10, pods: 20, servicePods: -1 },
      { nodes: 5001, pods: 1 },
      { nodes: 1 },
      { nodes: 1.5, pods: 2 },
      { nodes: 1, pods: 1, zones: 3 },
      { nodes: "100", pods: "3000" },
      "100x3000",
      null,
    ],
  },
  grafanaPrometheusUrl: {
    valid: fc.constantFrom(
      "",
      "http://thanos-query.monitoring.svc:9090",
      "https://mimir.example.com/prometheus",
      "https://vmselect.example.com:8481/select/0/prometheus",
    ),
    suspects: (token) => [
      ...badUrls(token, false),
      "thanos-query:9090",
      "ftp://thanos:9090",
      `https://grafana:${token}@mimir.example.com/prometheus`,
      "http://thanos:9090/?dedup=true",
      "http://thanos:99999",
    ],
    mangle: fc.constant("http://thanos-query.monitoring.svc:9090"),
  },
  grafanaStorageSize: {
    valid: storageSize(["100Mi", "500Mi", "1Gi", "10Gi", "0.5Gi"], 100),
    suspects: () => [...badStorageSizes, "99Mi"],
    mangle: fc.constant("10Gi"),
  },
  alertmanagerStorageSize: {
    valid: storageSize(["10Mi", "100Mi", "1Gi", "2Gi"], 10),
    suspects: () => [...badStorageSizes, "9Mi"],
    mangle: fc.constant("1Gi"),
  },
  storageClassName: {
    valid: fc.oneof(fc.constantFrom("", "fast-ssd", "gp3", "standard-rwo", "ebs.csi.aws.com"), label),
    suspects: () => [...yamlBooleans("yes", "off"), ...badSubdomains],
    mangle: fc.constant("fast-ssd"),
  },
  ingressClassName: {
    valid: dnsLabel("nginx", "traefik", "haproxy", "nginx-internal"),
    suspects: () => [...yamlBooleans("on", "N"), ...badLabels],
    mangle: fc.constant("nginx"),
  },
  ingressControllerNamespace: {
    valid: dnsLabel("ingress-nginx", "ingress", "traefik", "kube-system"),
    suspects: () => [...yamlBooleans("y", "off"), ...badLabels],
    mangle: fc.constant("ingress-nginx"),
  },
  ingressAuth: {
    valid: fc.constantFrom("basic", "oauth2-proxy"),
    suspects: () => [
      "Basic",
      "BASIC",
      "none",
      "",
      "oauth2",
      "oauth2_proxy",
      " basic",
      "basic\n",
      null,
      true,
      ["basic"],
    ],
  },
  ingressBasicAuthSecret: {
    valid: dnsLabel("grafana-basic-auth", "grafana-htpasswd"),
    suspects: () => [...yamlBooleans("no", "Y"), ...badLabels],
    mangle: fc.constant("grafana-basic-auth"),
  },
  oauth2ProxyUrl: {
    valid: fc.oneof(
      fc.constantFrom(
        "https://oauth2.plue.dev",
        "https://auth.example.com:8443/oauth2",
        "https://sso.example.com",
      ),
      domain.map((name) => `https://${name}/oauth2`),
    ),
    suspects: (token) => [
      ...badUrls(token, false),
      "https://auth.example.com/oauth2?rd=$escaped_request_uri",
      "https://auth.example.com/$host",
      "https://auth.example.com/a;b",
      "https://auth.example.com/a'b",
      "https://auth.example.com/%7Bx%7D",
      "https://auth.example.com/oauth2/",
    ],
    mangle: fc.constant("https://oauth2.plue.dev"),
  },
  certManagerClusterIssuer: {
    valid: fc.oneof(fc.constantFrom("", "letsencrypt-prod", "letsencrypt.staging", "vault-issuer"), label),
    suspects: () => [...yamlBooleans("on", "no"), ...badSubdomains],
    mangle: fc.constant("letsencrypt-prod"),
  },
  runbookBaseUrl: {
    valid: fc.oneof(
      fc.constantFrom(
        "https://github.com/plue/plue-monitoring/blob/main/docs/runbooks",
        "https://runbooks.example.com",
        "https://wiki.example.com:8443/ops/runbooks",
        "https://example.com/a%20b",
      ),
      httpsUrl(false, true),
    ),
    suspects: (token) => [
      ...badUrls(token, false),
      "https://example.com/{{ .Labels.alertname }}",
      "https://example.com/{{",
      "https://example.com/}}",
      "https://example.com/runbooks/",
      "https://example.com/$labels",
      "https://example.com/%{x}",
      "https://example.com/a?b=c",
      "https://example.com/~user/runbooks",
      "https://EXAMPLE.com/RUNBOOKS",
    ],
    mangle: fc.constant("https://runbooks.example.com"),
  },
  metrics: {
    valid: teamMetrics,
    damaged: damagedList(teamMetrics, [["name"], ["help"], ["jobs", 0], ["labels", 0]]),
    suspects: (token) => [
      // Built-in names: a metric, a histogram's series, a recorded series.
      [aMetric({ name: "up", type: "gauge" })],
      [aMetric({ name: "http_server_request_duration_seconds_bucket", type: "gauge" })],
      [aMetric({ name: "http_server_request_duration_seconds_count", type: "counter" })],
      [aMetric({ name: "namespace_service:up:sum", type: "gauge" })],
      [aMetric({}), aMetric({ help: "again" })],
      [
        "team-jobs_total",
        "1team_total",
        "team jobs_total",
        "tëam_total",
        "team_total\n",
        "",
        "{{x}}_total",
      ].map((name) => aMetric({ name })),
      [aMetric({ name: `team_${"a".repeat(300)}_total` })],
      [aMetric({ name: "team_jobs" }), aMetric({ name: "team_latency_seconds_bucket", type: "histogram" })],
      [aMetric({ name: "team_latency_seconds_sum", type: "summary" })],
      [aMetric({ type: "Counter" }), aMetric({ name: "team_x", type: "untyped" })],
      [aMetric({ jobs: [] })],
      [aMetric({ jobs: ["wroker"] })],
      [aMetric({ jobs: ["postgres-exporter"] })],
      [aMetric({ jobs: ["plue"] })],
      [aMetric({ jobs: ["API", "kube-system/x", "a".repeat(64)] })],
      [aMetric({ labels: ["__name__", "a-b", "1a", ""] })],
      // Harmless oddities, accepted together: written nowhere, read by no rule.
      [
        aMetric({ labels: ["queue", "queue", "le"] }),
        aMetric({ name: "team_b_total", help: `${token}\u0000\u001b[31m` }),
        ...["yes", "on", "null", "Inf", "NaN", "sum", "by"].map((name) => aMetric({ name, type: "gauge" })),
      ],
      [aMetric({ labels: Array.from({ length: 31 }, (_, i) => `l${i}`) })],
      [aMetric({ help: "" }), aMetric({ name: "team_b_total", help: " \n" })],
      [aMetric({ help: "a".repeat(501) })],
      [aMetric({ unit: "seconds" })],
      Array.from({ length: 501 }, (_, i) => aMetric({ name: `team_${i}_total` })),
      aMetric({}),
      "team_jobs_total",
      [null],
      [42],
    ],
  },
  scrapeJobs: {
    valid: teamScrapeJobs,
    damaged: damagedList(teamScrapeJobs, [["name"], ["namespace"], ["service"], ["path"]]),
    suspects: () => [
      aScrapeJob({ name: "api" }),
      aScrapeJob({ name: "kubernetes-pods" }),
      aScrapeJob({ name: "postgres-exporter" }),
      aScrapeJob({ name: "plue" }),
      aScrapeJob({ namespace: "kube-system" }),
      aScrapeJob({ namespace: "monitoring" }),
      aScrapeJob({ namespace: "plue", service: "api", port: 4000 }),
      // Namespaces not the stack's, names YAML 1.1 reads as booleans (quoted wherever written), odd
      // paths: accepted together.
      [
        ...aScrapeJob({ namespace: "default" }),
        ...aScrapeJob({ name: "ingress", namespace: "ingress-nginx", path: "//" }),
        ...aScrapeJob({ name: "no", namespace: "yes", path: "/a/../../metrics" }),
        ...aScrapeJob({ name: "on", namespace: "off", service: "true" }),
        ...aScrapeJob({ name: "y", service: "null", port: 1000 }),
      ],
      ["Worker", "worker_1", "a".repeat(64), "", "-worker", "wörker"].flatMap((name) => aScrapeJob({ name })),
      ["Plue", "", "a".repeat(64), "team.workers"].flatMap((namespace) => aScrapeJob({ namespace })),
      ["Worker", "a b", ""].flatMap((service) => aScrapeJob({ service })),
      [0, 65536, "80", 8080.5, -1, null, 1e10].flatMap((port) => aScrapeJob({ port })),
      [
        "/metrics?x=1",
        "/me trics",
        "metrics",
        "/metrics\n",
        "/{{x}}",
        "/%2e%2e",
        `/${"a".repeat(201)}`,
        "",
      ].flatMap((path) => aScrapeJob({ path })),
      [...aScrapeJob({}), ...aScrapeJob({ port: 9465 }), ...aScrapeJob({ name: "worker-2" })],
      aScrapeJob({ scheme: "https" }),
      Array.from({ length: 51 }, (_, i) => ({ ...aScrapeJob({})[0], name: `worker-${i}`, port: 1000 + i })),
      aScrapeJob({})[0],
      "worker",
      [null],
    ],
  },
  alerts: {
    valid: teamAlerts,
    damaged: damagedList(teamAlerts, [
      ["name"],
      ["expr"],
      ["expr"],
      ["for"],
      ["summary"],
      ["description"],
      ["runbookUrl"],
    ]),
    suspects: (token) => [
      alertWith({ name: "TargetDown" }),
      alertWith({ name: "ErrorBudgetBurn" }),
      ["team-alert", "1Alert", "Alert Name", "Alert\n", "Ålert", "", "A".repeat(101), "{{x}}"].map((name) =>
        anAlert({ name }),
      ),
      ...badExprs.map((expr) => alertWith({ expr })),
      alertWith({ expr: "team_jobs_total > 0" }),
      alertWith({ expr: "http_server_request_duration_second_count > 1" }),
      alertWith({ expr: 'http_server_request_duration_seconds_count{job="node-exporter"} > 0' }),
      [
        ...oddButValidExprs.map((expr, i) => anAlert({ name: `TeamOdd${i}`, expr })),
        anAlert({ summary: "a\u0000b\u001b[31m\u0085\u2028c", description: "{{- $value | humanize -}}" }),
      ],
      alertWith({ expr: "pg_up == 0" }),
      alertWith({ expr: '{job="api"} == 0' }),
      alertWith({ expr: `up{job="nope", instance="https://prometheus:${token}@example.com"} == 0` }),
      alertWith({ expr: `(${Array.from({ length: 440 }, () => 'up{job="api"} == 0').join(" or ")})` }),
      [anAlert({ expr: "" }), anAlert({ name: "TeamB", expr: " \n" }), anAlert({ name: "TeamC", expr: 42 })],
      alertWith({ summary: "{{ .Foo }}" }),
      alertWith({ summary: '{{ template "x" }}' }),
      alertWith({ summary: "{{ $labels.queue " }),
      alertWith({ summary: "}} and {{" }),
      alertWith({ summary: "{{-$value}}" }),
      alertWith({ summary: "{{$value-}}" }),
      alertWith({ summary: "{{ $value | toUpper }}" }),
      alertWith({ summary: "{{ $labels.job | humanize }}" }),
      alertWith({ summary: "{{ $value | humanize | humanize }}" }),
      alertWith({ summary: "{{ $labels.x-y }}" }),
      alertWith({ summary: '{{ query "up" }}' }),
      alertWith({ summary: "{{ range $i := until 100000000 }}x{{ end }}" }),
      alertWith({ summary: "{{/* note */}}" }),
      alertWith({ summary: "{{ $value\n}}" }),
      alertWith({ description: "a".repeat(2001) }),
      alertWith({ description: "" }),
      alertWith({ description: `{{ $value }}${HUGE}` }),
      ["25h", "-1m", "1.5m", "5", 300, "5m\n", ""].map((duration) => anAlert({ for: duration })),
      ["page", "Critical", "", null, "none"].map((severity) => anAlert({ severity })),
      alertWith({
        labels: { severity: "critical", alertname: "x", __x: "y", "a-b": "c", job: "x", "": "z" },
      }),
      alertWith({ labels: { team: "{{ $value }}" } }),
      alertWith({ labels: { team: "{{" } }),
      alertWith({ labels: { team: "a".repeat(1001), owner: 5 } }),
      alertWith({ labels: hugeRuleLabels }),
      alertWith({ runbookUrl: "http://wiki.plue.dev/x" }),
      alertWith({ runbookUrl: `https://user:${token}@wiki.plue.dev/x` }),
      alertWith({ runbookUrl: "https://wiki.plue.dev/{{ $labels.x }}" }),
      alertWith({ runbookUrl: "" }),
      [{ name: "TeamX", expr: "up == 0" }],
      alertWith({ annotations: { summary: "s" } }),
      Array.from({ length: 501 }, (_, i) => anAlert({ name: `Team${i}` })),
      anAlert({}),
      "TargetDown",
      [null],
    ],
  },
  recordingRules: {
    valid: teamRecordingRules,
    damaged: damagedList(teamRecordingRules, [["record"], ["expr"], ["expr"]]),
    suspects: () => [
      aRule({ record: "namespace_service:up:sum" }),
      aRule({ record: "slo:sli_error:ratio_rate5m" }),
      aRule({ record: "up" }),
      aRule({ record: "team_jobs" }),
      ["1team:x", "team:x y", "", "team:x\n", "tëam:x", `team:${"a".repeat(300)}`].flatMap((record) =>
        aRule({ record }),
      ),
      aRule({ expr: "up[5m]" }),
      aRule({ expr: "sum(rate(up))" }),
      aRule({ expr: 'up{job=~"\\\\C"}' }),
      aRule({ expr: "team_jobs_total" }),
      aRule({ expr: "pg_up" }),
      aRule({ expr: '{"up"}' }),
      aRule({ expr: "limitk(2, up)" }),
      aRule({ labels: { __name__: "x", job: "y", "a b": "z" } }),
      aRule({ labels: hugeRuleLabels }),
      // A recording rule's labels are no templates; a record twice and a rule reading another load.
      [
        ...aRule({ labels: { team: "{{ x" } }),
        ...aRule({}),
        ...aRule({ record: "team:up:max", expr: "max(team:up:sum)" }),
      ],
      aRule({ alert: "X" }),
      aRule({})[0],
      [null],
    ],
  },
  dashboards: {
    valid: teamDashboards,
    damaged: damagedList(teamDashboards, [
      ["title"],
      ["uid"],
      ["panels", 0, "targets", 0, "expr"],
      ["panels", 0, "targets", 0, "expr"],
      ["panels", 0, "title"],
      ["templating", "list", 0, "current", "value"],
    ]),
    suspects: (token) => [
      aDashboard({ uid: "plue-system-overview" }),
      aDashboard({ uid: "PLUE-SYSTEM-OVERVIEW" }),
      aDashboard({ uid: "plue_system_overview" }),
      aDashboard({ uid: "-" }),
      aDashboard({ uid: "__" }),
      ["a".repeat(41), "a b", "", "a/b", "ü"].flatMap((uid) => aDashboard({ uid })),
      aDashboard({ uid: 42 }),
      aDashboard({ uid: null }),
      [...aDashboard({ uid: "team-a" }), ...aDashboard({ title: "Other", uid: "team-a" })],
      [...aDashboard({ uid: "Team-A" }), ...aDashboard({ title: "Other", uid: "team_a" })],
      aDashboard({ title: "Plue - System Overview" }),
      [
        ...aDashboard({ title: "plue - slos" }),
        ...aDashboard({ title: "Team\nqueues\u0000", id: 5, schemaVersion: "x" }),
        ...aDashboard({
          title: "Ranges",
          panels: [aPanel("up[5m]"), aPanel("sum(rate(up[$__rate_interval]))")],
        }),
      ],
      [...aDashboard({}), ...aDashboard({})],
      [...aDashboard({ title: "Team A!" }), ...aDashboard({ title: "Team A?" })],
      [...aDashboard({ title: "!!!" }), ...aDashboard({ title: "???" })],
      ["", "  ", "a".repeat(201)].flatMap((title) => aDashboard({ title })),
      aDashboard({ title: 42 }),
      aDashboard({ panels: [aPanel("max(worker_queue_deep)")] }),
      aDashboard({ panels: [aPanel("max(up")] }),
      aDashboard({ panels: [aPanel("rate(up)")] }),
      aDashboard({ panels: [aPanel('up{job=~"[^]"}')] }),
      aDashboard({ panels: [aPanel('{"up"}')] }),
      aDashboard({ panels: [aPanel("pg_up")] }),
      aDashboard({ panels: [aPanel('up{namespace="$namespace"}')] }),
      aDashboard({
        panels: [aPanel(`up{job="nope", instance="https://grafana:${token}@example.com"}`)],
      }),
      aDashboard({
        templating: { list: [{ name: "namespace", type: "query", query: "label_values(up, namespace)" }] },
        panels: [aPanel('up{namespace="$namespace"}')],
      }),
      aDashboard({
        templating: { list: [{ name: "namespace", type: "custom", current: { value: 5 } }] },
        panels: [aPanel('up{namespace="$namespace"}')],
      }),
      aDashboard({
        templating: {
          list: [
            { name: "ns", type: "query", query: "label_values(team_x, namespace)", current: { value: "a" } },
          ],
        },
      }),
      aDashboard({ templating: { list: "abc" } }),
      aDashboard({ templating: { list: [null] } }),
      aDashboard({ panels: [{ type: "timeseries", targets: "abc" }] }),
      aDashboard({ panels: [{ type: "timeseries", targets: [null] }] }),
      aDashboard({ panels: "abc" }),
      aDashboard({ panels: [null, 42] }),
      aDashboard({ panels: [deepPanels] }),
      aDashboard({ panels: [{ ...aPanel("up"), description: hugePanelDescription }] }),
      ["x", 42, null, [], [null]],
      "Team queues",
      { title: "Team queues" },
      Array.from({ length: 101 }, (_, i) => ({ title: `Team ${i}` })),
    ],
  },
  slos: {
    valid: teamSlos,
    damaged: damagedList(teamSlos, [
      ["service"],
      ["name"],
      ["window"],
      ["indicator", "threshold"],
      ["indicator", "errors"],
      ["indicator", "total"],
    ]),
    suspects: (token) => [
      [100, 0, "99.9", 99.9999, 49.9, null].flatMap((objective) => anSlo({ objective })),
      ["0s", "1y", "91d", "12h", "30D", "", 30].flatMap((window) => anSlo({ window })),
      anSlo({ window: "90d" }),
      anSlo({ indicator: { kind: "latency", threshold: "300ms" } }),
      anSlo({ indicator: { kind: "latency", threshold: "1m" } }),
      anSlo({ indicator: { kind: "latency", threshold: "1500ms" } }),
      ["2.5s", "0ms", "", 2].flatMap((threshold) => anSlo({ indicator: { kind: "latency", threshold } })),
      aRatio("sum(prometheus_rule_evaluation_failures_total)"),
      aRatio("prometheus_rule_evaluation_failures_total / prometheus_rule_evaluations_total"),
      aRatio('http_server_request_duration_seconds_count{job="api"}[5m]'),
      aRatio('http_server_request_duration_seconds_count{job="api"} offset 5m'),
      aRatio("rate(prometheus_rule_evaluation_failures_total[5m])"),
      aRatio(""),
      aRatio("up"),
      aRatio('container_memory_working_set_bytes{container!=""}'),
      aRatio("team_jobs_failed_total"),
      aRatio("pg_stat_activity_count"),
      aRatio('{"prometheus_rule_evaluation_failures_total"}'),
      aRatio('http_server_request_duration_seconds_count{job="node-exporter"}'),
      aRatio('http_server_request_duration_seconds_bucket{job="api", le="1"}'),
      aRatio(
        `http_server_request_duration_seconds_count{job="api", url="https://u:${token}@example.com"} + 1`,
      ),
      aRatio(`http_server_request_duration_seconds_count{job="api", route="${"a".repeat(100_000)}"}`),
      aRatio('prometheus_rule_evaluation_failures_total{rule_group=~"a\nb"}'),
      [...anSlo({}), ...anSlo({ objective: 99 })],
      [...anSlo({ name: undefined }), ...anSlo({ name: "availability" })],
      anSlo({ service: "worker" }),
      anSlo({ service: "postgres-exporter", indicator: { kind: "latency", threshold: "1s" } }),
      ["API", "a b", "", "a".repeat(64), "_api"].flatMap((service) => anSlo({ service })),
      ["Fast", "a.b", ""].flatMap((name) => anSlo({ name })),
      anSlo({ indicator: { kind: "errors" } }),
      anSlo({ indicator: "availability" }),
      anSlo({ indicator: undefined }),
      [-1, 1.5, 1e7, "10"].flatMap((minFailedEvents) => anSlo({ minFailedEvents })),
      anSlo({ description: "x" }),
      Array.from({ length: 101 }, (_, i) => anSlo({ name: `s${i}` })[0]),
      anSlo({})[0],
      "api",
      [null],
    ],
  },
  images: {
    valid: fc.record(Object.fromEntries(imageNames.map((name) => [name, pinnedImage(name)])), {
      requiredKeys: [],
    }),
    suspects: () => [
      ...badImages.map((image, i) => ({ [imageNames[i % imageNames.length] as string]: image })),
      { unknownImage: "quay.io/x/y:1.0" },
      "quay.io/prometheus/prometheus:v3.13.2",
      null,
      [],
      { prometheus: 42 },
    ],
  },
};

/** The spec of a key; throws for a key the schema does not have. */
export function specOf(key: string): KeySpec {
  const spec = keySpecByKey.get(key);
  if (!spec) throw new Error(`no key ${key} in src/config/schema.ts`);
  return spec;
}

/** Keys of the schema that have no generators here yet. */
export const keysWithoutValues = (): string[] =>
  keySpecs.map((spec) => spec.key).filter((key) => keyValues[key as ConfigKey] === undefined);

/** A hostile value for a key: one of its suspects, a fine value damaged, a number typed as text, a non-string. */
function hostileOf(values: KeyValues): fc.Arbitrary<unknown> {
  const count = values.suspects(EXAMPLE_TOKEN).length;
  const suspect = fc.tuple(canary, fc.nat({ max: count - 1 })).map(([token, i]) => values.suspects(token)[i]);
  return fc.oneof(
    { weight: 5, arbitrary: suspect },
    ...(values.mangle ? [{ weight: 4, arbitrary: mangled(values.mangle) }] : []),
    ...(values.damaged ? [{ weight: 4, arbitrary: values.damaged }] : []),
    { weight: 1, arbitrary: fc.constantFrom(...NUMBERISH) },
    { weight: 1, arbitrary: fc.constantFrom(...NOT_STRINGS) },
  );
}

// ---------------------------------------------------------------------------------------------
// Cases: which keys are given, how, and which of them hostile.

/** How a value reaches synth. */
export type Channel = "file" | "set" | "set=" | "seed-set" | "env";
const channel = fc.constantFrom<Channel>("file", "set", "set=", "seed-set", "env");

/** The value of a required key a user forgot. */
export const OMITTED = Symbol("omitted");

export interface Given {
  value: unknown;
  channel: Channel;
}

/** A --set written wrongly, its value a secret: all of them must be refused without echoing it. */
export interface MalformedSet {
  form: "split" | "colon" | "no-equals" | "leading-equals" | "space";
  key: string;
  secret: string;
}

export interface ConfigCase {
  values: Partial<Record<ConfigKey, Given>>;
  /** Keys given a hostile value, or involved in a cross-key mistake. */
  faultKeys: ConfigKey[];
  crossKey?: string;
  malformedSet?: MalformedSet;
  /** --config FILE, or the file synth finds in the working directory. */
  configFile: "flag" | "found";
}

const requiredKeys = keySpecs
  .filter((spec) => spec.default === undefined)
  .map((spec) => spec.key as ConfigKey);
const optionalKeys = keySpecs
  .filter((spec) => spec.default !== undefined)
  .map((spec) => spec.key as ConfigKey);

/** Mostly absent: shrinking goes to absent first, so a shrunk case keeps only the keys that matter. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, absentWeight: number) =>
  fc.oneof(
    { withCrossShrink: true },
    { weight: absentWeight, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary },
  );

// A valid value is kept whole when shrinking (its details never matter, and each try costs a synth);
// a hostile one is shrunk a little, to show which part of it is at fault.
const validGiven = (key: ConfigKey) =>
  fc.record({ value: fc.noShrink((keyValues[key] as KeyValues).valid), channel }) as fc.Arbitrary<Given>;
const hostileValue = (key: ConfigKey) => fc.limitShrink(hostileOf(keyValues[key] as KeyValues), 40);

const hostileGiven = fc.oneof(
  ...keySpecs
    .map((spec) => spec.key as ConfigKey)
    .filter((key) => keyValues[key] !== undefined)
    .map((key) =>
      fc.record({
        key: fc.constant(key),
        value: requiredKeys.includes(key)
          ? fc.oneof(
              { weight: 12, arbitrary: hostileValue(key) },
              { weight: 1, arbitrary: fc.constant<unknown>(OMITTED) },
            )
          : hostileValue(key),
        channel,
      }),
    ),
);

const secretKeyNames = keySpecs
  .filter((spec) => spec.secret)
  .flatMap((spec) => [spec.key, ...(spec.seedName ? [spec.seedName] : [])]);

const malformedSet: fc.Arbitrary<MalformedSet> = fc.record({
  form: fc.constantFrom("split", "colon", "no-equals", "leading-equals", "space"),
  key: fc.constantFrom(...secretKeyNames),
  secret: fc.oneof(
    password,
    canary.map((token) => `--${token}`),
  ),
});

// Mistakes between keys, each valid alone.
type Values = Partial<Record<ConfigKey, Given>>;
const effective = (values: Values, key: ConfigKey): unknown => values[key]?.value ?? specOf(key).default;
const put = (values: Values, key: ConfigKey, value: unknown) => {
  values[key] = { value, channel: values[key]?.channel ?? "file" };
};

export const crossKeyMistakes: Record<string, { keys: ConfigKey[]; apply: (values: Values) => void }> = {
  "namespace is appNamespace": {
    keys: ["namespace", "appNamespace"],
    apply: (values) => put(values, "namespace", effective(values, "appNamespace")),
  },
  "appNamespace is namespace": {
    keys: ["namespace", "appNamespace"],
    apply: (values) => put(values, "appNamespace", effective(values, "namespace")),
  },
  "namespace is ingressControllerNamespace": {
    keys: ["namespace", "ingressControllerNamespace"],
    apply: (values) => put(values, "ingressControllerNamespace", effective(values, "namespace")),
  },
  "CPU warning at its critical": {
    keys: ["alertCpuThreshold", "alertCpuCriticalThreshold"],
    apply: (values) => put(values, "alertCpuThreshold", effective(values, "alertCpuCriticalThreshold")),
  },
  "memory critical below its warning": {
    keys: ["alertMemoryThreshold", "alertMemoryCriticalThreshold"],
    apply: (values) => {
      put(values, "alertMemoryThreshold", 90);
      put(values, "alertMemoryCriticalThreshold", 50);
    },
  },
  "error-rate warning above its critical": {
    keys: ["alertErrorRateThreshold", "alertErrorRateCriticalThreshold"],
    apply: (values) => put(values, "alertErrorRateThreshold", 10),
  },
  "SLO window beyond prometheusRetention": {
    keys: ["slos", "prometheusRetention"],
    apply: (values) => {
      put(values, "prometheusRetention", "7d");
      put(values, "slos", [
        {
          service: "api",
          name: "monthly",
          objective: 99.9,
          window: "30d",
          indicator: { kind: "availability" },
        },
      ]);
    },
  },
  "SLO of the default window (30d) beyond prometheusRetention": {
    keys: ["slos", "prometheusRetention"],
    apply: (values) => {
      put(values, "prometheusRetention", "1d");
      put(values, "slos", [{ service: "web", objective: 99, indicator: { kind: "availability" } }]);
    },
  },
  "scrape job in the stack's namespace": {
    keys: ["namespace", "scrapeJobs"],
    apply: (values) =>
      put(values, "scrapeJobs", [
        { name: "worker", namespace: effective(values, "namespace"), service: "worker", port: 9464 },
      ]),
  },
  "scrape job of appNamespace's api Service": {
    keys: ["scrapeJobs", "appNamespace"],
    apply: (values) =>
      put(values, "scrapeJobs", [
        { name: "api-again", namespace: effective(values, "appNamespace"), service: "api", port: 4000 },
      ]),
  },
  "scrape job named postgres-exporter beside postgresExporterDsn": {
    keys: ["scrapeJobs", "postgresExporterDsn"],
    apply: (values) => {
      put(values, "postgresExporterDsn", "postgresql://monitor:SxCROSSKEY01@db.plue.internal/plue");
      put(values, "scrapeJobs", [
        { name: "postgres-exporter", namespace: "team-workers-prod", service: "pg", port: 9187 },
      ]);
    },
  },
  "alert reading pg_up without postgresExporterDsn": {
    keys: ["alerts", "postgresExporterDsn"],
    apply: (values) => {
      put(values, "postgresExporterDsn", "");
      put(values, "alerts", alertWith({ expr: "pg_up == 0" }));
    },
  },
  "oauth2-proxy without its URL": {
    keys: ["ingressAuth", "oauth2ProxyUrl"],
    apply: (values) => {
      put(values, "ingressAuth", "oauth2-proxy");
      put(values, "oauth2ProxyUrl", "");
    },
  },
};

/** Keys a problem may name when another key is at fault: the checks between keys. */
export const relatedKeys: readonly (readonly ConfigKey[])[] = [
  ["namespace", "appNamespace", "ingressControllerNamespace"],
  ["alertCpuThreshold", "alertCpuCriticalThreshold"],
  ["alertMemoryThreshold", "alertMemoryCriticalThreshold"],
  ["alertErrorRateThreshold", "alertErrorRateCriticalThreshold"],
  ["ingressAuth", "oauth2ProxyUrl"],
  ["slos", "prometheusRetention"],
];

/** Valid values that would clash with each other: made consistent, so a config of valid values is valid. */
function consistent(values: Values): void {
  const others = ["appNamespace", "ingressControllerNamespace"].map((key) =>
    effective(values, key as ConfigKey),
  );
  if (others.includes(effective(values, "namespace"))) {
    put(
      values,
      "namespace",
      ["monitoring", "observability", "metrics"].find((name) => !others.includes(name)),
    );
  }
  for (const [warning, critical] of relatedKeys.slice(1, 4) as [ConfigKey, ConfigKey][]) {
    const low = effective(values, warning) as number;
    const high = effective(values, critical) as number;
    if (low >= high) {
      put(values, critical, Math.max(low, high));
      put(values, warning, low === high ? high / 2 : Math.min(low, high));
    }
  }
  if (effective(values, "ingressAuth") === "oauth2-proxy" && effective(values, "oauth2ProxyUrl") === "") {
    put(values, "oauth2ProxyUrl", "https://oauth2.plue.dev");
  }
  // An SLO sums its whole window, which Prometheus must keep.
  const windows = (effective(values, "slos") as { window?: string }[]).map((slo) => slo.window ?? "30d");
  const longest = windows.sort((a, b) => durationMs(b) - durationMs(a))[0];
  if (longest && durationMs(longest) > durationMs(effective(values, "prometheusRetention") as string)) {
    put(values, "prometheusRetention", longest);
  }
}

export const configCase: fc.Arbitrary<ConfigCase> = fc
  .record({
    required: fc.record(Object.fromEntries(requiredKeys.map((key) => [key, validGiven(key)]))),
    optional: fc.record(
      Object.fromEntries(
        optionalKeys
          .filter((key) => keyValues[key] !== undefined)
          .map((key) => [key, sometimes(validGiven(key), 3)]),
      ),
    ),
    hostile: fc.oneof(
      { withCrossShrink: true },
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 6, arbitrary: fc.array(hostileGiven, { minLength: 1, maxLength: 1 }) },
      { weight: 3, arbitrary: fc.array(hostileGiven, { minLength: 2, maxLength: 4 }) },
    ),
    crossKey: sometimes(fc.constantFrom(...Object.keys(crossKeyMistakes)), 10),
    malformedSet: sometimes(malformedSet, 10),
    configFile: fc.constantFrom<ConfigCase["configFile"]>("flag", "found"),
  })
  .map(({ required, optional, hostile, crossKey, malformedSet, configFile }) => {
    const values: Values = {};
    for (const [key, given] of Object.entries({ ...required, ...optional })) {
      if (given !== undefined) values[key as ConfigKey] = given as Given;
    }
    consistent(values);
    const faultKeys = new Set<ConfigKey>();
    for (const { key, value, channel } of hostile) {
      if (value === OMITTED) delete values[key];
      else values[key] = { value, channel };
      faultKeys.add(key);
    }
    if (crossKey !== undefined) {
      const mistake = crossKeyMistakes[crossKey] as (typeof crossKeyMistakes)[string];
      mistake.apply(values);
      for (const key of mistake.keys) faultKeys.add(key);
    }
    const result: ConfigCase = { values, faultKeys: [...faultKeys], configFile };
    if (crossKey !== undefined) result.crossKey = crossKey;
    if (malformedSet !== undefined) result.malformedSet = malformedSet;
    return withDescription(result);
  });

/** The required keys, as the listed suspects' cases give them. */
const baseline = (): Values => ({
  namespace: { value: "monitoring", channel: "file" },
  domain: { value: "plue.dev", channel: "file" },
  // A token of its own, so a leak names the secret it came from.
  grafanaAdminPassword: { value: "hunter2-SxBASELINE01", channel: "file" },
});

/** Strings go through each way in turn; other values only fit a config file. */
const exampleChannel = (value: unknown, i: number): Channel =>
  typeof value === "string" ? ((["file", "set", "env"] as const)[i % 3] ?? "file") : "file";

/**
 * Every suspect of every key, alone beside the required keys; every mistake between keys; every
 * malformed --set of a secret. Each run tries all of them before the generated cases.
 */
export function suspectCases(): ConfigCase[] {
  const cases: ConfigCase[] = [];
  const add = (values: Values, faultKeys: ConfigKey[], extra: Partial<ConfigCase> = {}) =>
    cases.push(withDescription({ values, faultKeys, configFile: "flag", ...extra }));
  for (const spec of keySpecs) {
    const key = spec.key as ConfigKey;
    for (const [i, value] of (keyValues[key]?.suspects(EXAMPLE_TOKEN) ?? []).entries()) {
      add({ ...baseline(), [key]: { value, channel: exampleChannel(value, i) } }, [key]);
    }
  }
  for (const [name, mistake] of Object.entries(crossKeyMistakes)) {
    const values = baseline();
    mistake.apply(values);
    add(values, mistake.keys, { crossKey: name });
  }
  const forms: MalformedSet["form"][] = ["split", "colon", "no-equals", "leading-equals", "space"];
  for (const form of forms) {
    for (const key of ["grafanaAdminPassword", "grafana_admin_password", "postgresExporterDsn"]) {
      for (const secret of [`hunter2-${EXAMPLE_TOKEN}`, `--${EXAMPLE_TOKEN}`, `${EXAMPLE_TOKEN}=x`]) {
        add(baseline(), [], { malformedSet: { form, key, secret } });
      }
    }
  }
  return cases;
}

/** A case made of valid values only, fed well: synth must accept it. */
export const isAllValid = (c: ConfigCase) =>
  c.faultKeys.length === 0 && c.crossKey === undefined && c.malformedSet === undefined;

// ---------------------------------------------------------------------------------------------
// Feeding a case to synth.

/** The text a value becomes in --set or TF_VAR_. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return JSON.stringify(value) ?? String(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

export interface Inputs {
  /** The config file's name and contents, when any key goes through it. */
  file?: { name: string; contents: Record<string, unknown> };
  args: string[];
  env: Record<string, string>;
}

const FOUND_NAME = "plue-monitoring.config.json";
const FLAG_NAME = "input.json";

export function inputsFor(c: ConfigCase): Inputs {
  const contents: Record<string, unknown> = {};
  const sets: string[] = [];
  const env: Record<string, string> = {};
  for (const [key, { value, channel }] of Object.entries(c.values) as [ConfigKey, Given][]) {
    const spec = specOf(key);
    if (channel === "file") {
      contents[key] = value;
    } else if (channel === "env") {
      env[`TF_VAR_${spec.seedName ?? key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`] =
        asText(value);
    } else {
      const name = channel === "seed-set" ? (spec.seedName ?? key) : key;
      const assignments =
        spec.kind === "object" && isPlainObject(value)
          ? Object.entries(value).map(([nested, inner]) => `${name}.${nested}=${asText(inner)}`)
          : [`${name}=${asText(value)}`];
      for (const assignment of assignments) {
        sets.push(...(channel === "set=" ? [`--set=${assignment}`] : ["--set", assignment]));
      }
    }
  }
  if (c.malformedSet) sets.push(...malformedArgs(c.malformedSet));
  const hasFile = Object.keys(contents).length > 0;
  const name = c.configFile === "found" ? FOUND_NAME : FLAG_NAME;
  return {
    ...(hasFile ? { file: { name, contents } } : {}),
    args: [...(hasFile && c.configFile === "flag" ? ["--config", FLAG_NAME] : []), ...sets],
    env,
  };
}

function malformedArgs({ form, key, secret }: MalformedSet): string[] {
  switch (form) {
    case "split":
      return ["--set", key, secret];
    case "colon":
      return ["--set", `${key}:${secret}`];
    case "no-equals":
      return ["--set", `${key}${secret}`];
    case "leading-equals":
      return ["--set", `=${secret}`];
    case "space":
      return ["--set", `${key} ${secret}`];
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets of a case, and printing a case with them masked.

const secretKeys = new Set(keySpecs.filter((spec) => spec.secret).map((spec) => spec.key));

/** Strings under secret field names (remoteWrite's passwords and tokens), at any depth. */
function secretFieldValues(value: unknown, inSecret = false): string[] {
  if (typeof value === "string") return inSecret ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => secretFieldValues(item, inSecret));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([field, inner]) =>
      secretFieldValues(inner, inSecret || remoteWriteSecretFields.includes(field)),
    );
  }
  return [];
}

/** Passwords in URLs (https://user:password@host), in any string of a value. */
function urlPasswords(value: unknown): string[] {
  const strings = (v: unknown): string[] =>
    typeof v === "string"
      ? [v]
      : Array.isArray(v)
        ? v.flatMap(strings)
        : isPlainObject(v)
          ? Object.values(v).flatMap(strings)
          : [];
  return strings(value).flatMap((text) =>
    // Bounded, so a huge value costs a linear scan.
    [...text.matchAll(/:\/\/([^/?#@\s]{1,512})@/g)].map((m) => (m[1] as string).split(":").pop() as string),
  );
}

/** Every secret a case gives, with where it came from: secret keys, secret fields, passwords in URLs, a malformed --set. */
export function secretsOf(c: ConfigCase): { origin: string; secret: string }[] {
  const secrets: { origin: string; secret: string }[] = [];
  for (const [key, { value }] of Object.entries(c.values) as [ConfigKey, Given][]) {
    if (secretKeys.has(key)) secrets.push({ origin: key, secret: asText(value) });
    for (const secret of secretFieldValues(value))
      secrets.push({ origin: `a secret field of ${key}`, secret });
    for (const secret of urlPasswords(value))
      secrets.push({ origin: `a password in a URL of ${key}`, secret });
  }
  if (c.malformedSet) {
    secrets.push({ origin: `a malformed --set (${c.malformedSet.form})`, secret: c.malformedSet.secret });
  }
  return secrets.filter(({ secret }) => secret !== "");
}

/**
 * What must never be printed or left readable: each secret's canaries, and whole secrets long enough
 * not to turn up by chance (and not also given as a value that may be shown).
 */
export function secretNeedles(c: ConfigCase): { origin: string; needle: string }[] {
  const shown = new Set(
    (Object.entries(c.values) as [ConfigKey, Given][])
      .filter(([key]) => !secretKeys.has(key))
      .map(([, { value }]) => asText(value)),
  );
  const needles = new Map<string, string>();
  for (const { origin, secret } of secretsOf(c)) {
    for (const needle of secret.match(CANARY) ?? []) needles.set(needle, origin);
    if (secret.trim().length >= 20 && !shown.has(secret)) needles.set(secret, origin);
  }
  return [...needles].map(([needle, origin]) => ({ needle, origin }));
}

/** Letters and digits of a secret hidden; its shape (separators, control characters, length) kept. */
const masked = (secret: string) => secret.replace(/[A-Za-z0-9]/g, "*");

/** A string as JSON, cut short when long. */
function shortJson(text: string): string {
  const json = JSON.stringify(text);
  return json.length <= 160 ? json : `${json.slice(0, 120)}…" (${text.length} characters)`;
}

function show(value: unknown, secret: boolean): string {
  if (typeof value === "string") {
    const text = secret ? masked(value) : value.replace(CANARY, (token) => masked(token));
    return shortJson(text);
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, 5).map((item) => show(item, secret));
    return `[${items.join(", ")}${value.length > 5 ? `, … (${value.length} items)` : ""}]`;
  }
  if (isPlainObject(value)) {
    const fields = Object.entries(value).map(
      ([field, inner]) =>
        `${JSON.stringify(field)}: ${show(inner, secret || remoteWriteSecretFields.includes(field))}`,
    );
    return `{${fields.join(", ")}}`;
  }
  return typeof value === "symbol" ? String(value) : (JSON.stringify(value) ?? String(value));
}

/** The case as a user would have typed it, secrets masked (letters and digits as *). */
export function describeCase(c: ConfigCase): string {
  const lines: string[] = [];
  const byChannel = (wanted: Channel[]) =>
    (Object.entries(c.values) as [ConfigKey, Given][]).filter(([, given]) => wanted.includes(given.channel));
  const fileEntries = byChannel(["file"]);
  if (fileEntries.length > 0) {
    const where = c.configFile === "flag" ? `--config ${FLAG_NAME}` : FOUND_NAME;
    lines.push(`${where}: {`);
    for (const [key, { value }] of fileEntries)
      lines.push(`  "${key}": ${show(value, secretKeys.has(key))},`);
    lines.push("}");
  }
  for (const [key, { value, channel }] of byChannel(["set", "set=", "seed-set", "env"])) {
    const spec = specOf(key);
    const name =
      channel === "env"
        ? `TF_VAR_${spec.seedName ?? key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`
        : channel === "seed-set"
          ? `--set ${spec.seedName ?? key}`
          : `--set${channel === "set=" ? "=" : " "}${key}`;
    lines.push(`${name}=${show(value, secretKeys.has(key))}`);
  }
  if (c.malformedSet) {
    const shown = malformedArgs({ ...c.malformedSet, secret: masked(c.malformedSet.secret) });
    lines.push(`malformed --set (${c.malformedSet.form}): ${shown.map((arg) => shortJson(arg)).join(" ")}`);
  }
  const omitted = requiredKeys.filter((key) => c.values[key] === undefined);
  if (omitted.length > 0) lines.push(`not given: ${omitted.join(", ")}`);
  if (c.faultKeys.length > 0) lines.push(`hostile or clashing: ${c.faultKeys.join(", ")}`);
  if (c.crossKey) lines.push(`cross-key mistake: ${c.crossKey}`);
  return lines.join("\n");
}

/** fast-check prints a counterexample with this: secrets masked, long values cut. */
function withDescription(c: ConfigCase): ConfigCase {
  Object.defineProperty(c, fc.toStringMethod, { value: () => `\n${describeCase(c)}\n`, enumerable: false });
  return c;
}
