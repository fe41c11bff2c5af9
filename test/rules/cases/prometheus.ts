// The prometheus group: Prometheus' own /metrics as v3.13 serves them (test/fixtures/exporters/prometheus.prom),
// with the prometheus job's target labels.
import { REMOTE_WRITE } from "../config.ts";
import { prometheusTarget } from "../exporters.ts";
import {
  counter,
  counterSegments,
  type ExpectedAlert,
  fires,
  type Labels,
  quiet,
  type RuleCase,
  segments,
  series,
  span,
} from "../promtool.ts";

const prom = (name: string, labels: Labels, values: string) =>
  series(name, { ...prometheusTarget, ...labels }, values);

const SELF = "Prometheus monitoring/prometheus-0";
const AM = [0, 1].map(
  (i) => `http://alertmanager-${i}.alertmanager-headless.monitoring.svc:9093/api/v2/alerts`,
);
const ruleGroup = (group: string, file = group) => `/etc/prometheus/rules/${file}.yaml;${group}`;
const queue = { remote_name: REMOTE_WRITE.name, url: REMOTE_WRITE.url };
const queueName = `${REMOTE_WRITE.name} (${REMOTE_WRITE.url})`;

const expected = (severity: string, extra: Labels, summary: string, description: string): ExpectedAlert => ({
  labels: { ...prometheusTarget, ...extra, severity },
  annotations: { summary, description },
});

const badConfig = expected(
  "warning",
  {},
  `${SELF} refuses its new configuration`,
  `${SELF} has failed to reload its configuration for 10 minutes. It keeps running the last configuration it accepted, without the change to prometheus.yml or the rule files; restarted now, it would not start.`,
);

const ruleFailures = (group: string, count: string) =>
  expected(
    "critical",
    { rule_group: group },
    `${SELF} fails to evaluate rules of ${group}`,
    `${SELF} failed ${count} rule evaluations of the group ${group} in the last 5 minutes, and has kept failing for 15 minutes: the failing rules record nothing and their alerts cannot fire.`,
  );

const missedEvaluations = (group: string, count: string) =>
  expected(
    "warning",
    { rule_group: group },
    `${SELF} skips evaluations of ${group}`,
    `${SELF} skipped ${count} evaluations of the rule group ${group} in the last 5 minutes, and has kept skipping them for 15 minutes: the group takes longer than its interval, so its alerts fire late and its recordings have gaps.`,
  );

/** Every rule group's counter: 0 throughout, but `group`'s, which takes `values`. */
const GROUPS = [
  ruleGroup("pods"),
  ruleGroup("targets"),
  ruleGroup("kubernetes-cluster.recording", "recording"),
];
const perGroup = (name: string, group: string, values: string, samples: number) =>
  GROUPS.map((g) => prom(name, { rule_group: g }, g === group ? values : segments([0, samples])));

/** Alerts sent to each Alertmanager, per sample: [failed, delivered] (3.13 counts both in alerts). */
function notifications(perAlertmanager: [number, number][], samples: number) {
  return perAlertmanager.flatMap(([failed, delivered], index) => [
    prom(
      "prometheus_notifications_errors_total",
      { alertmanager: AM[index] as string },
      counter(failed, samples),
    ),
    prom(
      "prometheus_notifications_sent_total",
      { alertmanager: AM[index] as string },
      counter(delivered, samples),
    ),
  ]);
}

const queueLength = (values: [string, string]) =>
  values.map((v, index) =>
    prom("prometheus_notifications_queue_length", { alertmanager: AM[index] as string }, v),
  );
const queueCapacity = (samples: number) =>
  prom("prometheus_notifications_queue_capacity", {}, segments([10000, samples]));

const T = 1795830000;

export const prometheusCases: RuleCase[] = [
  {
    name: "a configuration refused for 10 minutes fires PrometheusBadConfig",
    series: [prom("prometheus_config_last_reload_successful", {}, segments([1, 10], [0, span(25)]))],
    // 0 from 5m: the whole 5-minute window reads 0 from 10m, and 10 minutes later it fires.
    checks: [...quiet("18m", "PrometheusBadConfig"), fires("21m", "PrometheusBadConfig", badConfig)],
  },
  {
    name: "a refused configuration corrected within 10 minutes does not fire",
    series: [prom("prometheus_config_last_reload_successful", {}, segments([1, 10], [0, 16], [1, span(20)]))],
    checks: [...quiet("16m", "PrometheusBadConfig"), ...quiet("22m", "PrometheusBadConfig")],
  },
  {
    name: "a rule failing at every evaluation for 15 minutes fires PrometheusRuleFailures",
    series: perGroup(
      "prometheus_rule_evaluation_failures_total",
      ruleGroup("pods"),
      counterSegments([0, 10], [1, span(25)]),
      span(30),
    ),
    checks: [
      ...quiet("19m", "PrometheusRuleFailures"),
      fires("22m", "PrometheusRuleFailures", ruleFailures(ruleGroup("pods"), "10")),
    ],
  },
  {
    name: "a rule failing once (a label clash while a pod is replaced) does not page",
    series: perGroup(
      "prometheus_rule_evaluation_failures_total",
      ruleGroup("pods"),
      segments([0, 10], [1, span(25)]),
      span(30),
    ),
    checks: [...quiet("7m", "PrometheusRuleFailures"), ...quiet("16m", "PrometheusRuleFailures")],
  },
  {
    name: "a rule group skipping an evaluation every minute for 15 minutes fires PrometheusMissingRuleEvaluations",
    interval: "1m",
    series: perGroup(
      "prometheus_rule_group_iterations_missed_total",
      ruleGroup("kubernetes-cluster.recording", "recording"),
      counterSegments([0, 5], [1, 26]),
      31,
    ),
    checks: [
      ...quiet("19m", "PrometheusMissingRuleEvaluations"),
      fires(
        "22m",
        "PrometheusMissingRuleEvaluations",
        missedEvaluations(ruleGroup("kubernetes-cluster.recording", "recording"), "5"),
      ),
    ],
  },
  {
    name: "rule groups that keep to their interval raise nothing",
    series: [
      ...perGroup("prometheus_rule_group_iterations_missed_total", "", "", span(30)),
      ...perGroup("prometheus_rule_evaluation_failures_total", "", "", span(30)),
    ],
    checks: quiet("25m", "PrometheusMissingRuleEvaluations", "PrometheusRuleFailures"),
  },
  {
    name: "an alert queue growing towards its capacity fires PrometheusNotificationQueueRunningFull",
    // Alertmanager 0's queue grows by 150 alerts every 30s from 5m: 5 alerts a second, 9000 more in
    // 30 minutes, past the 10000 it holds once it holds 1000.
    series: [
      queueLength([counterSegments([0, 10], [150, span(25)]), segments([0, span(30)])]),
      queueCapacity(span(30)),
    ].flat(),
    checks: [
      ...quiet("20m", "PrometheusNotificationQueueRunningFull"),
      fires(
        "27m",
        "PrometheusNotificationQueueRunningFull",
        expected(
          "warning",
          { alertmanager: AM[0] as string },
          `${SELF}'s alert queue is filling up`,
          `The alert queue of ${SELF} for ${AM[0]} has been growing for 15 minutes: at its pace over the last 5 minutes it will hold 15.75k alerts in 30 minutes, more than it can. Once full, it drops its oldest alerts.`,
        ),
      ),
    ],
  },
  {
    name: "a burst of alerts drained within minutes does not fire",
    series: [
      queueLength([
        segments([0, 10], [2500, 1], [5000, 2], [2500, 1], [0, span(20)]),
        segments([0, span(30)]),
      ]),
      queueCapacity(span(30)),
    ].flat(),
    checks: [
      ...quiet("8m", "PrometheusNotificationQueueRunningFull"),
      ...quiet("22m", "PrometheusNotificationQueueRunningFull"),
    ],
  },
  {
    name: "every Alertmanager missing some alerts for 10 minutes fires PrometheusErrorSendingAlertsToAnyAlertmanager",
    // 10% of the alerts fail to reach Alertmanager 0, 20% to reach Alertmanager 1.
    series: notifications(
      [
        [1, 9],
        [2, 8],
      ],
      span(20),
    ),
    checks: [
      ...quiet("9m", "PrometheusErrorSendingAlertsToAnyAlertmanager"),
      fires(
        "12m",
        "PrometheusErrorSendingAlertsToAnyAlertmanager",
        expected(
          "critical",
          {},
          `${SELF} fails to send alerts to every Alertmanager`,
          `Every Alertmanager failed to receive at least 10% of the alerts ${SELF} sent it over the last 5 minutes, for 10 minutes now (alert above 3%): an alert none of them received reaches no one.`,
        ),
      ),
    ],
  },
  {
    name: "one Alertmanager unreachable while the other receives every alert is no loss",
    series: notifications(
      [
        [0, 4],
        [4, 0],
      ],
      span(20),
    ),
    checks: quiet("15m", "PrometheusErrorSendingAlertsToAnyAlertmanager"),
  },
  {
    name: "no Alertmanager discovered for 10 minutes fires PrometheusNotConnectedToAlertmanagers",
    series: [prom("prometheus_notifications_alertmanagers_discovered", {}, segments([2, 10], [0, span(25)]))],
    checks: [
      ...quiet("18m", "PrometheusNotConnectedToAlertmanagers"),
      fires(
        "21m",
        "PrometheusNotConnectedToAlertmanagers",
        expected(
          "critical",
          {},
          `${SELF} has no Alertmanager to send alerts to`,
          `${SELF} has found no Alertmanager for 10 minutes: no alert it raises reaches anyone, this one included.`,
        ),
      ),
    ],
  },
  {
    name: "Alertmanagers briefly undiscovered while their pods are replaced do not fire",
    series: [
      prom(
        "prometheus_notifications_alertmanagers_discovered",
        {},
        segments([2, 10], [1, 4], [0, 2], [2, span(20)]),
      ),
    ],
    checks: quiet("20m", "PrometheusNotConnectedToAlertmanagers"),
  },
  {
    name: "compactions failing every minute for 2 hours fire PrometheusTSDBCompactionsFailing",
    interval: "1m",
    series: [prom("prometheus_tsdb_compactions_failed_total", {}, counterSegments([0, 10], [1, 200]))],
    checks: [
      ...quiet("2h", "PrometheusTSDBCompactionsFailing"),
      fires(
        "2h15m",
        "PrometheusTSDBCompactionsFailing",
        expected(
          "warning",
          {},
          `${SELF} fails to compact its storage`,
          `${SELF} failed 60 compactions in the last hour, and has kept failing for 2 hours: until compaction works again its in-memory head and its blocks pile up, and with them memory use, disk use and the time a restart takes.`,
        ),
      ),
    ],
  },
  {
    name: "a compaction that fails once and then succeeds does not fire",
    interval: "1m",
    series: [prom("prometheus_tsdb_compactions_failed_total", {}, segments([0, 10], [1, 200]))],
    checks: [
      ...quiet("30m", "PrometheusTSDBCompactionsFailing"),
      ...quiet("1h5m", "PrometheusTSDBCompactionsFailing"),
    ],
  },
  {
    name: "block reloads failing every minute for 2 hours fire PrometheusTSDBReloadsFailing",
    interval: "1m",
    series: [prom("prometheus_tsdb_reloads_failures_total", {}, counterSegments([0, 10], [1, 200]))],
    checks: [
      ...quiet("2h", "PrometheusTSDBReloadsFailing"),
      fires(
        "2h15m",
        "PrometheusTSDBReloadsFailing",
        expected(
          "warning",
          {},
          `${SELF} fails to load its storage blocks`,
          `${SELF} failed to reload its blocks from disk 60 times in the last hour, and has kept failing for 2 hours: a block on disk cannot be read, so queries miss its data and old blocks may no longer be deleted.`,
        ),
      ),
    ],
  },
  {
    name: "a block reload that fails once does not fire",
    interval: "1m",
    series: [prom("prometheus_tsdb_reloads_failures_total", {}, segments([0, 10], [1, 200]))],
    checks: quiet("1h5m", "PrometheusTSDBReloadsFailing"),
  },
  {
    name: "discovered targets that cannot be created fire PrometheusTargetSyncFailure until 30 minutes after the last sync",
    // Two targets of kubernetes-pods fail at the sync at 10m; no sync follows.
    series: ["kubernetes-pods", "kube-state-metrics", "prometheus"].map((job) =>
      prom(
        "prometheus_target_sync_failed_total",
        { scrape_job: job },
        job === "kubernetes-pods" ? segments([0, 20], [2, span(40)]) : segments([0, span(50)]),
      ),
    ),
    checks: [
      ...quiet("13m", "PrometheusTargetSyncFailure"),
      fires(
        "20m",
        "PrometheusTargetSyncFailure",
        expected(
          "warning",
          { scrape_job: "kubernetes-pods" },
          `${SELF} cannot create targets of the job kubernetes-pods`,
          `${SELF} failed to create 2 discovered targets of the job kubernetes-pods in the last 30 minutes: they are not scraped, and no TargetDown can show them.`,
        ),
      ),
      ...quiet("45m", "PrometheusTargetSyncFailure"),
    ],
  },
  {
    name: "remote storage refusing 2% of the samples for 15 minutes fires PrometheusRemoteStorageFailures",
    series: [
      prom("prometheus_remote_storage_samples_total", queue, counter(3000, span(25))),
      prom("prometheus_remote_storage_samples_failed_total", queue, counter(60, span(25))),
      prom("prometheus_remote_storage_samples_retried_total", queue, segments([0, span(25)])),
    ],
    checks: [
      ...quiet("14m", "PrometheusRemoteStorageFailures"),
      fires(
        "17m",
        "PrometheusRemoteStorageFailures",
        expected(
          "warning",
          queue,
          `${SELF} loses samples it writes to ${queueName}`,
          `The remote storage ${queueName} refused 2% of the samples ${SELF} sent it over the last 5 minutes, for 15 minutes now (alert above 1%): they are missing there for good. Alerting is not affected.`,
        ),
      ),
    ],
  },
  {
    name: "samples retried after recoverable errors are not lost",
    series: [
      prom("prometheus_remote_storage_samples_total", queue, counter(3000, span(25))),
      prom("prometheus_remote_storage_samples_failed_total", queue, segments([0, span(25)])),
      prom("prometheus_remote_storage_samples_retried_total", queue, counter(600, span(25))),
    ],
    checks: quiet("20m", "PrometheusRemoteStorageFailures"),
  },
  {
    name: "remote write stuck since 5m fires PrometheusRemoteWriteBehind",
    series: [
      prom("prometheus_remote_storage_queue_highest_timestamp_seconds", queue, counter(30, span(30), T)),
      prom(
        "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
        queue,
        `${counter(30, 10, T - 5)} ${segments([T + 265, span(25)])}`,
      ),
    ],
    checks: [
      ...quiet("20m", "PrometheusRemoteWriteBehind"),
      fires(
        "25m",
        "PrometheusRemoteWriteBehind",
        expected(
          "warning",
          queue,
          `${SELF}'s remote write to ${queueName} is falling behind`,
          `${SELF} has been more than 2 minutes behind in writing to ${queueName} for 15 minutes: the newest sample delivered is 20m 35s older than the newest one queued. If it falls behind further than the WAL keeps, samples are lost. Alerting is not affected.`,
        ),
      ),
    ],
  },
  {
    name: "remote write a few seconds behind, as batching keeps it, does not fire",
    series: [
      prom("prometheus_remote_storage_queue_highest_timestamp_seconds", queue, counter(30, span(30), T)),
      prom(
        "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
        queue,
        counter(30, span(30), T - 5),
      ),
    ],
    checks: quiet("25m", "PrometheusRemoteWriteBehind"),
  },
];
