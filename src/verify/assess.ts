// The verdict on a live deployment: the plan (what the config expects) held against the answers
// (what Prometheus and the Alertmanagers report). An alert is blind when a series it reads is absent
// from a job that should provide it, or lacks a label it groups, joins or templates on; the job's
// target health says why (down, with the scrape error; not discovered; or up without the metric).
import type { LiveAnswers, LiveTarget } from "./answers.ts";
import { labelKey } from "./answers.ts";
import type { SeriesNeed, VerifyPlan } from "./plan.ts";

export type JobState = "up" | "down" | "unknown" | "absent" | "not scraped here";

export interface JobHealth {
  job: string;
  state: JobState;
  targets: number;
  healthy: number;
  /** Each distinct scrape error of its targets, verbatim. */
  errors: string[];
  optional: boolean;
}

/** Why an alert is blind: one series it reads, as a job should provide it. */
export interface Finding {
  metric: string;
  /** "absent": no series from the job; "label": series without a label the alert needs. */
  problem: "absent" | "label";
  label?: string;
  /** The recorded series this raw series feeds, when the alert reads it through a recording rule. */
  via?: string;
  job?: JobHealth;
}

export type AlertVerdict = "can fire" | "blind" | "not scraped here";

export interface AlertResult {
  alert: string;
  title: string;
  group: string;
  verdict: AlertVerdict;
  findings: Finding[];
  /** What is fine but worth knowing: series present only on condition, jobs not scraped here. */
  notes: string[];
}

export interface Check {
  ok: boolean;
  /** One line per problem (or per fact worth showing), readable on its own. */
  lines: string[];
}

export interface Assessment {
  deployment: VerifyPlan["deployment"];
  alerts: AlertResult[];
  jobs: JobHealth[];
  targets: Check;
  rules: Check;
  alertPath: Check;
  ok: boolean;
}

function jobHealth(plan: VerifyPlan, targets: readonly LiveTarget[]): Map<string, JobHealth> {
  const health = new Map<string, JobHealth>();
  for (const { job, optional } of plan.jobs) {
    const own = targets.filter((target) => target.job === job);
    const healthy = own.filter((target) => target.health === "up").length;
    const state: JobState =
      own.length === 0
        ? "absent"
        : healthy > 0
          ? "up"
          : own.every((target) => target.health === "unknown")
            ? "unknown"
            : "down";
    const errors = [...new Set(own.map((target) => target.lastError).filter((error) => error !== ""))];
    health.set(job, { job, state, targets: own.length, healthy, errors, optional });
  }
  for (const job of plan.unscrapedJobs) {
    health.set(job, { job, state: "not scraped here", targets: 0, healthy: 0, errors: [], optional: false });
  }
  return health;
}

export function assess(plan: VerifyPlan, answers: LiveAnswers): Assessment {
  const jobs = jobHealth(plan, answers.targets);
  const unknownJob = (job: string): JobHealth => ({
    job,
    state: "absent",
    targets: 0,
    healthy: 0,
    errors: [],
    optional: false,
  });
  const healthOf = (job: string) => jobs.get(job) ?? unknownJob(job);

  interface NeedOutcome {
    findings: Finding[];
    notes: string[];
    /** Some series of it was found, or it can only be empty here (on condition). */
    satisfied: boolean;
  }

  const traced = new Map<string, NeedOutcome>();
  const assessNeed = (need: SeriesNeed, via: string | undefined): NeedOutcome => {
    const byJob = answers.seriesByJob.get(need.query) ?? {};
    const total = Object.values(byJob).reduce((sum, count) => sum + count, 0);
    const findings: Finding[] = [];
    const notes: string[] = [];
    if (need.recorded) {
      const inputs = traceRecording(need.metric);
      if (total === 0) return inputs;
      // Present, yet perhaps no longer for every job feeding it (one service down): its inputs say.
      findings.push(...inputs.findings);
      notes.push(...inputs.notes.filter((note) => !note.endsWith("its inputs are present")));
    } else if (need.jobs.length === 0) {
      if (total === 0) findings.push({ metric: need.metric, problem: "absent", ...(via ? { via } : {}) });
    } else {
      for (const job of need.jobs) {
        const health = healthOf(job);
        if ((byJob[job] ?? 0) > 0) continue;
        if (health.state === "not scraped here") {
          notes.push(`${need.metric}: job ${job} is not scraped in this deployment`);
        } else if (health.optional && health.state === "absent") {
          notes.push(`${need.metric}: job ${job} has no targets (it scrapes annotated pods, if any)`);
        } else if (need.onCondition && health.state === "up") {
          notes.push(`${need.metric}: present only while its condition holds; ${job} is up`);
        } else if (health.state === "up" && need.jobs.length > 1 && total > 0) {
          // Of several services, one may rightly have none (electric keeps no database pool).
          notes.push(`${need.metric}: ${job} is up and serves none; the alert cannot fire for ${job}`);
        } else {
          findings.push({ metric: need.metric, problem: "absent", job: health, ...(via ? { via } : {}) });
        }
      }
    }
    if (total > 0) {
      for (const label of need.labels) {
        if ((answers.seriesWithLabel.get(labelKey(need.query, label)) ?? 0) > 0) continue;
        const providing = Object.keys(byJob).filter((job) => job !== "")[0];
        findings.push({
          metric: need.metric,
          problem: "label",
          label,
          ...(providing ? { job: healthOf(providing) } : {}),
          ...(via ? { via } : {}),
        });
      }
    }
    const satisfied =
      total > 0 || (findings.length === 0 && notes.some((note) => note.includes("condition")));
    return { findings, notes, satisfied };
  };

  /** A recorded series' own inputs: which raw series, from which job, it lacks. */
  const traceRecording = (record: string): NeedOutcome => {
    const known = traced.get(record);
    if (known) return known;
    traced.set(record, { findings: [], notes: [], satisfied: false }); // a cycle reads nothing more
    const inputs = (plan.recordings.get(record) ?? []).map((need) => assessNeed(need, record));
    const findings = inputs.flatMap((outcome) => outcome.findings);
    const notes = inputs.flatMap((outcome) => outcome.notes);
    // Inputs present and the record still empty: it records only while its condition holds
    // (a rate of 5xx responses when there are none).
    const satisfied = findings.length === 0 && inputs.some((outcome) => outcome.satisfied);
    if (satisfied) notes.push(`${record}: recorded only while its condition holds; its inputs are present`);
    const outcome = { findings, notes, satisfied };
    traced.set(record, outcome);
    return outcome;
  };

  const alerts: AlertResult[] = plan.alerts.map((alert) => {
    const outcomes = alert.needs.map((need) => assessNeed(need, undefined));
    const findings = outcomes.flatMap((outcome) => outcome.findings);
    const notes = [...new Set(outcomes.flatMap((outcome) => outcome.notes))];
    const verdict: AlertVerdict =
      findings.length > 0
        ? "blind"
        : alert.needs.length > 0 && !outcomes.some((outcome) => outcome.satisfied) && notes.length > 0
          ? "not scraped here"
          : "can fire";
    return {
      alert: alert.alert,
      title: alert.title,
      group: alert.group,
      verdict,
      findings: dedupeFindings(findings),
      notes,
    };
  });

  const targets = targetsCheck([...jobs.values()]);
  const rules = rulesCheck(plan, answers);
  const alertPath = alertPathCheck(plan, answers);
  const ok = alerts.every((alert) => alert.verdict !== "blind") && targets.ok && rules.ok && alertPath.ok;
  return { deployment: plan.deployment, alerts, jobs: [...jobs.values()], targets, rules, alertPath, ok };
}

function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.metric} ${finding.problem} ${finding.label ?? ""} ${finding.job?.job ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every job scraped here has at least one healthy target; scrape errors are shown verbatim. */
function targetsCheck(jobs: readonly JobHealth[]): Check {
  const lines: string[] = [];
  let ok = true;
  for (const job of jobs) {
    if (job.state === "not scraped here") continue;
    if (job.state !== "up" && !(job.optional && job.state === "absent")) ok = false;
    if (job.state === "absent" && !job.optional) lines.push(`${job.job}: no target discovered`);
    else if (job.state === "unknown") lines.push(`${job.job}: not scraped yet`);
    else if (job.healthy < job.targets) {
      lines.push(
        `${job.job}: ${job.healthy}/${job.targets} targets up${job.errors.map((e) => `\n    ${e}`).join("")}`,
      );
    }
  }
  return { ok, lines };
}

/** Every rule group loaded with its rules, none of them failing. Extra groups are fine. */
function rulesCheck(plan: VerifyPlan, answers: LiveAnswers): Check {
  const lines: string[] = [];
  for (const group of plan.groups) {
    const loaded = answers.groups.find((candidate) => candidate.name === group.name);
    if (!loaded) {
      lines.push(`${group.name} (${group.file}): not loaded`);
      continue;
    }
    if (loaded.rules.length !== group.rules) {
      lines.push(`${group.name}: ${loaded.rules.length} rules loaded, ${group.rules} expected`);
    }
  }
  for (const group of answers.groups) {
    for (const rule of group.rules) {
      if (rule.health === "err") lines.push(`${group.name}/${rule.name}: ${rule.lastError ?? "error"}`);
    }
  }
  return { ok: lines.length === 0, lines };
}

/**
 * The Watchdog fires in Prometheus and reaches every Alertmanager, whose running config has our
 * receivers. Failed notifications since an Alertmanager started are shown, not held against it: the
 * counters cannot say whether the failure is over.
 */
function alertPathCheck(plan: VerifyPlan, answers: LiveAnswers): Check {
  const problems: string[] = [];
  const facts: string[] = [];
  const watchdog = answers.alerts.find((alert) => alert.alertname === "Watchdog");
  if (watchdog?.state !== "firing") {
    problems.push(
      `Watchdog is ${watchdog ? watchdog.state : "not active"} in Prometheus ${answers.prometheusUrl}`,
    );
  }
  for (const alertmanager of answers.alertmanagers) {
    if (!alertmanager.watchdog) problems.push(`Watchdog has not reached ${alertmanager.url}`);
    const missing = plan.receivers.filter((name) => !alertmanager.receivers.includes(name));
    if (missing.length > 0) problems.push(`${alertmanager.url} has no receiver ${missing.join(", ")}`);
    for (const { integration, sent, failed } of alertmanager.integrations) {
      if (failed > 0)
        facts.push(
          `${alertmanager.url}: ${integration}: ${failed} of ${sent} notifications failed since it started`,
        );
    }
  }
  return { ok: problems.length === 0, lines: [...problems, ...facts] };
}
