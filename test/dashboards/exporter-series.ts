// Series shaped exactly as the real exporters expose them, after our scrape configs' relabeling:
// cAdvisor's pod cgroup and pause container, a sidecar without limits, a Plue pod whose scrape
// fails, another namespace's app on the kubernetes-pods job. Values are chosen so that every
// aggregate the recording rules compute is exactly representable (promtool compares exactly).
export type Labels = Record<string, string>;
export interface InputSeries {
  series: string;
  values: string;
}
export interface Sample {
  labels: string;
  value: number;
}

/** A series as Prometheus stores it after a scrape: a label exported empty is no label at all. */
export const selector = (name: string, labels: Labels) =>
  `${name}{${Object.entries(labels)
    .filter(([, value]) => value !== "")
    .map(([key, value]) => `${key}="${value}"`)
    .join(", ")}}`;
export const input = (name: string, labels: Labels, values: string): InputSeries => ({
  series: selector(name, labels),
  values,
});
export const sample = (name: string, labels: Labels, value: number): Sample => ({
  labels: selector(name, labels),
  value,
});
/** A counter growing by perSecond × 60 every one-minute sample, for 16 minutes. */
export const perSecond = (rate: number) => `0+${rate * 60}x16`;
export const constant = (value: number) => `${value}x16`;

export const MiB = 1024 * 1024;
export const API_1 = "api-7c9d8b6f5-x2k4q";
export const API_2 = "api-7c9d8b6f5-m8t3z";
export const WEB_1 = "web-5f6d7c8b9-p4r7s";

// ---- Plue services, scraped as jobs api and web (target labels namespace, service = job, pod) ----
const plueTarget = (service: string, pod: string, ip: string, port: number): Labels => ({
  job: service,
  instance: `${ip}:${port}`,
  namespace: "plue",
  service,
  pod,
});
const api1 = plueTarget("api", API_1, "10.244.1.17", 4000);
const api2 = plueTarget("api", API_2, "10.244.2.9", 4000);
/** OpenTelemetry's db.client.connection.pool.name, as observePgPool names a pg.Pool. */
const pool = { db_client_connection_pool_name: "postgres.plue.svc:5432/plue" };
const web1 = plueTarget("web", WEB_1, "10.244.1.23", 5173);

/** One OpenTelemetry request-duration histogram (prom-client exposition) whose requests all take
 * between `above` and the next bound; a subset of the real bounds, all exact in binary. */
function histogram(target: Labels, method: string, route: string, code: string, rps: number, above: number) {
  const labels = {
    ...target,
    http_request_method: method,
    http_route: route,
    http_response_status_code: code,
  };
  const bounds = ["0.25", "0.5", "1", "2", "+Inf"];
  return [
    ...bounds.map((le) =>
      input(
        "http_server_request_duration_seconds_bucket",
        { ...labels, le },
        perSecond((le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le)) > above ? rps : 0),
      ),
    ),
    input("http_server_request_duration_seconds_count", labels, perSecond(rps)),
    input("http_server_request_duration_seconds_sum", labels, perSecond(rps * (above + 0.125))),
  ];
}

export const httpSeries: InputSeries[] = [
  // api: 4 req/s in all, 0.25 of them 5xx; buckets ≤0.25: 1.5, ≤0.5: 3.5, ≤1: 3.75, ≤2: 4.
  ...histogram(api1, "GET", "/users/:id", "200", 1.5, 0),
  ...histogram(api1, "POST", "/orders", "201", 0.25, 0.5),
  ...histogram(api1, "POST", "/orders", "500", 0.25, 1),
  ...histogram(api2, "GET", "/users/:id", "200", 2, 0.25),
  // web: 1 req/s and never a 5xx, so its 5xx series does not exist at all.
  ...histogram(web1, "GET", "/", "200", 1, 0),
  // Another team's app, scraped through its annotations: not a Plue service.
  input(
    "http_server_request_duration_seconds_count",
    {
      job: "kubernetes-pods",
      instance: "10.244.3.4:8080",
      namespace: "billing",
      pod: "billing-6b7c8d-q1w2e",
      http_request_method: "GET",
      http_route: "/invoices",
      http_response_status_code: "500",
    },
    perSecond(8),
  ),
  input("http_server_active_requests", api1, constant(3)),
  input("http_server_active_requests", api2, constant(2)),
  input("http_server_active_requests", web1, constant(1)),
  input("db_client_connection_count", { ...api1, ...pool, db_client_connection_state: "used" }, constant(4)),
  input("db_client_connection_count", { ...api1, ...pool, db_client_connection_state: "idle" }, constant(6)),
  input("db_client_connection_count", { ...api2, ...pool, db_client_connection_state: "used" }, constant(2)),
  input("db_client_connection_count", { ...api2, ...pool, db_client_connection_state: "idle" }, constant(8)),
  input("db_client_connection_max", { ...api1, ...pool }, constant(10)),
  input("db_client_connection_max", { ...api2, ...pool }, constant(10)),
  // api-2's last scrape failed: it still belongs to api.
  input("up", api1, constant(1)),
  input("up", api2, constant(0)),
  input("up", web1, constant(1)),
  input(
    "up",
    {
      job: "kubernetes-pods",
      instance: "10.244.3.4:8080",
      namespace: "billing",
      pod: "billing-6b7c8d-q1w2e",
    },
    constant(1),
  ),
];

// ---- cAdvisor (kubelet /metrics/cadvisor) and kube-state-metrics limits ----
const cadvisorLabels = (namespace: string, pod: string, container: string, node: string): Labels => {
  const cgroup = `/kubepods/burstable/pod${pod.slice(-5)}`;
  return {
    job: "cadvisor",
    instance: node === "node-a" ? "10.0.0.11:10250" : "10.0.0.12:10250",
    namespace,
    pod,
    container,
    // The pod cgroup has no container id, image or name; the pause container runs the pause image.
    id: container === "" ? cgroup : `${cgroup}/${container}-3f9a2c`,
    image:
      container === ""
        ? ""
        : container === "POD"
          ? "registry.k8s.io/pause:3.10"
          : `ghcr.io/plue/${container}:1.4.2`,
    name: container === "" ? "" : `${container}-3f9a2c`,
  };
};
const cpu = (namespace: string, pod: string, container: string, cores: number, node = "node-a") =>
  input(
    "container_cpu_usage_seconds_total",
    { ...cadvisorLabels(namespace, pod, container, node), cpu: "total" },
    perSecond(cores),
  );
const memory = (namespace: string, pod: string, container: string, bytes: number, node = "node-a") =>
  input(
    "container_memory_working_set_bytes",
    cadvisorLabels(namespace, pod, container, node),
    constant(bytes),
  );
const limit = (
  namespace: string,
  pod: string,
  container: string,
  resource: "cpu" | "memory",
  value: number,
) =>
  input(
    "kube_pod_container_resource_limits",
    {
      job: "kube-state-metrics",
      instance: "10.244.0.5:8080",
      namespace,
      pod,
      uid: `uid-${pod}`,
      container,
      node: "node-a",
      resource,
      unit: resource === "cpu" ? "core" : "byte",
    },
    constant(value),
  );

export const resourceSeries: InputSeries[] = [
  // api-1: api uses 0.5 of its 1-core limit; the log-shipper sidecar has no limit; the pod cgroup
  // (container="") repeats their sum and the pause container ("POD") uses a little.
  cpu("plue", API_1, "api", 0.5),
  cpu("plue", API_1, "log-shipper", 0.25),
  cpu("plue", API_1, "", 0.75),
  cpu("plue", API_1, "POD", 0.015625),
  limit("plue", API_1, "api", "cpu", 1),
  memory("plue", API_1, "api", 256 * MiB),
  memory("plue", API_1, "log-shipper", 64 * MiB),
  memory("plue", API_1, "", 320 * MiB),
  memory("plue", API_1, "POD", 1 * MiB),
  limit("plue", API_1, "api", "memory", 512 * MiB),
  // api-2: a quieter replica on another node.
  cpu("plue", API_2, "api", 0.125, "node-b"),
  cpu("plue", API_2, "", 0.125, "node-b"),
  limit("plue", API_2, "api", "cpu", 1),
  memory("plue", API_2, "api", 128 * MiB, "node-b"),
  limit("plue", API_2, "api", "memory", 512 * MiB),
  // web-1: a quarter of its half-core limit, three quarters of its memory limit.
  cpu("plue", WEB_1, "web", 0.125),
  limit("plue", WEB_1, "web", "cpu", 0.5),
  memory("plue", WEB_1, "web", 96 * MiB),
  limit("plue", WEB_1, "web", "memory", 128 * MiB),
  // Prometheus itself: busy, limited, and no Plue service.
  cpu("monitoring", "prometheus-0", "prometheus", 0.75),
  limit("monitoring", "prometheus-0", "prometheus", "cpu", 1),
];

// ---- Cluster: kube-state-metrics pod phases and restarts, node-exporter CPU ----
export const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"] as const;
const podPhases = (namespace: string, pod: string, phase: (typeof PHASES)[number]) =>
  PHASES.map((p) =>
    input(
      "kube_pod_status_phase",
      { job: "kube-state-metrics", instance: "10.244.0.5:8080", namespace, pod, uid: `uid-${pod}`, phase: p },
      constant(p === phase ? 1 : 0),
    ),
  );
const nodeCpu = (node: string, cpuIndex: string, seconds: Record<string, number>) =>
  Object.entries(seconds).map(([mode, rate]) =>
    input(
      "node_cpu_seconds_total",
      {
        job: "node-exporter",
        instance: `${node === "node-a" ? "10.0.0.11" : "10.0.0.12"}:9100`,
        node,
        cpu: cpuIndex,
        mode,
      },
      perSecond(rate),
    ),
  );
export const restarts = (pod: string, container: string, values: string) =>
  input(
    "kube_pod_container_status_restarts_total",
    {
      job: "kube-state-metrics",
      instance: "10.244.0.5:8080",
      namespace: "plue",
      pod,
      uid: `uid-${pod}`,
      container,
    },
    values,
  );

export const clusterSeries: InputSeries[] = [
  ...podPhases("plue", API_1, "Running"),
  ...podPhases("plue", API_2, "Running"),
  ...podPhases("plue", WEB_1, "Running"),
  ...podPhases("plue", "migrate-schema-8k2lp", "Failed"),
  ...podPhases("monitoring", "prometheus-0", "Running"),
  ...podPhases("monitoring", "grafana-6d5c4b-h7j8k", "Pending"),
  // node-a: CPU 0 not busy 0.625 of the time (idle + iowait + steal), CPU 1 0.875 → busy 0.25.
  ...nodeCpu("node-a", "0", { idle: 0.5, iowait: 0.125, steal: 0, user: 0.25, system: 0.125 }),
  ...nodeCpu("node-a", "1", { idle: 0.75, iowait: 0, steal: 0.125, user: 0.125, system: 0 }),
  // node-b: one CPU, busy half the time.
  ...nodeCpu("node-b", "0", { idle: 0.5, iowait: 0, steal: 0, user: 0.375, system: 0.125 }),
];

/** Pods per phase, as clusterSeries sets them up. */
export const podsIn: Record<"plue" | "monitoring", Record<(typeof PHASES)[number], number>> = {
  plue: { Pending: 0, Running: 3, Succeeded: 0, Failed: 1, Unknown: 0 },
  monitoring: { Pending: 1, Running: 1, Succeeded: 0, Failed: 0, Unknown: 0 },
};

// ---- Series the dashboards read directly, without a recording rule ----
const ksmTarget = { job: "kube-state-metrics", instance: "10.244.0.5:8080" };
const nodeConditions = (node: string, ready: "true" | "false" | "unknown") =>
  [
    ["Ready", ready],
    ["MemoryPressure", "false"],
    ["DiskPressure", "false"],
  ].flatMap(([condition, current]) =>
    ["true", "false", "unknown"].map((status) =>
      input(
        "kube_node_status_condition",
        { ...ksmTarget, node, condition: String(condition), status },
        constant(status === current ? 1 : 0),
      ),
    ),
  );
const nodeMemory = (node: string, ip: string, total: number, available: number) => [
  input(
    "node_memory_MemTotal_bytes",
    { job: "node-exporter", instance: `${ip}:9100`, node },
    constant(total),
  ),
  input(
    "node_memory_MemAvailable_bytes",
    { job: "node-exporter", instance: `${ip}:9100`, node },
    constant(available),
  ),
];
const volume = (namespace: string, claim: string, node: string, capacity: number, used: number) => {
  const labels = { job: "kubelet", instance: `${node}:10250`, namespace, persistentvolumeclaim: claim };
  return [
    input("kubelet_volume_stats_capacity_bytes", labels, constant(capacity)),
    input("kubelet_volume_stats_used_bytes", labels, constant(used)),
    input("kubelet_volume_stats_available_bytes", labels, constant(capacity - used)),
  ];
};
const postgres = { job: "postgres-exporter", instance: "10.244.2.30:9187" };
/** Labels of a group of client backends in pg_stat_activity_count (postgres_exporter v0.20). */
const plueBackends = (state: "active" | "idle") => ({
  datname: "plue",
  state,
  usename: "plue",
  application_name: "",
  backend_type: "client backend",
  wait_event_type: state === "idle" ? "Client" : "",
  wait_event: state === "idle" ? "ClientRead" : "",
});

export const directSeries: InputSeries[] = [
  ...nodeConditions("node-a", "true"),
  ...nodeConditions("node-b", "true"),
  ...nodeMemory("node-a", "10.0.0.11", 16384 * MiB, 12288 * MiB),
  ...nodeMemory("node-b", "10.0.0.12", 16384 * MiB, 4096 * MiB),
  ...volume("monitoring", "prometheus-data-prometheus-0", "10.0.0.11", 50 * 1024 * MiB, 20 * 1024 * MiB),
  ...volume("monitoring", "grafana-data", "10.0.0.12", 10 * 1024 * MiB, 9 * 1024 * MiB),
  input("pg_stat_activity_count", { ...postgres, ...plueBackends("active") }, constant(3)),
  input("pg_stat_activity_count", { ...postgres, ...plueBackends("idle") }, constant(13)),
  input("pg_settings_max_connections", postgres, constant(100)),
  // Prometheus writes ALERTS for each pending or firing alert; Watchdog always fires.
  input("ALERTS", { alertname: "Watchdog", alertstate: "firing", severity: "none" }, constant(1)),
  input(
    "ALERTS",
    {
      alertname: "PersistentVolumeSpaceLow",
      alertstate: "firing",
      severity: "warning",
      namespace: "monitoring",
      persistentvolumeclaim: "grafana-data",
    },
    constant(1),
  ),
];

/**
 * A crowd of `count` nodes, claims and api routes, each a little busier or fuller than the last:
 * more than a top-N panel draws, so the panel's limit is what decides how many it shows.
 */
export function crowdSeries(count: number): InputSeries[] {
  return Array.from({ length: count }, (_, i) => {
    const node = `crowd-node-${i}`;
    const share = (i + 1) / (count + 1);
    return [
      ...nodeCpu(node, "0", { idle: 1 - share, user: share }),
      ...nodeMemory(node, `10.1.${Math.floor(i / 250)}.${i % 250}`, 1000 * MiB, (1 - share) * 1000 * MiB),
      ...volume("plue", `crowd-claim-${i}`, node, 1000 * MiB, share * 1000 * MiB),
      ...histogram(api1, "GET", `/crowd/${"x".repeat(i + 1)}`, "200", i + 1, 0.25),
    ];
  }).flat();
}
