// Recording rules and ErrorBudgetBurn for every SLO: multi-window, multi-burn-rate alerting as the
// SRE workbook ("Alerting on SLOs") describes it.
//
// Cost: only the 5-minute rates read the raw series (every pod, route and status code); each longer
// window sums those recorded rates over time (sum_over_time of errors / sum_over_time of events, so
// busy minutes weigh more than quiet ones, as in a ratio of counts). A 30-day window then reads two
// series of one sample per evaluation, not 30 days of every pod's histogram: with 3,000 pods the
// raw-series form would read billions of samples at each evaluation.
//
// Windows pass through Timing like every other range; the names keep the cluster windows, so the
// dashboard reads the same series on the local stack.
import { durationMs, formatDuration } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql, type Severity } from "../rules/alert.ts";
import type { Timing } from "../rules/timing.ts";
import type { AlertRule, RecordingRule, RuleGroup } from "../rules/types.ts";
import { sliRates } from "./indicators.ts";
import { errorBudget, type ResolvedSlo, sloList } from "./list.ts";

/** The windows an error ratio is recorded over: every window a burn-rate alert reads. */
export const SLO_RATIO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloRatioWindow = (typeof SLO_RATIO_WINDOWS)[number];

/** Every series the SLO rules record, labelled service, slo (and namespace where the service has one). */
export const sloRecorded = {
  /** Failed events per second over 5 minutes, from the raw series. */
  errorRate: "slo:sli_errors:rate5m",
  /** All events per second over 5 minutes, from the raw series. */
  eventRate: "slo:sli_events:rate5m",
  /** Failed share of events over one of SLO_RATIO_WINDOWS. */
  errorRatio: (window: SloRatioWindow) => `slo:sli_error:ratio_rate${window}`,
  /** Failed share of events over the SLO's own window (30d unless configured). */
  windowErrorRatio: "slo:sli_error:ratio_window",
  /** The objective as a ratio (0.999). */
  objective: "slo:objective:ratio",
  /** The share of events allowed to fail: 1 - objective. */
  errorBudget: "slo:error_budget:ratio",
  /** The SLO's window in seconds, as the rules run it. */
  windowSeconds: "slo:window:seconds",
  /** The share of the window's error budget not spent yet: 1 - failed share / allowed share (below 0 once overspent). */
  budgetRemaining: "slo:error_budget_remaining:ratio",
  /** Seconds until the remaining budget is spent at the last hour's burn rate: +Inf with no burn, 0 once spent. */
  budgetExhaustion: "slo:error_budget_exhaustion:seconds",
} as const;

/** Every recorded name, the per-window ratios spelled out. */
export const sloRecordedNames: readonly string[] = [
  sloRecorded.errorRate,
  sloRecorded.eventRate,
  ...SLO_RATIO_WINDOWS.map(sloRecorded.errorRatio),
  sloRecorded.windowErrorRatio,
  sloRecorded.objective,
  sloRecorded.errorBudget,
  sloRecorded.windowSeconds,
  sloRecorded.budgetRemaining,
  sloRecorded.budgetExhaustion,
];

/** One condition of a burn-rate alert: the long window's burn rate above `factor`, confirmed by the short one. */
export interface BurnWindows {
  long: SloRatioWindow;
  short: SloRatioWindow;
  factor: number;
}

/**
 * The SRE workbook's four conditions for a 30-day budget. Critical pages when 2% of the budget goes
 * in an hour or 5% in six hours; the warning is a ticket for 10% in a day or 10% in three days. The
 * short window (1/12 of the long one) makes the alert stop soon after the burn does.
 *
 * `for` is half the first short window, as Pyrra sets it: one odd evaluation (a scrape gap, a
 * restart's counter reset) does not notify, and it adds little to detection: a full outage crosses
 * 14.4× over 1h within 3 minutes, and a burn slow enough for the warning alone takes hours to show
 * over a day, so a ticket can wait an hour more.
 */
export const BURN_RATE_ALERTS: readonly {
  severity: Severity;
  for: string;
  windows: readonly BurnWindows[];
}[] = [
  {
    severity: "critical",
    for: "2m",
    windows: [
      { long: "1h", short: "5m", factor: 14.4 },
      { long: "6h", short: "30m", factor: 6 },
    ],
  },
  {
    severity: "warning",
    for: "1h",
    windows: [
      { long: "1d", short: "2h", factor: 3 },
      { long: "3d", short: "6h", factor: 1 },
    ],
  },
];

export const SLO_ALERT = "ErrorBudgetBurn";

/**
 * Each SLO's rules form a group of their own, evaluated in order: the alerts read what the recording
 * rules above them wrote in the same evaluation, and SLOs evaluate side by side.
 */
export const sloGroupName = (slo: Pick<ResolvedSlo, "service" | "name">): string =>
  `slo/${slo.service}/${slo.name}`;

/** Matchers that pick one SLO's series among all SLOs' (service and name are unique together). */
const sloSelector = (slo: ResolvedSlo) =>
  `{service=${JSON.stringify(slo.service)}, slo=${JSON.stringify(slo.name)}}`;

function sloLabels(slo: ResolvedSlo): Record<string, string> {
  return {
    service: slo.service,
    slo: slo.name,
    ...(slo.namespace !== undefined ? { namespace: slo.namespace } : {}),
  };
}

const seconds = (duration: string) => durationMs(duration) / 1000;

function recordingRulesOf(slo: ResolvedSlo, timing: Timing): RecordingRule[] {
  const labels = sloLabels(slo);
  const rule = (record: string, expr: string): RecordingRule => ({ record, expr, labels });
  const of = (record: string) => `${record}${sloSelector(slo)}`;
  const rates = sliRates(slo, timing.window("5m"));
  // Failed events over all events, both summed over the window's recorded 5-minute rates.
  const overWindow = (window: string) =>
    `sum_over_time(${of(sloRecorded.errorRate)}[${window}])\n/\nsum_over_time(${of(sloRecorded.eventRate)}[${window}])`;
  const budget = errorBudget(slo);
  const windowSeconds = seconds(timing.window(slo.window));
  return [
    rule(sloRecorded.errorRate, rates.errors),
    rule(sloRecorded.eventRate, rates.total),
    // No events at all gives 0/0 = NaN: "no answer", not "no errors".
    rule(sloRecorded.errorRatio("5m"), `${of(sloRecorded.errorRate)} / ${of(sloRecorded.eventRate)}`),
    ...SLO_RATIO_WINDOWS.filter((window) => window !== "5m").map((window) =>
      rule(sloRecorded.errorRatio(window), overWindow(timing.window(window))),
    ),
    rule(sloRecorded.windowErrorRatio, overWindow(timing.window(slo.window))),
    rule(sloRecorded.objective, `vector(${Number((slo.objective / 100).toPrecision(12))})`),
    rule(sloRecorded.errorBudget, `vector(${budget})`),
    rule(sloRecorded.windowSeconds, `vector(${windowSeconds})`),
    rule(sloRecorded.budgetRemaining, `1 - ${of(sloRecorded.windowErrorRatio)} / ${budget}`),
    // Remaining share × window / burn rate; spent is spent (0), whatever burns now.
    rule(
      sloRecorded.budgetExhaustion,
      promql`
        (${of(sloRecorded.budgetRemaining)} > 0) * ${of(sloRecorded.windowSeconds)}
        / (${of(sloRecorded.errorRatio("1h"))} / ${budget})
        or
        clamp(${of(sloRecorded.budgetRemaining)}, 0, 0)`,
    ),
  ];
}

/** "99.9% of api's requests answered without a 5xx", as the alert's description says it. */
function objectiveText(slo: ResolvedSlo): string {
  const share = `${slo.objective}%`;
  switch (slo.indicator.kind) {
    case "availability":
      return `${share} of ${slo.service}'s requests answered without a 5xx`;
    case "latency":
      return `${share} of ${slo.service}'s requests answered within ${slo.indicator.threshold}`;
    case "ratio":
      return `${share} of ${slo.service}'s events good`;
  }
}

/** "2.1 days": how long a whole budget lasts at a burn rate. */
function lasting(window: string, factor: number): string {
  const days = durationMs(window) / durationMs("1d") / factor;
  if (days >= 1) return `${Number(days.toFixed(1))} days`;
  return formatDuration(Math.round((days * durationMs("1d")) / 60_000) * 60_000);
}

function burnAlert(
  config: StackConfig,
  timing: Timing,
  slo: ResolvedSlo,
  alert: (typeof BURN_RATE_ALERTS)[number],
): AlertRule {
  const budget = errorBudget(slo);
  const of = (record: string) => `${record}${sloSelector(slo)}`;
  const burn = (window: SloRatioWindow) => `${of(sloRecorded.errorRatio(window))} / ${budget}`;
  // The low-traffic guard counts the failed events in the long window: the failure rate recorded at
  // every evaluation, summed over the window and multiplied by the evaluation interval, adds up to
  // them (each failure raises the 5-minute rate by 1/300 for 300 seconds). A window not yet full of
  // data counts only what it holds; scaling an average up to the whole window would not.
  const evaluationSeconds = seconds(timing.duration(config.evaluationInterval));
  const condition = ({ long, short, factor }: BurnWindows) => {
    const parts = [`${burn(long)} > ${factor}`, `${burn(short)} > ${factor}`];
    if (slo.minFailedEvents > 0) {
      parts.push(
        `sum_over_time(${of(sloRecorded.errorRate)}[${timing.window(long)}]) * ${evaluationSeconds} >= ${slo.minFailedEvents}`,
      );
    }
    return `(\n  ${parts.join("\n  and\n  ")}\n)`;
  };
  const windows = alert.windows
    .map(({ long, short, factor }) => `above ${factor}× over both the last ${long} and ${short}`)
    .join(", or ");
  const fastest = alert.windows[0];
  const guard =
    slo.minFailedEvents > 0
      ? `, with at least ${slo.minFailedEvents} failed event${slo.minFailedEvents === 1 ? "" : "s"} in the long window`
      : "";
  return alertRule(config, {
    name: SLO_ALERT,
    expr: alert.windows.map(condition).join("\nor\n"),
    for: timing.duration(alert.for),
    severity: alert.severity,
    summary: `${slo.service} burns its ${slo.name} error budget at {{ $value | humanize }}× the sustainable rate`,
    description:
      `The ${slo.name} SLO of ${slo.service} (${objectiveText(slo)} over ${slo.window}) is spending its error budget {{ $value | humanize }} times as fast as the window allows: ${windows}${guard}.` +
      (fastest
        ? ` At ${fastest.factor}× the whole budget lasts ${lasting(slo.window, fastest.factor)}.`
        : ""),
  });
}

/** One group per SLO: its recording rules, then ErrorBudgetBurn, critical (fast burn) then warning (slow burn). */
export function sloRuleGroups(config: StackConfig, timing: Timing): RuleGroup[] {
  return sloList(config).map((slo) => ({
    name: sloGroupName(slo),
    rules: [
      ...recordingRulesOf(slo, timing),
      ...BURN_RATE_ALERTS.map((alert) => burnAlert(config, timing, slo, alert)),
    ],
  }));
}
