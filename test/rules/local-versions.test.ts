// The local stack runs Debian's Prometheus 2.42 and Alertmanager 0.25, older than the pinned images
// the corpus describes. Where their /metrics differ (the headers of test/fixtures/exporters/prometheus.prom
// and alertmanager.prom list how, read by running the Debian binaries), the rules that read them must
// work on both. These cases feed the older shapes; they are not held to the corpus, which is the
// pinned versions' (the same rules' cases in cases/*.ts are).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRuleFiles } from "../helpers/rule-files.ts";
import { tempDir } from "../helpers/system.ts";
import { rulesConfig } from "./config.ts";
import { alertmanagerTarget, prometheusTarget } from "./exporters.ts";
import { counter, fires, type RuleCase, runPromtoolTests, segments, series, span } from "./promtool.ts";

const config = rulesConfig();
const SELF = "Prometheus monitoring/prometheus-0";
const AM = [0, 1].map((i) => `http://127.0.0.1:909${3 + 2 * i}/api/v2/alerts`);

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir("plue-local-versions-");
  writeRuleFiles(dir.path, config);
});
afterAll(() => dir.cleanup());

async function run(ruleFile: string, cases: RuleCase[]) {
  return runPromtoolTests(
    dir.path,
    ruleFile,
    config,
    cases,
    `local-${ruleFile.replace(/\.yaml$/, "")}.test.yaml`,
  );
}

describe("Alertmanager 0.25: alertmanager_notifications_failed_total has no reason label", () => {
  it("AlertmanagerFailedToSendAlerts and AlertmanagerClusterFailedToSendAlerts fire per integration", async () => {
    const notifications = (ordinal: number, integration: string, attempted: number, failed: number) => [
      series(
        "alertmanager_notifications_total",
        { ...alertmanagerTarget(ordinal), integration },
        counter(attempted, span(20)),
      ),
      series(
        "alertmanager_notifications_failed_total",
        { ...alertmanagerTarget(ordinal), integration },
        counter(failed, span(20)),
      ),
    ];
    const result = await run("alertmanager.yaml", [
      {
        name: "both replicas fail half their Slack notifications; webhook works",
        series: [
          ...notifications(0, "slack", 2, 1),
          ...notifications(1, "slack", 2, 1),
          ...notifications(0, "webhook", 2, 0),
        ],
        checks: [
          fires(
            "10m",
            "AlertmanagerFailedToSendAlerts",
            ...[0, 1].map((ordinal) => ({
              labels: { ...alertmanagerTarget(ordinal), integration: "slack", severity: "warning" },
              annotations: {
                summary: `Alertmanager monitoring/alertmanager-${ordinal} fails to send slack notifications`,
                description: `Alertmanager monitoring/alertmanager-${ordinal} failed to deliver 50% of its slack notifications over the last 15 minutes (alert above 1%).`,
              },
            })),
          ),
          fires("10m", "AlertmanagerClusterFailedToSendAlerts", {
            labels: {
              job: "alertmanager",
              namespace: "monitoring",
              service: "alertmanager",
              integration: "slack",
              severity: "critical",
            },
            annotations: {
              summary: "Every Alertmanager of monitoring/alertmanager fails to send slack notifications",
              description:
                "Every Alertmanager of monitoring/alertmanager that sent slack notifications over the last 15 minutes failed to deliver at least 50% of them: what goes only through slack reaches no one.",
            },
          }),
        ],
      },
    ]);
    expect(result.code, result.output).toBe(0);
  });
});

describe("Prometheus 2.42: one unlabelled notification queue, and sends counted in batches", () => {
  it("PrometheusNotificationQueueRunningFull fires on the single queue", async () => {
    const result = await run("prometheus.yaml", [
      {
        name: "the one queue growing towards its capacity",
        series: [
          series(
            "prometheus_notifications_queue_length",
            prometheusTarget,
            `${segments([0, 10])} 150+150x${span(25) - 1}`,
          ),
          series("prometheus_notifications_queue_capacity", prometheusTarget, segments([10000, span(30)])),
        ],
        checks: [
          fires("27m", "PrometheusNotificationQueueRunningFull", {
            labels: { ...prometheusTarget, severity: "warning" },
            annotations: {
              summary: `${SELF}'s alert queue is filling up`,
              description: `The alert queue of ${SELF} has been growing for 15 minutes: at its pace over the last 5 minutes it will hold 15.75k alerts in 30 minutes, more than it can. Once full, it drops its oldest alerts.`,
            },
          }),
        ],
      },
    ]);
    expect(result.code, result.output).toBe(0);
  });

  it("PrometheusErrorSendingAlertsToAnyAlertmanager fires when every send fails", async () => {
    // 2.42 counts a failed send once in errors_total and its alerts in sent_total: every send of one
    // alert failing reads 1 / (1 + 1).
    const result = await run("prometheus.yaml", [
      {
        name: "every send to both Alertmanagers failing, one alert at a time",
        series: AM.flatMap((alertmanager) => [
          series(
            "prometheus_notifications_errors_total",
            { ...prometheusTarget, alertmanager },
            counter(1, span(20)),
          ),
          series(
            "prometheus_notifications_sent_total",
            { ...prometheusTarget, alertmanager },
            counter(1, span(20)),
          ),
        ]),
        checks: [
          fires("12m", "PrometheusErrorSendingAlertsToAnyAlertmanager", {
            labels: { ...prometheusTarget, severity: "critical" },
            annotations: {
              summary: `${SELF} fails to send alerts to every Alertmanager`,
              description: `Every Alertmanager failed to receive at least 50% of the alerts ${SELF} sent it over the last 5 minutes, for 10 minutes now (alert above 3%): an alert none of them received reaches no one.`,
            },
          }),
        ],
      },
    ]);
    expect(result.code, result.output).toBe(0);
  });
});
