// "Plue - SLOs": each service level objective, how much of its error budget is left, how fast it
// burns over every window ErrorBudgetBurn reads, and when the budget runs out at the current pace.
// Every panel reads the SLO recording rules (src/slo/rules.ts).
import {
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { StackConfig } from "../config/schema.ts";
import {
  BURN_RATE_ALERTS,
  SLO_ALERT,
  SLO_RATIO_WINDOWS,
  type SloRatioWindow,
  sloRecorded,
} from "../slo/rules.ts";
import {
  type AlertLevel,
  barGaugePanel,
  buildDashboard,
  datasourceVariable,
  labelVariable,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from "./panels.ts";

export const SLO_DASHBOARD_UID = "plue-slos";

/** The Service and SLO pickers select these; every SLO series carries both labels. */
const selected = `service=~"$service", slo=~"$slo"`;
const of = (record: string) => `${record}{${selected}}`;
const LEGEND = "{{service}} {{slo}}";

/** Failed share over the window / allowed share: 1 means the budget lasts exactly the window. */
const burnRate = (window: SloRatioWindow) =>
  `${of(sloRecorded.errorRatio(window))} / ${of(sloRecorded.errorBudget)}`;

/** Where ErrorBudgetBurn fires for the windows it reads as its long one. */
const levelsFor = (longWindows: readonly SloRatioWindow[]): AlertLevel[] =>
  BURN_RATE_ALERTS.flatMap((alert) =>
    alert.windows
      .filter((windows) => longWindows.includes(windows.long))
      .map((windows) => ({ value: windows.factor, alert: SLO_ALERT, severity: alert.severity })),
  );

export function sloDashboard(config: StackConfig): Record<string, unknown> {
  const objective = statPanel(config, {
    title: "Objective",
    description:
      "The share of events each SLO promises to be good over its window (99.9% unless configured).",
    queries: [{ expr: of(sloRecorded.objective), legend: LEGEND, instant: true }],
    unit: "percentunit",
    width: 6,
  }).decimals(3);
  const good = statPanel(config, {
    title: "Good over the window",
    description:
      "The share of events that were good over each SLO's window (30 days unless configured): requests not answered 5xx, answered within the threshold, or a ratio's good events. NaN when there were none.",
    queries: [{ expr: `1 - ${of(sloRecorded.windowErrorRatio)}`, legend: LEGEND, instant: true }],
    unit: "percentunit",
    width: 6,
  }).decimals(3);
  const remaining = barGaugePanel(config, {
    title: "Error budget remaining",
    description:
      "The share of the window's error budget (the failures the objective allows) not spent yet. Below 0 the objective is missed for the window.",
    queries: [{ expr: of(sloRecorded.budgetRemaining), legend: LEGEND, instant: true }],
    unit: "percentunit",
    min: 0,
    max: 1,
    width: 6,
    runbooks: [SLO_ALERT],
  }).thresholds(
    // No alert fires on these: red once spent, orange in the last quarter.
    new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
      { value: null, color: "red" },
      { value: 0, color: "orange" },
      { value: 0.25, color: "green" },
    ]),
  );
  const exhaustion = statPanel(config, {
    title: "Error budget exhausted in",
    description:
      "How long the remaining budget lasts at the burn rate of the last hour: remaining share × window / burn rate. With no failure in the last hour nothing burns and it shows ∞; once the budget is spent it shows 0; with no traffic in the last hour, NaN.",
    queries: [{ expr: of(sloRecorded.budgetExhaustion), legend: LEGEND, instant: true }],
    unit: "s",
    width: 6,
  }).mappings([
    // Prometheus answers +Inf for a zero burn rate; Grafana would print it as a number of years.
    { type: MappingType.ValueToText, options: { Infinity: { text: "∞ (no burn)", color: "green" } } },
  ]);

  const byWindow = tablePanel(config, {
    title: "Burn rate by window",
    description:
      "How fast each SLO spends its budget over every window ErrorBudgetBurn reads: failed share / allowed share. 1 spends the budget in exactly the window; critical fires above 14.4 over 1h and 5m, or 6 over 6h and 30m; the warning above 3 over 1d and 2h, or 1 over 3d and 6h. NaN when the window saw no traffic.",
    queries: SLO_RATIO_WINDOWS.map((window) => ({ expr: burnRate(window), instant: true, table: true })),
    unit: "none",
    width: 24,
    height: 6,
    alertLevels: levelsFor(SLO_RATIO_WINDOWS),
    hide: ["Time"],
    merge: true,
  }).decimals(2);
  // Each query's value column ("Value #A", …) is named by its window, in window order.
  for (const [index, window] of SLO_RATIO_WINDOWS.entries()) {
    byWindow.overrideByName(`Value #${String.fromCharCode(65 + index)}`, [
      { id: "displayName", value: window },
    ]);
  }

  const burnOver = (title: string, windows: readonly SloRatioWindow[], severity: string) =>
    timeseriesPanel(config, {
      title,
      description: `The burn rate over ${windows.join(" and ")}, the long windows of ErrorBudgetBurn's ${severity} rule: it fires at the dashed lines once the short window agrees.`,
      queries: windows.map((window) => ({ expr: burnRate(window), legend: `${LEGEND} ${window}` })),
      unit: "none",
      min: 0,
      alertLevels: levelsFor(windows),
    });

  const budgetOverTime = timeseriesPanel(config, {
    title: "Error budget remaining over time",
    description: "The share of each SLO's error budget left, over the window that ends at each point.",
    queries: [{ expr: of(sloRecorded.budgetRemaining), legend: LEGEND }],
    unit: "percentunit",
    width: 24,
  });

  return buildDashboard(config, {
    uid: SLO_DASHBOARD_UID,
    title: "Plue - SLOs",
    description: "Service level objectives: error budget left, burn rate per window, time to exhaustion.",
    variables: [
      datasourceVariable(),
      labelVariable({
        name: "service",
        label: "Service",
        selector: sloRecorded.objective,
        labelName: "service",
        current: "all",
        multi: true,
      }),
      labelVariable({
        name: "slo",
        label: "SLO",
        selector: `${sloRecorded.objective}{service=~"$service"}`,
        labelName: "slo",
        current: "all",
        multi: true,
      }),
    ],
    rows: [
      { title: "Error budget", panels: [objective, good, remaining, exhaustion] },
      {
        title: "Burn rate",
        panels: [
          byWindow,
          burnOver("Burn rate over the paging windows", ["1h", "6h"], "critical"),
          burnOver("Burn rate over the ticket windows", ["1d", "3d"], "warning"),
        ],
      },
      { title: "Over time", panels: [budgetOverTime] },
    ],
  });
}
