// Recording rules: every aggregation over all pods or all histogram buckets that a dashboard panel
// needs, computed once per evaluation so panels stay fast with thousands of pods. Names follow
// level:metric:operations (https://prometheus.io/docs/practices/rules/); panels read them through
// `recorded` so a rename cannot leave a panel reading nothing.
//
// The "5m" and "1h" in names are the windows in a cluster; on the local stack they pass through
// Timing.window() like every other range, and the names stay the same so dashboards work on both.
import { durationMs, formatDuration } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { cadvisor, kubeStateMetrics as ksm, plueServices } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RecordingRule, RuleGroup } from "./types.ts";

/** The series the dashboards read instead of raw exporter metrics. */
export const recorded = {
  // Plue services (jobs api, web, electric): HTTP
  requestRateByRouteAndCode:
    "namespace_service_method_route_code:http_server_request_duration_seconds_count:sum_rate5m",
  requestRateByRoute: "namespace_service_method_route:http_server_request_duration_seconds_count:sum_rate5m",
  requestRateByCode: "namespace_service_code:http_server_request_duration_seconds_count:sum_rate5m",
  requestRate: "namespace_service:http_server_request_duration_seconds_count:sum_rate5m",
  serverErrorRatio: "namespace_service:http_server_requests_5xx:ratio_rate5m",
  latencyBuckets: "namespace_service_le:http_server_request_duration_seconds_bucket:sum_rate5m",
  /** Label `quantile` = "0.5" | "0.95" | "0.99". */
  latencyQuantile:
    "namespace_service_quantile:http_server_request_duration_seconds:histogram_quantile_rate5m",
  activeRequests: "namespace_service:http_server_active_requests:sum",
  // Plue services: database pool and scrape health
  dbConnectionsByState: "namespace_service_state:db_client_connection_count:sum",
  dbConnectionsMax: "namespace_service:db_client_connection_max:sum",
  podsUp: "namespace_service:up:sum",
  // Containers (cAdvisor) and their limits (kube-state-metrics)
  containerCpu: "namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m",
  containerMemory: "namespace_pod_container:container_memory_working_set_bytes:sum",
  serviceCpu: "namespace_service:container_cpu_usage_seconds_total:sum_rate5m",
  serviceMemory: "namespace_service:container_memory_working_set_bytes:sum",
  /** The busiest pod of each service: CPU used by its limited containers / their CPU limits. */
  serviceCpuOfLimit: "namespace_service:pod_cpu_limit_utilisation:max",
  serviceMemoryOfLimit: "namespace_service:pod_memory_limit_utilisation:max",
  // Cluster
  podsByPhase: "namespace_phase:kube_pod_status_phase:sum",
  nodeCpuUtilisation: "node:node_cpu_utilisation:ratio_rate5m",
  podRestarts: "namespace_pod:kube_pod_container_status_restarts_total:sum_increase1h",
} as const;

export const LATENCY_QUANTILES = ["0.5", "0.95", "0.99"] as const;

/** cAdvisor also reports the pod cgroup (container="") and the pause container ("POD"): counting
 * either with the real containers would double the pod's usage. */
const realContainers = `${cadvisor}, container!="", container!="POD"`;

/** Maps each Plue pod to its service: 1 per (namespace, pod, service), whatever `up` says. */
const podService = `group by (namespace, pod, service) (up{${plueServices}})`;

const rule = (record: string, expr: string, labels?: Record<string, string>): RecordingRule =>
  labels ? { record, expr, labels } : { record, expr };

function plueHttpRules(timing: Timing): RuleGroup {
  const rate5m = timing.window("5m");
  return {
    name: "plue-http.recording",
    rules: [
      rule(
        recorded.requestRateByRouteAndCode,
        `sum by (namespace, service, http_request_method, http_route, http_response_status_code) (rate(http_server_request_duration_seconds_count{${plueServices}}[${rate5m}]))`,
      ),
      // The three below re-aggregate the record above (rules of a group run in order).
      rule(
        recorded.requestRateByRoute,
        `sum by (namespace, service, http_request_method, http_route) (${recorded.requestRateByRouteAndCode})`,
      ),
      rule(
        recorded.requestRateByCode,
        `sum by (namespace, service, http_response_status_code) (${recorded.requestRateByRouteAndCode})`,
      ),
      rule(recorded.requestRate, `sum by (namespace, service) (${recorded.requestRateByRouteAndCode})`),
      // A 5xx series exists only once a 5xx was served: until then the ratio is 0, not missing.
      // No traffic at all gives 0/0 = NaN: "no answer", not "no errors".
      rule(
        recorded.serverErrorRatio,
        `(sum by (namespace, service) (${recorded.requestRateByCode}{http_response_status_code=~"5.."}) or 0 * ${recorded.requestRate}) / ${recorded.requestRate}`,
      ),
      rule(
        recorded.activeRequests,
        `sum by (namespace, service) (http_server_active_requests{${plueServices}})`,
      ),
      rule(
        recorded.dbConnectionsByState,
        `sum by (namespace, service, db_client_connection_state) (db_client_connection_count{${plueServices}})`,
      ),
      rule(
        recorded.dbConnectionsMax,
        `sum by (namespace, service) (db_client_connection_max{${plueServices}})`,
      ),
      rule(recorded.podsUp, `sum by (namespace, service) (up{${plueServices}})`),
    ],
  };
}

/** Usage of the containers that have a limit, over the sum of those limits, per pod — what
 * HighCPUUsage and HighMemoryUsage compare to their thresholds — for the busiest pod of each Plue
 * service. Containers without a limit would otherwise inflate the ratio. */
function busiestPodOfLimit(containerUsage: string, resource: "cpu" | "memory"): string {
  const limits = `kube_pod_container_resource_limits{${ksm}, resource="${resource}"}`;
  const usedByLimited = `sum by (namespace, pod) (${containerUsage} and on (namespace, pod, container) (${limits} > 0))`;
  // max by container: one limit per container even if kube-state-metrics briefly reports it twice.
  const podLimit = `sum by (namespace, pod) (max by (namespace, pod, container) (${limits}))`;
  return `max by (namespace, service) ((${usedByLimited} / ${podLimit}) * on (namespace, pod) group_left (service) ${podService})`;
}

/**
 * The latency histogram's buckets, summed over pods, routes, methods and codes: the one rule that
 * reads every bucket series (9,750 a pod at the metric contract's reference shape), as costly as all
 * the other rules together at 30 service pods (docs/sizing.md, "Rule evaluation cost"). Its group is
 * evaluated every other evaluation interval: half the cost, for a p99 that is up to one interval older
 * when SlowResponseTime and the latency panels read it.
 */
function plueLatencyRules(config: StackConfig, timing: Timing): RuleGroup {
  return {
    name: "plue-latency.recording",
    interval: timing.duration(
      formatDuration(LATENCY_EVALUATIONS_APART * durationMs(config.evaluationInterval)),
    ),
    rules: [
      rule(
        recorded.latencyBuckets,
        `sum by (namespace, service, le) (rate(http_server_request_duration_seconds_bucket{${plueServices}}[${timing.window("5m")}]))`,
      ),
      ...LATENCY_QUANTILES.map((quantile) =>
        rule(recorded.latencyQuantile, `histogram_quantile(${quantile}, ${recorded.latencyBuckets})`, {
          quantile,
        }),
      ),
    ],
  };
}

/** How many evaluation intervals apart the latency buckets are recorded. */
export const LATENCY_EVALUATIONS_APART = 2;

function containerResourceRules(timing: Timing): RuleGroup {
  const rate5m = timing.window("5m");
  const byService = (series: string) =>
    `sum by (namespace, service) (${series} * on (namespace, pod) group_left (service) ${podService})`;
  return {
    name: "container-resources.recording",
    rules: [
      rule(
        recorded.containerCpu,
        `sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{${realContainers}}[${rate5m}]))`,
      ),
      rule(
        recorded.containerMemory,
        `sum by (namespace, pod, container) (container_memory_working_set_bytes{${realContainers}})`,
      ),
      rule(recorded.serviceCpu, byService(recorded.containerCpu)),
      rule(recorded.serviceMemory, byService(recorded.containerMemory)),
      rule(recorded.serviceCpuOfLimit, busiestPodOfLimit(recorded.containerCpu, "cpu")),
      rule(recorded.serviceMemoryOfLimit, busiestPodOfLimit(recorded.containerMemory, "memory")),
    ],
  };
}

function clusterRules(timing: Timing): RuleGroup {
  return {
    name: "kubernetes-cluster.recording",
    rules: [
      rule(recorded.podsByPhase, `sum by (namespace, phase) (kube_pod_status_phase{${ksm}})`),
      // Busy = not idle, iowait or steal; summed per CPU first so modes are not averaged together.
      rule(
        recorded.nodeCpuUtilisation,
        `1 - avg by (node) (sum by (node, cpu) (rate(node_cpu_seconds_total{job="node-exporter", mode=~"idle|iowait|steal"}[${timing.window("5m")}])))`,
      ),
      // Rounded like PodFrequentRestarts: increase() extrapolates 5 restarts to 5.04.
      rule(
        recorded.podRestarts,
        `sum by (namespace, pod) (round(increase(kube_pod_container_status_restarts_total{${ksm}}[${timing.window("1h")}])))`,
      ),
    ],
  };
}

export function recordingRules(config: StackConfig, timing: Timing): RuleGroup[] {
  return [
    plueHttpRules(timing),
    plueLatencyRules(config, timing),
    containerResourceRules(timing),
    clusterRules(timing),
  ];
}
