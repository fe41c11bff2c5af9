// Every PromQL expression the dashboards send, read back from the rendered JSON (what Grafana reads)
// with Grafana's variables replaced the way Grafana replaces them for Prometheus. Tests parse these
// and check the metrics they read; an end-to-end test can run them against a live Prometheus.
import { durationMs, formatDuration } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";

/** A variable's value: one string, or several (a multi-value selection). */
export type VariableValues = Record<string, string | readonly string[]>;

export interface DashboardQuery {
  dashboardUid: string;
  dashboardTitle: string;
  /** The panel title, or "variable <name>" for a variable's options query. */
  source: string;
  refId: string;
  /** As the dashboard stores it, variables and all. */
  raw: string;
  /** Runnable PromQL: variables substituted. */
  expr: string;
  /** Grafana asks for one value per series (instant) rather than a range. */
  instant: boolean;
}

interface VariableJson {
  name: string;
  type: string;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: string | string[] };
}

interface TargetJson {
  expr?: string;
  refId?: string;
  instant?: boolean;
}

interface PanelJson {
  type: string;
  title?: string;
  targets?: TargetJson[];
  panels?: PanelJson[];
}

/** Grafana's built-in variables, as Grafana's Prometheus datasource fills them for a 1-hour view. */
export function builtinVariables(config: StackConfig): VariableValues {
  const scrape = durationMs(config.scrapeInterval);
  return {
    // Grafana: max(4 × scrape interval, step + scrape interval); the step is the scrape interval here.
    __rate_interval: formatDuration(Math.max(4 * scrape, 2 * scrape)),
    __interval: config.scrapeInterval,
    __interval_ms: String(scrape),
    __range: "1h",
    __range_s: "3600",
    __range_ms: "3600000",
  };
}

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g;
const escapeRegex = (value: string) => value.replace(REGEX_SPECIAL, "\\$&");

/** How Grafana writes a multi-value variable into a Prometheus regex matcher. */
function formatMulti(values: readonly string[]): string {
  const escaped = values.map(escapeRegex);
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join("|")})`;
}

const VARIABLE_REFERENCE = /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g;

/** Replaces $name, ${name} and [[name]]; a variable without a value is an error, never left in. */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE_REFERENCE, (_match, braced, bracketed, bare) => {
    const name = (braced ?? bracketed ?? bare) as string;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable $${name} in: ${expr}`);
    return value;
  });
}

/** The value of a multi-value variable set to "All": its allValue regex, written as is. */
export const ALL = "$__all";

/** The value each variable has when the dashboard opens: its `current`, "All" as its allValue. */
function defaultValues(variables: readonly VariableJson[]): VariableValues {
  const values: Record<string, string | readonly string[]> = {};
  for (const variable of variables) {
    const current = variable.current?.value;
    if (current === undefined) continue;
    const isAll = current === ALL || (Array.isArray(current) && current.includes(ALL));
    values[variable.name] = isAll ? ALL : current;
  }
  return values;
}

/** label_values(selector, label) → selector; label_values(label) has no selector to run. */
function labelValuesSelector(query: string): string | undefined {
  const match = /^\s*label_values\((.+),\s*[\w.]+\s*\)\s*$/s.exec(query);
  return match?.[1]?.trim();
}

function* panelsOf(panels: readonly PanelJson[]): Generator<PanelJson> {
  for (const panel of panels) {
    yield panel;
    if (panel.panels) yield* panelsOf(panel.panels);
  }
}

function variablesOf(json: Record<string, unknown>): VariableJson[] {
  return ((json.templating as { list?: VariableJson[] } | undefined)?.list ?? []) as VariableJson[];
}

/**
 * The text each variable stands for in a query: `overrides` over the dashboard's current values over
 * `builtins`, written as Grafana's Prometheus datasource writes them (multi-value variables
 * regex-escaped, "All" as the allValue).
 */
export function resolvedVariableValues(
  json: Record<string, unknown>,
  config: StackConfig,
  overrides: VariableValues = {},
  builtins: VariableValues = builtinVariables(config),
): Record<string, string> {
  const variables = variablesOf(json);
  const byName = new Map(variables.map((variable) => [variable.name, variable]));
  const chosen = { ...builtins, ...defaultValues(variables), ...overrides };
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(chosen)) {
    const variable = byName.get(name);
    const multi = variable !== undefined && (variable.multi === true || variable.includeAll === true);
    if (value === ALL) values[name] = variable?.allValue ?? ".*";
    else if (typeof value !== "string") values[name] = formatMulti(value);
    else values[name] = multi ? escapeRegex(value) : value;
  }
  return values;
}

/**
 * Every query of one dashboard's JSON: its panels' targets and its variables' options queries.
 * `overrides` replace variable values (a string, or a list for a multi-value selection).
 */
export function queriesOfDashboard(
  json: Record<string, unknown>,
  config: StackConfig,
  overrides: VariableValues = {},
): DashboardQuery[] {
  const variables = variablesOf(json);
  const values = resolvedVariableValues(json, config, overrides);
  const dashboardUid = String(json.uid);
  const dashboardTitle = String(json.title);
  const queries: DashboardQuery[] = [];

  for (const variable of variables) {
    if (variable.type !== "query" || typeof variable.query !== "string") continue;
    const selector = labelValuesSelector(variable.query);
    if (selector === undefined) continue;
    queries.push({
      dashboardUid,
      dashboardTitle,
      source: `variable ${variable.name}`,
      refId: "options",
      raw: selector,
      expr: substituteVariables(selector, values),
      instant: true,
    });
  }
  for (const panel of panelsOf((json.panels ?? []) as PanelJson[])) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr !== "string") continue;
      queries.push({
        dashboardUid,
        dashboardTitle,
        source: panel.title ?? "(untitled)",
        refId: target.refId ?? "",
        raw: target.expr,
        expr: substituteVariables(target.expr, values),
        instant: target.instant === true,
      });
    }
  }
  return queries;
}
