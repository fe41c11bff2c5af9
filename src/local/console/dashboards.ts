// The console's dashboards preview, server side: each provisioned dashboard's JSON turned into what
// the page draws — variables with their options read from Prometheus, current values chosen, every
// panel's queries with the variables substituted the way Grafana substitutes them. The page runs the
// queries itself (through the console's Prometheus proxy) and draws them.
import { durationMs, formatDuration } from "../../config/formats.ts";
import type { StackConfig } from "../../config/schema.ts";
import { type Dashboard, dashboards } from "../../dashboards/index.ts";
import {
  ALL,
  builtinVariables,
  resolvedVariableValues,
  substituteVariables,
  type VariableValues,
} from "../../dashboards/queries.ts";
import type { Timing } from "../../rules/timing.ts";

export interface DashboardContext {
  config: StackConfig;
  /** The stack's Timing: built-ins such as $__rate_interval use the scaled scrape interval. */
  timing: Timing;
  /** Values of `label` on the series `selector` matches ("" matches every series). */
  labelValues(selector: string, label: string): Promise<string[]>;
}

export interface VariableView {
  name: string;
  label: string;
  multi: boolean;
  includeAll: boolean;
  options: string[];
  /** The chosen values; ["$__all"] for All. */
  current: string[];
  /** Why the options could not be read, if they could not. */
  error?: string;
}

export interface QueryView {
  refId: string;
  /** Runnable PromQL, variables substituted. */
  expr: string;
  legendFormat?: string;
  instant: boolean;
  /** Why the expression could not be made runnable (a variable without a value). */
  error?: string;
}

export interface ThresholdStep {
  /** null for the base step, which applies below every other. */
  value: number | null;
  color: string;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PanelView {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  unit: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds: ThresholdStep[];
  showLegend: boolean;
  queries: QueryView[];
}

export interface DashboardView {
  uid: string;
  title: string;
  timeScale: number;
  /** The scrape interval as the local stack runs it (scaled by the time scale), in seconds. */
  scrapeIntervalSeconds: number;
  variables: VariableView[];
  panels: PanelView[];
  /** Panels of types the preview cannot draw. */
  notDrawn: { title: string; type: string }[];
}

/** The panel types the preview draws; a row is drawn as a heading. */
export const DRAWN_PANEL_TYPES: readonly string[] = ["timeseries", "stat", "bargauge", "table", "row"];

interface VariableJson {
  name: string;
  type: string;
  label?: string;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  current?: { value?: string | string[] };
}

interface TargetJson {
  expr?: unknown;
  refId?: unknown;
  legendFormat?: unknown;
  instant?: unknown;
  hide?: unknown;
}

interface PanelJson {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: Partial<GridPos>;
  targets?: TargetJson[];
  panels?: PanelJson[];
  fieldConfig?: {
    defaults?: {
      unit?: unknown;
      decimals?: unknown;
      min?: unknown;
      max?: unknown;
      thresholds?: { steps?: { value?: unknown; color?: unknown }[] };
    };
  };
  options?: { legend?: { showLegend?: unknown; displayMode?: unknown } };
}

export function dashboardList(config: StackConfig): { uid: string; title: string }[] {
  return dashboards(config).map((dashboard) => ({
    uid: dashboard.uid,
    title: String(dashboard.json.title ?? dashboard.uid),
  }));
}

/** ?var-namespace=plue&var-service=api&var-service=web → { namespace: ["plue"], service: ["api", "web"] } */
export function selectedFromQuery(search: URLSearchParams): Record<string, string[]> {
  const selected: Record<string, string[]> = {};
  for (const [key, value] of search) {
    if (!key.startsWith("var-") || key.length === 4) continue;
    const name = key.slice(4);
    selected[name] = [...(selected[name] ?? []), value];
  }
  return selected;
}

/** The scrape interval the local stack runs at: the configured one divided by the time scale. */
export function scaledScrapeInterval(config: StackConfig, timing: Timing): string {
  return formatDuration(durationMs(config.scrapeInterval) / timing.scale);
}

export async function dashboardView(
  dashboard: Dashboard,
  context: DashboardContext,
  selected: Record<string, string[]>,
): Promise<DashboardView> {
  const { config, timing } = context;
  const scrapeInterval = scaledScrapeInterval(config, timing);
  // Grafana derives $__rate_interval and $__interval from the datasource's scrape interval; here
  // that is the scaled one, so a 5m-style window stays a few scrapes long at any time scale.
  const builtins = builtinVariables({ ...config, scrapeInterval });
  const json = dashboard.json;
  const variablesJson = ((json.templating as { list?: VariableJson[] } | undefined)?.list ?? []).filter(
    (variable): variable is VariableJson => typeof variable?.name === "string",
  );

  // In order: a variable's options query may use the values chosen for the ones before it.
  const chosen: VariableValues = {};
  const variables: VariableView[] = [];
  for (const variable of variablesJson) {
    const { options, error } = await variableOptions(variable, json, config, chosen, builtins, context);
    const current = currentValues(variable, options, selected[variable.name]);
    chosen[variable.name] = valueForSubstitution(variable, current, options);
    if (!isShown(variable)) continue;
    variables.push({
      name: variable.name,
      label: typeof variable.label === "string" && variable.label !== "" ? variable.label : variable.name,
      multi: variable.multi === true,
      includeAll: variable.includeAll === true,
      options,
      current,
      ...(error === undefined ? {} : { error }),
    });
  }

  const values = resolvedVariableValues(json, config, chosen, builtins);
  const panels: PanelView[] = [];
  const notDrawn: { title: string; type: string }[] = [];
  for (const [index, panel] of allPanels((json.panels ?? []) as PanelJson[]).entries()) {
    const view = panelView(panel, index, values);
    panels.push(view);
    if (!DRAWN_PANEL_TYPES.includes(view.type)) notDrawn.push({ title: view.title, type: view.type });
  }

  return {
    uid: dashboard.uid,
    title: String(json.title ?? dashboard.uid),
    timeScale: timing.scale,
    scrapeIntervalSeconds: durationMs(scrapeInterval) / 1000,
    variables,
    panels,
    notDrawn,
  };
}

/** A datasource variable picks among Grafana's datasources; the preview has one, Prometheus. */
const isShown = (variable: VariableJson) => variable.type !== "datasource" && variable.type !== "constant";

/** label_values(selector, label) or label_values(label); anything else is not a label query. */
export function parseLabelValues(query: string): { selector: string; label: string } | undefined {
  const match = /^\s*label_values\(\s*(?:(.+),\s*)?([a-zA-Z_][\w.]*)\s*\)\s*$/s.exec(query);
  if (!match) return undefined;
  return { selector: match[1]?.trim() ?? "", label: match[2] as string };
}

/** A variable's query as the JSON stores it: a string, or (newer Grafana) { query: string }. */
function queryText(variable: VariableJson): string | undefined {
  if (typeof variable.query === "string") return variable.query;
  const nested = (variable.query as { query?: unknown } | undefined)?.query;
  return typeof nested === "string" ? nested : undefined;
}

async function variableOptions(
  variable: VariableJson,
  json: Record<string, unknown>,
  config: StackConfig,
  chosen: VariableValues,
  builtins: VariableValues,
  context: DashboardContext,
): Promise<{ options: string[]; error?: string }> {
  const query = queryText(variable) ?? "";
  if (variable.type === "custom" || variable.type === "interval") {
    // Grafana splits a custom variable's query on commas not preceded by a backslash.
    const options = query
      .split(/(?<!\\),/)
      .map((option) => option.replaceAll("\\,", ",").trim())
      .filter((option) => option !== "");
    return { options };
  }
  if (variable.type !== "query") {
    // A datasource, constant or textbox variable: its one value.
    const current = variable.current?.value ?? (query === "" ? undefined : query);
    return { options: current === undefined ? [] : [current].flat().filter((value) => value !== ALL) };
  }
  const parsed = parseLabelValues(query);
  if (!parsed) return { options: [], error: `the preview reads only label_values() queries: ${query}` };
  try {
    const selector = substituteVariables(
      parsed.selector,
      resolvedVariableValues(json, config, chosen, builtins),
    );
    const options = [...new Set(await context.labelValues(selector, parsed.label))].sort();
    return { options };
  } catch (error) {
    return { options: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/** The request's choice if it is an option, else the JSON's current, else All or the first option. */
function currentValues(
  variable: VariableJson,
  options: readonly string[],
  requested?: readonly string[],
): string[] {
  const includeAll = variable.includeAll === true;
  const usable = (values: readonly string[]) => {
    if (includeAll && values.includes(ALL)) return [ALL];
    // With no options (nothing scraped yet) a value cannot be checked; keep it rather than drop it.
    const kept = options.length === 0 ? [...values] : values.filter((value) => options.includes(value));
    return variable.multi === true ? kept : kept.slice(0, 1);
  };
  for (const candidate of [requested ?? [], [variable.current?.value ?? []].flat()]) {
    const values = usable(candidate);
    if (values.length > 0) return values;
  }
  if (includeAll) return [ALL];
  return options.length > 0 ? [options[0] as string] : [];
}

/** What resolvedVariableValues expects: All without an allValue stands for every option, as in Grafana. */
function valueForSubstitution(
  variable: VariableJson,
  current: readonly string[],
  options: readonly string[],
): string | readonly string[] {
  const allValue = (variable as { allValue?: unknown }).allValue;
  if (current.includes(ALL)) {
    return (typeof allValue === "string" && allValue !== "") || options.length === 0 ? ALL : options;
  }
  if (variable.multi === true || variable.includeAll === true) return current;
  return current[0] ?? "";
}

/** Every panel, those nested in (collapsed) rows right after their row. */
function allPanels(panels: readonly PanelJson[]): PanelJson[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

const numberOrUndefined = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

function panelView(panel: PanelJson, index: number, values: Readonly<Record<string, string>>): PanelView {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const type = typeof panel.type === "string" ? panel.type : "unknown";
  const legend = panel.options?.legend;
  const decimals = numberOrUndefined(defaults.decimals);
  const min = numberOrUndefined(defaults.min);
  const max = numberOrUndefined(defaults.max);
  const thresholds = (defaults.thresholds?.steps ?? []).map((step) => ({
    value: numberOrUndefined(step.value) ?? null,
    color: typeof step.color === "string" ? step.color : "green",
  }));
  return {
    id: numberOrUndefined(panel.id) ?? index + 1,
    type,
    title: typeof panel.title === "string" ? panel.title : "",
    gridPos: {
      x: numberOrUndefined(panel.gridPos?.x) ?? 0,
      y: numberOrUndefined(panel.gridPos?.y) ?? 0,
      w: numberOrUndefined(panel.gridPos?.w) ?? 12,
      h: numberOrUndefined(panel.gridPos?.h) ?? 8,
    },
    unit: typeof defaults.unit === "string" && defaults.unit !== "" ? defaults.unit : "none",
    ...(decimals === undefined ? {} : { decimals }),
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    thresholds: thresholds.length > 0 ? thresholds : [{ value: null, color: "green" }],
    showLegend: legend?.showLegend !== false && legend?.displayMode !== "hidden",
    queries: (panel.targets ?? [])
      .filter((target) => typeof target.expr === "string" && target.expr !== "" && target.hide !== true)
      .map((target, targetIndex) => queryView(target, targetIndex, values)),
  };
}

function queryView(target: TargetJson, index: number, values: Readonly<Record<string, string>>): QueryView {
  const raw = target.expr as string;
  const base = {
    refId: typeof target.refId === "string" ? target.refId : String.fromCharCode(65 + index),
    ...(typeof target.legendFormat === "string" && target.legendFormat !== ""
      ? { legendFormat: target.legendFormat }
      : {}),
    instant: target.instant === true,
  };
  try {
    return { ...base, expr: substituteVariables(raw, values) };
  } catch (error) {
    return { ...base, expr: raw, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The edge: label values from Prometheus' HTTP API, sorted and unique. */
export function prometheusLabelValues(prometheusUrl: string): DashboardContext["labelValues"] {
  return async (selector, label) => {
    const url = new URL(`/api/v1/label/${encodeURIComponent(label)}/values`, prometheusUrl);
    if (selector !== "") url.searchParams.append("match[]", selector);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json().catch(() => undefined)) as
      | { status?: string; data?: unknown; error?: string }
      | undefined;
    if (!response.ok || body?.status !== "success" || !Array.isArray(body.data)) {
      throw new Error(
        `Prometheus answered ${response.status} for ${url.pathname}: ${body?.error ?? "no data"}`,
      );
    }
    return [...new Set(body.data.map(String))].sort();
  };
}
