// Each Alertmanager replica's /metrics, scraped by the alertmanager job (Alertmanager v0.34; the local
// stack's 0.25 has no `reason` on notifications_failed_total). namespace, pod and service are the
// job's target labels.
import type { CatalogMetric } from "./types.ts";

const job = ["alertmanager"] as const;
const target = ["namespace", "pod", "service"] as const;
const integration = [...target, "integration"] as const;

export const alertmanagerMetrics: readonly CatalogMetric[] = [
  {
    name: "alertmanager_config_last_reload_successful",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "1 after a reload that applied alertmanager.yml, 0 after one that was refused (the last good config keeps running)",
  },
  {
    name: "alertmanager_config_last_reload_success_timestamp_seconds",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Unix time of the last successful configuration reload",
  },
  {
    name: "alertmanager_notifications_total",
    type: "counter",
    labels: integration,
    jobs: job,
    help: "Notifications attempted per integration (slack, pagerduty, webhook, …), once each however many retries",
  },
  {
    name: "alertmanager_notifications_failed_total",
    type: "counter",
    labels: [...integration, "reason"],
    jobs: job,
    help: "Notifications whose retries ended in failure, per integration and reason (0.26 on; 0.25 has no reason)",
  },
  {
    name: "alertmanager_notification_requests_failed_total",
    type: "counter",
    labels: integration,
    jobs: job,
    help: "Failed requests to an integration, retries included",
  },
  {
    name: "alertmanager_cluster_members",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Cluster members this replica sees, itself included",
  },
  {
    name: "alertmanager_cluster_failed_peers",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Peers this replica lost and keeps trying to reconnect to",
  },
];
