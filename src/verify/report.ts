// The assessment as a person reads it: one line per alert, the cause under each blind one, then the
// targets, rules and alert path, and a one-line summary. And as JSON, for scripts.
import type { Assessment, Finding, JobHealth } from "./assess.ts";

function describeJob(job: JobHealth): string {
  switch (job.state) {
    case "up":
      return `${job.job} is up but does not serve it`;
    case "down":
      return `${job.job} is down: ${job.errors.join("; ") || "its scrapes fail"}`;
    case "unknown":
      return `${job.job} has not been scraped yet`;
    case "absent":
      return `${job.job} has no target (not discovered)`;
    case "not scraped here":
      return `${job.job} is not scraped in this deployment`;
  }
}

function describeFinding(finding: Finding): string {
  const what =
    finding.problem === "absent"
      ? `${finding.metric} has no series${finding.job ? ` from ${finding.job.job}` : ""}`
      : `${finding.metric} has no series with label ${finding.label}`;
  const via = finding.via ? ` (read through ${finding.via})` : "";
  const why =
    finding.problem === "absent"
      ? finding.job
        ? `: ${describeJob(finding.job)}`
        : ": no job provides it (not in the catalog)"
      : "";
  return `${what}${via}${why}`;
}

export function summaryLine(assessment: Assessment): string {
  const count = (verdict: string) => assessment.alerts.filter((alert) => alert.verdict === verdict).length;
  const blind = count("blind");
  const broken = [
    assessment.targets.ok ? "" : "targets",
    assessment.rules.ok ? "" : "rules",
    assessment.alertPath.ok ? "" : "alert path",
  ].filter((part) => part !== "");
  const unscraped = count("not scraped here");
  return [
    assessment.ok ? "OK" : "FAIL",
    `${count("can fire")}/${assessment.alerts.length} alerts can fire`,
    ...(blind > 0 ? [`${blind} blind`] : []),
    ...(unscraped > 0 ? [`${unscraped} not scraped here`] : []),
    broken.length > 0 ? `broken: ${broken.join(", ")}` : "targets, rules and alert path work",
  ].join(" · ");
}

export function textReport(assessment: Assessment): string {
  const width = Math.max(...assessment.alerts.map((alert) => alert.title.length));
  const lines = [`Alerts (deployment: ${assessment.deployment})`];
  for (const alert of assessment.alerts) {
    lines.push(`  ${alert.title.padEnd(width)}  ${alert.verdict}`);
    for (const finding of alert.findings) lines.push(`      ${describeFinding(finding)}`);
    if (alert.verdict === "not scraped here") for (const note of alert.notes) lines.push(`      ${note}`);
  }
  const section = (title: string, check: { ok: boolean; lines: string[] }) => {
    lines.push("", `${title}: ${check.ok ? "ok" : "FAIL"}`);
    for (const line of check.lines) lines.push(`  ${line}`);
  };
  section("Targets", assessment.targets);
  section("Rules", assessment.rules);
  section("Alert path", assessment.alertPath);
  lines.push(
    "",
    "Dashboards: not checked (verify reads Prometheus and Alertmanager only)",
    "",
    summaryLine(assessment),
  );
  return lines.join("\n");
}

export function jsonReport(assessment: Assessment): string {
  return JSON.stringify(
    {
      ok: assessment.ok,
      summary: summaryLine(assessment),
      deployment: assessment.deployment,
      alerts: assessment.alerts.map((alert) => ({
        ...alert,
        findings: alert.findings.map((finding) => ({ ...finding, cause: describeFinding(finding) })),
      })),
      jobs: assessment.jobs,
      targets: assessment.targets,
      rules: assessment.rules,
      alertPath: assessment.alertPath,
      dashboards: "not checked",
    },
    null,
    2,
  );
}
