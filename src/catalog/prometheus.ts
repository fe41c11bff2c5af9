// Prometheus' own /metrics, scraped by the prometheus job (Prometheus v3.13; the local stack's 2.42
// differs where test/fixtures/exporters/prometheus.prom says). namespace and pod are the job's target
// labels; the remote-write families exist only with a remote_write queue.
import type { CatalogMetric } from "./types.ts";

const job = ["prometheus"] as const;
const target = ["namespace", "pod"] as const;
const ruleGroup = [...target, "rule_group"] as const;
const queue = [...target, "remote_name", "url"] as const;

export const prometheusMetrics: readonly CatalogMetric[] = [
  {
    name: "prometheus_config_last_reload_successful",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "1 after a reload that applied prometheus.yml and every rule file, 0 after one that was refused (the last good config keeps running)",
  },
  {
    name: "prometheus_config_last_reload_success_timestamp_seconds",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Unix time of the last successful configuration reload",
  },
  {
    name: "prometheus_rule_evaluation_failures_total",
    type: "counter",
    labels: ruleGroup,
    jobs: job,
    help: 'Rule evaluations that failed, per group; rule_group is "<file>;<group>"',
  },
  {
    name: "prometheus_rule_evaluations_total",
    type: "counter",
    labels: ruleGroup,
    jobs: job,
    help: "Rule evaluations, per group",
  },
  {
    name: "prometheus_rule_group_iterations_missed_total",
    type: "counter",
    labels: ruleGroup,
    jobs: job,
    help: "Evaluations of a group skipped because the previous one was still running",
  },
  {
    name: "prometheus_rule_group_interval_seconds",
    type: "gauge",
    labels: ruleGroup,
    jobs: job,
    help: "The group's evaluation interval",
  },
  {
    name: "prometheus_rule_group_last_duration_seconds",
    type: "gauge",
    labels: ruleGroup,
    jobs: job,
    help: "How long the group's last evaluation took",
  },
  {
    name: "prometheus_notifications_queue_length",
    type: "gauge",
    labels: [...target, "alertmanager"],
    jobs: job,
    help: "Alerts waiting to be sent: per Alertmanager on 3.x (one queue each), one unlabelled queue on 2.42",
  },
  {
    name: "prometheus_notifications_queue_capacity",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "How many alerts a queue holds before it drops the oldest",
  },
  {
    name: "prometheus_notifications_errors_total",
    type: "counter",
    labels: [...target, "alertmanager"],
    jobs: job,
    help: "Alerts in failed sends to the Alertmanager (3.x); failed sends (2.42)",
  },
  {
    name: "prometheus_notifications_sent_total",
    type: "counter",
    labels: [...target, "alertmanager"],
    jobs: job,
    help: "Alerts the Alertmanager received (3.x); alerts attempted, failed or not (2.42)",
  },
  {
    name: "prometheus_notifications_alertmanagers_discovered",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Alertmanagers Prometheus currently sends alerts to",
  },
  {
    name: "prometheus_tsdb_compactions_failed_total",
    type: "counter",
    labels: target,
    jobs: job,
    help: "Compactions that failed (retried every minute while they fail)",
  },
  {
    name: "prometheus_tsdb_reloads_failures_total",
    type: "counter",
    labels: target,
    jobs: job,
    help: "Failed reloads of the blocks on disk (attempted every minute)",
  },
  {
    name: "prometheus_target_sync_failed_total",
    type: "counter",
    labels: [...target, "scrape_job"],
    jobs: job,
    help: "Discovered targets of a job that could not be made into targets, counted at each sync of the job",
  },
  {
    name: "prometheus_target_scrape_pool_targets",
    type: "gauge",
    labels: [...target, "scrape_job"],
    jobs: job,
    help: "Targets a job currently has",
  },
  {
    name: "prometheus_remote_storage_samples_total",
    type: "counter",
    labels: queue,
    jobs: job,
    help: "Samples in every send attempt to a remote-write queue's endpoint, failed and retried ones included",
  },
  {
    name: "prometheus_remote_storage_samples_failed_total",
    type: "counter",
    labels: queue,
    jobs: job,
    help: "Samples the remote endpoint refused for good (non-recoverable errors)",
  },
  {
    name: "prometheus_remote_storage_samples_retried_total",
    type: "counter",
    labels: queue,
    jobs: job,
    help: "Samples whose send failed with a recoverable error and was retried",
  },
  {
    name: "prometheus_remote_storage_queue_highest_timestamp_seconds",
    type: "gauge",
    labels: queue,
    jobs: job,
    help: "Newest sample timestamp queued for the endpoint (3.x only)",
  },
  {
    // What 2.42 (the local stack) has instead of the per-queue one; deprecated but served in 3.x.
    name: "prometheus_remote_storage_highest_timestamp_in_seconds",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Newest sample timestamp appended for remote write, across every queue",
  },
  {
    name: "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
    type: "gauge",
    labels: queue,
    jobs: job,
    help: "Newest sample timestamp the endpoint accepted; 0 until one is",
  },
];
