// The building blocks every dashboard shares: the datasource variable, queries bound to it,
// threshold steps derived from alert thresholds, runbook links, and panels with sensible defaults.

import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  type Panel,
  QueryVariableBuilder,
  RowBuilder,
  type Threshold,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import type { StackConfig } from "../config/schema.ts";
import { runbookUrl } from "../rules/annotations.ts";

/** The datasource provisioned with this uid is the default value of every dashboard's variable. */
export const DATASOURCE_UID = "prometheus";
export const DATASOURCE_VARIABLE = "datasource";
/** Every panel and query points at the variable, so another Prometheus can be picked in the UI. */
export const datasourceRef = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** Tag shared by the Plue dashboards; the dashboards link to each other through it. */
export const DASHBOARD_TAG = "plue";

/**
 * The schema version Grafana 12.0 and 12.1 write. The SDK stamps a newer one (42) that Grafana
 * 12.1 does not know; an older version is always migrated forward, a newer one is not.
 */
export const SCHEMA_VERSION = 41;

export interface PanelQuery {
  expr: string;
  /** Series name in the legend, with {{label}} placeholders. */
  legend?: string;
  /** One value per series (stat, table) instead of a range. */
  instant?: boolean;
  table?: boolean;
}

function dataquery(query: PanelQuery, refId: string): DataqueryBuilder {
  const builder = new DataqueryBuilder().datasource(datasourceRef).expr(query.expr).refId(refId);
  if (query.legend !== undefined) builder.legendFormat(query.legend);
  if (query.instant) builder.instant();
  else builder.range();
  if (query.table) builder.format(PromQueryFormat.Table);
  return builder;
}

const refIds = (queries: readonly PanelQuery[]) =>
  queries.map((query, index) => dataquery(query, String.fromCharCode(65 + index)));

/** A threshold the panel colours and draws, tied to the alert that fires at it. */
export interface AlertLevel {
  /** In the panel's unit: a ratio (0.8) for percentunit panels. */
  value: number;
  alert: string;
  severity: "warning" | "critical";
}

const SEVERITY_COLOR = { warning: "orange", critical: "red" } as const;

function thresholdSteps(levels: readonly AlertLevel[]): Threshold[] {
  const sorted = [...levels].sort((a, b) => a.value - b.value);
  return [
    { value: null, color: "green" },
    ...sorted.map((level) => ({ value: level.value, color: SEVERITY_COLOR[level.severity] })),
  ];
}

const thresholds = (levels: readonly AlertLevel[]) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(thresholdSteps(levels));

/** Links from a panel to the runbook of each alert it shows, in alert order and without repeats. */
export function runbookLinks(config: StackConfig, alerts: readonly string[]): DashboardLinkBuilder[] {
  return [...new Set(alerts)].map((alert) =>
    new DashboardLinkBuilder(`Runbook: ${alert}`)
      .type(DashboardLinkType.Link)
      .url(runbookUrl(config, alert))
      .tooltip(`What to do when ${alert} fires`)
      .targetBlank(true),
  );
}

export interface PanelSpec {
  title: string;
  description: string;
  queries: PanelQuery[];
  unit: string;
  /** Grid width out of 24 (default 12) and height in grid rows (default 8). */
  width?: number;
  height?: number;
  /** Alert thresholds drawn on the panel; their runbooks become panel links. */
  alertLevels?: readonly AlertLevel[];
  /** More alerts whose runbooks apply, without a threshold on this panel. */
  runbooks?: readonly string[];
  min?: number;
  max?: number;
  /** Shown when the query returns nothing, when nothing means good news ("No errors"). */
  noValue?: string;
}

/** Shared by every panel kind: title, size, datasource, queries, unit, thresholds, runbooks. */
function decorate<
  B extends {
    title(t: string): B;
    description(d: string): B;
    span(w: number): B;
    height(h: number): B;
    datasource(d: common.DataSourceRef): B;
    targets(t: DataqueryBuilder[]): B;
    unit(u: string): B;
    min(m: number): B;
    max(m: number): B;
    noValue(v: string): B;
    thresholds(t: ThresholdsConfigBuilder): B;
    links(l: DashboardLinkBuilder[]): B;
  },
>(builder: B, config: StackConfig, spec: PanelSpec): B {
  builder
    .title(spec.title)
    .description(spec.description)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .datasource(datasourceRef)
    .targets(refIds(spec.queries))
    .unit(spec.unit)
    .thresholds(thresholds(spec.alertLevels ?? []));
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.noValue !== undefined) builder.noValue(spec.noValue);
  const alerts = [...(spec.alertLevels ?? []).map((level) => level.alert), ...(spec.runbooks ?? [])];
  if (alerts.length > 0) builder.links(runbookLinks(config, alerts));
  return builder;
}

export function timeseriesPanel(
  config: StackConfig,
  spec: PanelSpec & { stacked?: boolean },
): timeseries.PanelBuilder {
  const panel = decorate(new timeseries.PanelBuilder(), config, spec)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    )
    .lineWidth(1)
    .fillOpacity(spec.stacked ? 30 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false);
  if (spec.stacked) {
    panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  }
  if (spec.alertLevels && spec.alertLevels.length > 0) {
    // Draw the alert thresholds as dashed lines; series keep their palette colours.
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  }
  return panel;
}

export function statPanel(config: StackConfig, spec: PanelSpec): stat.PanelBuilder {
  return decorate(new stat.PanelBuilder(), config, spec)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .textMode(common.BigValueTextMode.ValueAndName)
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None);
}

/**
 * One row per series, its labels as columns; `hide` drops columns nobody needs to read. With `merge`,
 * the queries' series of the same labels share a row, each query's value a column ("Value #A").
 */
export function tablePanel(
  config: StackConfig,
  spec: PanelSpec & { hide: readonly string[]; merge?: boolean },
): table.PanelBuilder {
  const panel = decorate(new table.PanelBuilder(), config, spec);
  if (spec.merge) panel.withTransformation({ id: "merge", options: {} });
  return panel
    .withTransformation({
      id: "organize",
      options: { excludeByName: Object.fromEntries(spec.hide.map((column) => [column, true])) },
    })
    .cellHeight(common.TableCellHeight.Sm);
}

/** One bar per series, coloured by the alert thresholds (volume fill levels). */
export function barGaugePanel(config: StackConfig, spec: PanelSpec): bargauge.PanelBuilder {
  return decorate(new bargauge.PanelBuilder(), config, spec)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true);
}

/** Colours that say which pod phases need a look. */
export const PHASE_COLORS = {
  Running: "green",
  Succeeded: "blue",
  Pending: "yellow",
  Failed: "red",
  Unknown: "orange",
} as const;

/** A fixed colour for the series or field of that name (Pod status: Failed is always red). */
export const fixedColor = (color: string) => [{ id: "color", value: { mode: "fixed", fixedColor: color } }];

/** Datasource picker, defaulting to the provisioned Prometheus. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label("Data source")
    .type("prometheus")
    .current({ text: "Prometheus", value: DATASOURCE_UID, selected: true });
}

export interface LabelVariableSpec {
  name: string;
  label: string;
  /** The variable's options: the values of `labelName` on the series `selector` selects. */
  selector: string;
  labelName: string;
  /** A single default value, or every value. */
  current: string | "all";
  multi: boolean;
}

/** What "All" stands for: a regex, so a thousand namespaces do not become a thousand-term one. */
export const ALL_VALUE = ".+";

/** label_values(selector, label): the form Grafana's Prometheus variable editor writes. */
export const labelValuesQuery = (spec: Pick<LabelVariableSpec, "selector" | "labelName">) =>
  `label_values(${spec.selector}, ${spec.labelName})`;

export function labelVariable(spec: LabelVariableSpec): QueryVariableBuilder {
  const query = labelValuesQuery(spec);
  const builder = new QueryVariableBuilder(spec.name)
    .label(spec.label)
    .datasource(datasourceRef)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(spec.multi)
    .includeAll(spec.multi);
  if (spec.multi) builder.allValue(ALL_VALUE);
  if (spec.current === "all") builder.current({ text: "All", value: "$__all", selected: true });
  else builder.current({ text: spec.current, value: spec.current, selected: true });
  return builder;
}

/** Matchers for the namespace and services serviceVariables() picks (series kept per namespace, service). */
export const selectedServices = `namespace="$namespace", service=~"$service"`;

/**
 * The Namespace (one; appNamespace at first) and Service (any number; all at first) pickers of the
 * dashboards about Plue's services, offering the values found on `metric`.
 */
export function serviceVariables(config: StackConfig, metric: string): QueryVariableBuilder[] {
  return [
    labelVariable({
      name: "namespace",
      label: "Namespace",
      selector: metric,
      labelName: "namespace",
      current: config.appNamespace,
      multi: false,
    }),
    labelVariable({
      name: "service",
      label: "Service",
      selector: `${metric}{namespace="$namespace"}`,
      labelName: "service",
      current: "all",
      multi: true,
    }),
  ];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  variables: (DatasourceVariableBuilder | QueryVariableBuilder)[];
  rows: { title: string; panels: { id(id: number): unknown; build(): Panel }[] }[];
}

/** A dashboard: shared crosshair, read-only (provisioned), linked to the other Plue dashboards. */
export function buildDashboard(config: StackConfig, spec: DashboardSpec): Record<string, unknown> {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([DASHBOARD_TAG])
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: "now-3h", to: "now" })
    .refresh("1m")
    .variables(spec.variables)
    .link(
      new DashboardLinkBuilder("Plue dashboards")
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .link(
      new DashboardLinkBuilder("Alert runbooks")
        .type(DashboardLinkType.Link)
        .url(config.runbookBaseUrl)
        .targetBlank(true),
    );
  // Ids unique within the dashboard, in reading order, so panel links (?viewPanel=) stay stable.
  let id = 0;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(++id));
    for (const panel of row.panels) {
      panel.id(++id);
      builder.withPanel(panel);
    }
  }
  // A plain JSON value: what Grafana reads from the file.
  const json = JSON.parse(JSON.stringify(builder.build())) as Record<string, unknown>;
  return { ...json, schemaVersion: SCHEMA_VERSION };
}
