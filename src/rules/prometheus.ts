// Prometheus watching itself, from its own /metrics (job prometheus): does it run the configuration
// and rules it was given, do its alerts reach an Alertmanager, is its storage healthy, are its targets
// and (when configured) its remote-write queues keeping up.
//
// Severity follows what is lost. Alerts that reach no Alertmanager, and rules that fail to evaluate,
// page: in both cases an alert that should fire does not reach anyone. The rest warns: the running
// configuration keeps working, or what suffers is not alerting (storage, remote write).
//
// Every rule reads Prometheus 3.13 (the cluster) and Debian's 2.42 (the local stack). Where the two
// differ (test/fixtures/exporters/prometheus.prom lists how), the expression reads both.
import { durationMs } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { type AlertSpec, alertRule, promql } from "./alert.ts";
import { prometheus } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { AlertRule, RuleGroup } from "./types.ts";

const self = "Prometheus {{ $labels.namespace }}/{{ $labels.pod }}";

export function prometheusRules(config: StackConfig, timing: Timing): RuleGroup {
  const alert = (spec: AlertSpec): AlertRule => alertRule(config, spec);
  const w5m = timing.window("5m");
  const notifications = (counter: "errors" | "sent") =>
    `rate(prometheus_notifications_${counter}_total{${prometheus}}[${w5m}])`;
  const rules: AlertRule[] = [
    alert({
      name: "PrometheusBadConfig",
      // The gauge is 0 from a refused reload until one succeeds. max_over_time: every sample of the
      // window says so, and a missed scrape cannot end the alert.
      expr: `max_over_time(prometheus_config_last_reload_successful{${prometheus}}[${w5m}]) == 0`,
      for: timing.duration("10m"),
      severity: "warning",
      summary: `${self} refuses its new configuration`,
      description: `${self} has failed to reload its configuration for 10 minutes. It keeps running the last configuration it accepted, without the change to prometheus.yml or the rule files; restarted now, it would not start.`,
    }),
    alert({
      name: "PrometheusRuleFailures",
      // A rule that fails to evaluate records nothing and cannot fire: as blind as a target down,
      // so it pages. A brief label clash (old and new series of a renamed pod, until the old go
      // stale) fails a rule for a few minutes; the `for` rides it out.
      expr: `increase(prometheus_rule_evaluation_failures_total{${prometheus}}[${w5m}]) > 0`,
      for: timing.duration("15m"),
      severity: "critical",
      summary: `${self} fails to evaluate rules of {{ $labels.rule_group }}`,
      description: `${self} failed {{ printf "%.0f" $value }} rule evaluations of the group {{ $labels.rule_group }} in the last 5 minutes, and has kept failing for 15 minutes: the failing rules record nothing and their alerts cannot fire.`,
    }),
    alert({
      name: "PrometheusMissingRuleEvaluations",
      expr: `increase(prometheus_rule_group_iterations_missed_total{${prometheus}}[${w5m}]) > 0`,
      for: timing.duration("15m"),
      severity: "warning",
      summary: `${self} skips evaluations of {{ $labels.rule_group }}`,
      description: `${self} skipped {{ printf "%.0f" $value }} evaluations of the rule group {{ $labels.rule_group }} in the last 5 minutes, and has kept skipping them for 15 minutes: the group takes longer than its interval, so its alerts fire late and its recordings have gaps.`,
    }),
    alert({
      name: "PrometheusNotificationQueueRunningFull",
      // 3.x keeps one queue per Alertmanager (labelled alertmanager), 2.42 a single one; each holds
      // up to queue_capacity. `ignoring (alertmanager)` compares either with the capacity. A full
      // queue drops its oldest alerts. The 30 minutes ahead are real time, never scaled.
      expr: promql`
        predict_linear(prometheus_notifications_queue_length{${prometheus}}[${w5m}], 1800)
        > ignoring (alertmanager) group_left
        prometheus_notifications_queue_capacity{${prometheus}}`,
      for: timing.duration("15m"),
      severity: "warning",
      summary: `${self}'s alert queue is filling up`,
      description: `The alert queue of ${self}{{ with $labels.alertmanager }} for {{ . }}{{ end }} has been growing for 15 minutes: at its pace over the last 5 minutes it will hold {{ $value | humanize }} alerts in 30 minutes, more than it can. Once full, it drops its oldest alerts.`,
    }),
    alert({
      name: "PrometheusErrorSendingAlertsToAnyAlertmanager",
      // The share of alerts each Alertmanager did not get, and its least failing one: alerts that
      // reach none of them are lost, so this pages. 3.13 counts failed and delivered alerts, so
      // errors / (errors + sent) is that share; 2.42 counts failed sends and attempted alerts, which
      // reads lower (1 / (1 + n) for a failing batch of n alerts), above 3% still when every send
      // fails in batches under 32 alerts (the local stack's are one or a few). When every send fails this alert
      // cannot be delivered either (the heartbeat receiver then misses the Watchdog): what it
      // catches is alerts lost on and off, which nothing else would show.
      expr: promql`
        min without (alertmanager) (
          ${notifications("errors")}
          /
          (
            ${notifications("errors")}
            +
            ${notifications("sent")}
          )
        ) > 0.03`,
      for: timing.duration("10m"),
      severity: "critical",
      summary: `${self} fails to send alerts to every Alertmanager`,
      description: `Every Alertmanager failed to receive at least {{ $value | humanizePercentage }} of the alerts ${self} sent it over the last 5 minutes, for 10 minutes now (alert above 3%): an alert none of them received reaches no one.`,
    }),
    alert({
      name: "PrometheusNotConnectedToAlertmanagers",
      // No Alertmanager: no alert, this one included, reaches anyone. It still shows on Prometheus'
      // alerts page and in ALERTS, and the heartbeat receiver misses the Watchdog.
      expr: `max_over_time(prometheus_notifications_alertmanagers_discovered{${prometheus}}[${w5m}]) < 1`,
      for: timing.duration("10m"),
      severity: "critical",
      summary: `${self} has no Alertmanager to send alerts to`,
      description: `${self} has found no Alertmanager for 10 minutes: no alert it raises reaches anyone, this one included.`,
    }),
    // Compactions and block reloads are retried every minute while they fail. A failure that the next
    // attempt fixes stays in the hour's window for an hour, less than the 2h `for`.
    alert({
      name: "PrometheusTSDBCompactionsFailing",
      expr: `increase(prometheus_tsdb_compactions_failed_total{${prometheus}}[${timing.window("1h")}]) > 0`,
      for: timing.duration("2h"),
      severity: "warning",
      summary: `${self} fails to compact its storage`,
      description: `${self} failed {{ printf "%.0f" $value }} compactions in the last hour, and has kept failing for 2 hours: until compaction works again its in-memory head and its blocks pile up, and with them memory use, disk use and the time a restart takes.`,
    }),
    alert({
      name: "PrometheusTSDBReloadsFailing",
      expr: `increase(prometheus_tsdb_reloads_failures_total{${prometheus}}[${timing.window("1h")}]) > 0`,
      for: timing.duration("2h"),
      severity: "warning",
      summary: `${self} fails to load its storage blocks`,
      description: `${self} failed to reload its blocks from disk {{ printf "%.0f" $value }} times in the last hour, and has kept failing for 2 hours: a block on disk cannot be read, so queries miss its data and old blocks may no longer be deleted.`,
    }),
    alert({
      name: "PrometheusTargetSyncFailure",
      // Discovered targets whose labels make no valid target are dropped, so `up` never shows them
      // and TargetDown cannot see them. Failures are counted when the job's targets are synced (on
      // discovery changes), not continuously: the 30-minute window keeps the alert up between syncs.
      expr: `increase(prometheus_target_sync_failed_total{${prometheus}}[${timing.window("30m")}]) > 0`,
      for: timing.duration("5m"),
      severity: "warning",
      summary: `${self} cannot create targets of the job {{ $labels.scrape_job }}`,
      description: `${self} failed to create {{ printf "%.0f" $value }} discovered targets of the job {{ $labels.scrape_job }} in the last 30 minutes: they are not scraped, and no TargetDown can show them.`,
    }),
  ];
  if (config.remoteWrite.length > 0) rules.push(...remoteWriteRules(config, timing));
  return { name: "prometheus", rules };
}

/** Only when prometheus.yml has remote_write queues: without them these metrics do not exist. */
function remoteWriteRules(config: StackConfig, timing: Timing): AlertRule[] {
  const w5m = timing.window("5m");
  const queue = "{{ $labels.remote_name }} ({{ $labels.url }})";
  return [
    alertRule(config, {
      name: "PrometheusRemoteStorageFailures",
      // samples_total counts every sample of every send attempt, failed and retried ones too; failed
      // counts those the receiver refused for good (retryable errors are retried, not failed).
      expr: promql`
        rate(prometheus_remote_storage_samples_failed_total{${prometheus}}[${w5m}])
        /
        rate(prometheus_remote_storage_samples_total{${prometheus}}[${w5m}])
        > 0.01`,
      for: timing.duration("15m"),
      severity: "warning",
      summary: `${self} loses samples it writes to ${queue}`,
      description: `The remote storage ${queue} refused {{ $value | humanizePercentage }} of the samples ${self} sent it over the last 5 minutes, for 15 minutes now (alert above 1%): they are missing there for good. Alerting is not affected.`,
    }),
    alertRule(config, {
      name: "PrometheusRemoteWriteBehind",
      // Per queue: the newest sample queued against the newest one delivered. 3.x has both per queue
      // (storage/remote/queue_manager.go@v3.13.2); 2.42, which the local stack runs, has only the
      // process-wide newest sample (prometheus_remote_storage_highest_timestamp_in_seconds,
      // storage/remote/write.go@v2.42.0, still served but deprecated in 3.13), taken when the first
      // is missing. Before anything is delivered the second is 0, and the lag reads as the whole
      // timestamp. The 2 minutes pass through the Timing like the `for`: locally a 2-minute lag is a
      // simulated one, and the local queue sends at least every second (src/local/parts/receiver.ts).
      expr: promql`
        (
          max_over_time(prometheus_remote_storage_queue_highest_timestamp_seconds{${prometheus}}[${w5m}])
          -
          max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${prometheus}}[${w5m}])
        or
          max_over_time(prometheus_remote_storage_highest_timestamp_in_seconds{${prometheus}}[${w5m}])
          - ignoring (remote_name, url) group_right
          max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${prometheus}}[${w5m}])
        )
        > ${durationMs(timing.duration("2m")) / 1000}`,
      for: timing.duration("15m"),
      severity: "warning",
      summary: `${self}'s remote write to ${queue} is falling behind`,
      description: `${self} has been more than 2 minutes behind in writing to ${queue} for 15 minutes: the newest sample delivered is {{ $value | humanizeDuration }} older than the newest one queued. If it falls behind further than the WAL keeps, samples are lost. Alerting is not affected.`,
    }),
  ];
}
