// TargetDown: `up` of each job's targets, with the target labels each job attaches
// (src/prometheus/jobs/*.ts). The alerts each description names are spelled out here, not computed:
// what the rules compute is what is under test.
import {
  alertmanagerTarget,
  grafanaTarget,
  ksmTarget,
  type PlueServiceName,
  plueTarget,
} from "../exporters.ts";
import {
  type ExpectedAlert,
  fires,
  type Labels,
  quiet,
  type RuleCase,
  segments,
  series,
  span,
} from "../promtool.ts";

const ALERTS_READING: Record<string, string> = {
  "kube-state-metrics":
    "PodCrashLooping, PodFrequentRestarts, PodNotReady, HighCPUUsage, HighMemoryUsage, CriticalCPUUsage, CriticalMemoryUsage, DeploymentReplicasMismatch, DeploymentGenerationMismatch, NodeNotReady, NodeMemoryPressure, NodeDiskPressure",
  alertmanager:
    "AlertmanagerFailedReload, AlertmanagerFailedToSendAlerts, AlertmanagerClusterFailedToSendAlerts, AlertmanagerMembersInconsistent",
  api: "HighErrorRate, CriticalErrorRate, SlowResponseTime, DatabaseConnectionFailure, ErrorBudgetBurn",
};

const targetDown = (
  labels: Labels,
  percent: string,
  where: string,
  consequence: string,
  severity = "critical",
): ExpectedAlert => ({
  labels: { ...labels, severity },
  annotations: {
    summary: `${percent} of the ${labels.job} targets are down`,
    description: `${percent} of the targets of ${labels.job}${where} have answered fewer than half their scrapes over the last 5 minutes, for 15 minutes now. ${consequence}`,
  },
});

const blind = (job: string) =>
  `Until they answer, these alerts cannot fire for what they watch: ${ALERTS_READING[job]}.`;

const apiReplica = (replica: number, values: string) => series("up", plueTarget("api", replica), values);
const healthy = (samples: number, ...services: PlueServiceName[]) =>
  services.map((service) => series("up", plueTarget(service), segments([1, samples])));

export const targetCases: RuleCase[] = [
  {
    name: "kube-state-metrics down for 15 minutes fires a critical TargetDown naming what goes blind",
    series: [series("up", ksmTarget, segments([1, 10], [0, span(30)])), ...healthy(span(35), "web")],
    checks: [
      ...quiet("20m", "TargetDown"),
      fires(
        "25m",
        "TargetDown",
        targetDown({ job: "kube-state-metrics" }, "100%", "", blind("kube-state-metrics")),
      ),
    ],
  },
  {
    name: "one of two Alertmanagers down for 15 minutes fires a critical TargetDown",
    series: [
      series("up", alertmanagerTarget(0), segments([1, span(35)])),
      series("up", alertmanagerTarget(1), segments([1, 10], [0, span(30)])),
    ],
    checks: [
      ...quiet("20m", "TargetDown"),
      fires(
        "25m",
        "TargetDown",
        targetDown(
          { job: "alertmanager", namespace: "monitoring", service: "alertmanager" },
          "50%",
          " in monitoring (Service alertmanager)",
          blind("alertmanager"),
        ),
      ),
    ],
  },
  {
    name: "one of three api replicas down is not TargetDown",
    series: [
      apiReplica(0, segments([1, span(35)])),
      apiReplica(1, segments([1, span(35)])),
      apiReplica(2, segments([1, 10], [0, span(30)])),
    ],
    checks: quiet("30m", "TargetDown"),
  },
  {
    name: "a target failing two scrapes in three fires TargetDown",
    // The share down at any instant flips between 0 and 1; over 5 minutes it answered a third.
    series: [
      series(
        "up",
        plueTarget("api"),
        `${segments([1, 10])} ${Array.from({ length: 20 }, () => "0 0 1").join(" ")}`,
      ),
    ],
    checks: [
      fires(
        "30m",
        "TargetDown",
        targetDown(
          { job: "api", namespace: "plue", service: "api" },
          "100%",
          " in plue (Service api)",
          blind("api"),
        ),
      ),
    ],
  },
  {
    name: "a job no alert reads from down for 15 minutes fires a warning TargetDown",
    series: [series("up", grafanaTarget, segments([1, 10], [0, span(30)]))],
    checks: [
      fires(
        "25m",
        "TargetDown",
        targetDown(
          { job: "grafana", namespace: "monitoring", service: "grafana" },
          "100%",
          " in monitoring (Service grafana)",
          "No alert reads their metrics: dashboards show gaps until they answer.",
          "warning",
        ),
      ),
    ],
  },
  {
    name: "a target replaced during a rollout, down 2 minutes, does not fire",
    series: [
      // The old pod answers until 5m, fails while it terminates, and leaves discovery at 7m; the new
      // one is discovered at 6m and answers from 7m.
      series("up", ksmTarget, `${segments([1, 10], [0, 4])} stale`),
      series(
        "up",
        { ...ksmTarget, instance: "10.244.1.31:8080" },
        segments(["_", 12], [0, 2], [1, span(20)]),
      ),
    ],
    checks: [...quiet("8m", "TargetDown"), ...quiet("20m", "TargetDown")],
  },
];
