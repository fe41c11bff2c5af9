// The verdict from fixture API answers: a healthy cluster where every series is there, then one
// thing broken at a time (a job down, a label dropped, a recorded series' input gone, a rule failing,
// the Watchdog lost), each naming what is blind and why.
import { describe, expect, it } from "vitest";
import { groupingLabelsOf } from "../../src/catalog/promql.ts";
import { cluster } from "../../src/deployment.ts";
import { type LiveAnswers, type LiveTarget, labelKey } from "../../src/verify/answers.ts";
import { assess } from "../../src/verify/assess.ts";
import { verifyPlan } from "../../src/verify/plan.ts";
import { textReport } from "../../src/verify/report.ts";
import { testConfig } from "../helpers/config.ts";

const plan = verifyPlan(testConfig(), cluster);
const allNeeds = [...plan.alerts.flatMap((alert) => alert.needs), ...[...plan.recordings.values()].flat()];

/** Answers of a cluster where every job is up and serves every series, with every label. */
function healthyAnswers(): LiveAnswers {
  const targets: LiveTarget[] = plan.jobs.map(({ job }) => ({
    job,
    health: "up",
    lastError: "",
    scrapeUrl: `http://${job}:9100/metrics`,
  }));
  const seriesByJob = new Map<string, Record<string, number>>();
  const seriesWithLabel = new Map<string, number>();
  for (const need of allNeeds) {
    const jobs = need.jobs.length > 0 ? need.jobs : [""];
    seriesByJob.set(need.query, Object.fromEntries(jobs.map((job) => [job, 3])));
    for (const label of need.labels) seriesWithLabel.set(labelKey(need.query, label), 3);
  }
  return {
    prometheusUrl: "http://prometheus:9090",
    targets,
    groups: plan.groups.map((group) => ({
      name: group.name,
      file: `/etc/prometheus/rules/${group.file}`,
      rules: Array.from({ length: group.rules }, (_, index) => ({ name: `rule-${index}`, health: "ok" })),
    })),
    alerts: [{ alertname: "Watchdog", state: "firing" }],
    seriesByJob,
    seriesWithLabel,
    alertmanagers: ["http://alertmanager-0:9093", "http://alertmanager-1:9093"].map((url) => ({
      url,
      watchdog: true,
      receivers: [...plan.receivers],
      integrations: [{ integration: "webhook", sent: 4, failed: 0 }],
    })),
  };
}

const verdictOf = (answers: LiveAnswers, title: string) =>
  assess(plan, answers).alerts.find((alert) => alert.title === title);

/** Removes every series of a metric from a job (or everywhere). */
function withoutSeries(answers: LiveAnswers, metric: string, job?: string): LiveAnswers {
  for (const need of allNeeds.filter((candidate) => candidate.metric === metric)) {
    const counts = { ...answers.seriesByJob.get(need.query) };
    for (const key of Object.keys(counts)) if (job === undefined || key === job) delete counts[key];
    answers.seriesByJob.set(need.query, counts);
  }
  return answers;
}

describe("verify's assessment", () => {
  it("finds every alert able to fire when every series is there", () => {
    const assessment = assess(plan, healthyAnswers());
    expect(assessment.alerts.filter((alert) => alert.verdict !== "can fire")).toEqual([]);
    expect(assessment.ok).toBe(true);
    expect(textReport(assessment)).toMatch(
      /^OK · (\d+)\/\1 alerts can fire · targets, rules and alert path work$/m,
    );
  });

  it("names the alerts a down job blinds, with its scrape error verbatim", () => {
    const answers = healthyAnswers();
    const error = "server returned HTTP status 503 Service Unavailable";
    answers.targets = answers.targets.map((target) =>
      target.job === "kube-state-metrics" ? { ...target, health: "down", lastError: error } : target,
    );
    for (const need of allNeeds.filter((candidate) => candidate.jobs.includes("kube-state-metrics"))) {
      withoutSeries(answers, need.metric, "kube-state-metrics");
    }
    const assessment = assess(plan, answers);
    const podNotReady = assessment.alerts.find((alert) => alert.alert === "PodNotReady");
    expect(podNotReady?.verdict).toBe("blind");
    expect(
      podNotReady?.findings.map((finding) => [finding.metric, finding.job?.state, finding.job?.errors]),
    ).toContainEqual(["kube_pod_status_phase", "down", [error]]);
    expect(verdictOf(answers, "ServiceDown")?.verdict).toBe("can fire");
    expect(assessment.ok).toBe(false);
    expect(assessment.targets.lines).toEqual([`kube-state-metrics: 0/1 targets up\n    ${error}`]);
    expect(textReport(assessment)).toContain(`kube-state-metrics is down: ${error}`);
  });

  it("names a label the expression groups or joins on that the series lack", () => {
    const answers = healthyAnswers();
    const need = allNeeds.find(
      (candidate) => candidate.metric === "kube_pod_info" && candidate.labels.includes("node"),
    );
    expect(need).toBeDefined();
    answers.seriesWithLabel.set(labelKey(need?.query ?? "", "node"), 0);
    const blind = assess(plan, answers).alerts.filter((alert) => alert.verdict === "blind");
    expect(blind.length).toBeGreaterThan(0);
    for (const alert of blind) {
      expect(alert.findings).toContainEqual(
        expect.objectContaining({ metric: "kube_pod_info", problem: "label", label: "node" }),
      );
    }
  });

  it("lets a metric present only on condition be absent while its job is up, not while it is down", () => {
    const answers = withoutSeries(healthyAnswers(), "kube_pod_container_status_waiting_reason");
    expect(verdictOf(answers, "PodCrashLooping")?.verdict).toBe("can fire");
    answers.targets = answers.targets.map((target) =>
      target.job === "kube-state-metrics" ? { ...target, health: "down", lastError: "timeout" } : target,
    );
    expect(verdictOf(answers, "PodCrashLooping")?.verdict).toBe("blind");
  });

  it("traces an absent recorded series to the raw series and job behind it", () => {
    // A recorded series an alert reads whose recording rule reads a scraped metric.
    const recorded = plan.alerts
      .flatMap((alert) => alert.needs)
      .find(
        (need) =>
          need.recorded &&
          (plan.recordings.get(need.metric) ?? []).some((input) => !input.recorded && input.jobs.length > 0),
      );
    expect(recorded).toBeDefined();
    const record = recorded?.metric ?? "";
    const input = (plan.recordings.get(record) ?? []).find((need) => need.jobs.length > 0 && !need.recorded);
    const answers = withoutSeries(withoutSeries(healthyAnswers(), record), input?.metric ?? "");
    const alert = assess(plan, answers).alerts.find(
      (candidate) =>
        candidate.alert !== "TargetDown" && candidate.findings.some((finding) => finding.via === record),
    );
    expect(alert?.verdict).toBe("blind");
    expect(alert?.findings).toContainEqual(
      expect.objectContaining({ metric: input?.metric, via: record, problem: "absent" }),
    );
  });

  it("fails the rules on a missing group, a wrong rule count and a rule in error", () => {
    const answers = healthyAnswers();
    const [first, second, third] = answers.groups;
    answers.groups = [
      { ...(second as (typeof answers.groups)[number]), rules: [{ name: "X", health: "ok" }] },
      {
        ...(third as (typeof answers.groups)[number]),
        rules: (third?.rules ?? []).map((rule) => ({
          ...rule,
          health: "err",
          lastError: "many-to-many matching not allowed",
        })),
      },
      ...answers.groups.slice(3),
      { name: "receiver.recording", file: "extra.yaml", rules: [] },
    ];
    const rules = assess(plan, answers).rules;
    expect(rules.ok).toBe(false);
    expect(rules.lines).toContain(`${first?.name} (${plan.groups[0]?.file}): not loaded`);
    expect(rules.lines).toContain(`${second?.name}: 1 rules loaded, ${plan.groups[1]?.rules} expected`);
    expect(rules.lines.filter((line) => line.endsWith(": many-to-many matching not allowed"))).toHaveLength(
      third?.rules.length ?? -1,
    );
  });

  it("fails the alert path when the Watchdog does not reach an Alertmanager or a receiver is missing", () => {
    const answers = healthyAnswers();
    const [first, second] = answers.alertmanagers;
    answers.alertmanagers = [
      { ...(first as (typeof answers.alertmanagers)[number]), watchdog: false },
      {
        ...(second as (typeof answers.alertmanagers)[number]),
        receivers: ["default"],
        integrations: [{ integration: "slack", sent: 5, failed: 2 }],
      },
    ];
    const path = assess(plan, answers).alertPath;
    expect(path.ok).toBe(false);
    expect(path.lines).toContain("Watchdog has not reached http://alertmanager-0:9093");
    expect(path.lines).toContain(
      `http://alertmanager-1:9093 has no receiver ${plan.receivers.filter((name) => name !== "default").join(", ")}`,
    );
    expect(path.lines).toContain(
      "http://alertmanager-1:9093: slack: 2 of 5 notifications failed since it started",
    );
  });
});

describe("groupingLabelsOf", () => {
  it("gives each selector the by, on and group_left labels around it", () => {
    expect(
      groupingLabelsOf(
        "sum by (namespace, pod) (rate(a[5m])) / on (namespace) group_left (node) max without (x) (b) unless ignoring (y) c",
      ),
    ).toEqual([["namespace", "pod"], ["namespace", "node"], []]);
  });
});
