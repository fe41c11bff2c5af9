// The dashboards preview: every provisioned dashboard, drawn from its own JSON. The server resolves
// variables and substitutes them into each panel's queries (GET /api/dashboards/<uid>); this module
// runs the queries through the console's Prometheus proxy and draws them — time series with uPlot
// (the global `uPlot`), stats, bar gauges and tables as HTML. It redraws every 10 s in place.
import { api, el } from "./dom.js";
import {
  cssColor,
  formatValue,
  legendName,
  seriesColor,
  simulatedSpan,
  stepSeconds,
  thresholdColor,
} from "./units.js";

const REFRESH_MS = 10_000;
const RANGES_MINUTES = [5, 15, 60];
const DRAWN = new Set(["timeseries", "stat", "bargauge", "table", "row"]);

/**
 * @typedef {{ value: number | null, color: string }} ThresholdStep
 * @typedef {{ refId: string, expr: string, legendFormat?: string, instant: boolean, error?: string }} QueryView
 * @typedef {{ id: number, type: string, title: string, gridPos: { x: number, y: number, w: number, h: number },
 *   unit: string, decimals?: number, min?: number, max?: number, thresholds: ThresholdStep[],
 *   showLegend: boolean, queries: QueryView[] }} PanelView
 * @typedef {{ name: string, label: string, multi: boolean, includeAll: boolean, options: string[],
 *   current: string[], error?: string }} VariableView
 * @typedef {{ uid: string, title: string, timeScale: number, scrapeIntervalSeconds: number,
 *   variables: VariableView[], panels: PanelView[], notDrawn: { title: string, type: string }[] }} DashboardView
 * @typedef {{ name: string, refId: string, metric: Record<string, string>, points: [number, number | null][] }} Series
 * @typedef {{ view: PanelView, figure: HTMLElement, body: HTMLElement, plot?: any, plotKey?: string,
 *   resize?: ResizeObserver, range?: { start: number, end: number } }} PanelState
 * @typedef {{ uid: string, element: HTMLElement, view?: DashboardView, selected: Record<string, string[]>,
 *   rangeMinutes: number, since: number, panels: PanelState[], busy: boolean }} DashboardState
 */

/**
 * Mounts the preview in `section`: a notice, then each dashboard one after another.
 * @param {HTMLElement} section
 * @returns {void}
 */
export function mountDashboards(section) {
  section.classList.add("dashboards-preview");
  section.replaceChildren(
    el(
      "p",
      { class: "dashboards-notice" },
      el("strong", {}, "A preview, not Grafana. "),
      "Each dashboard is drawn here from its own JSON, its queries run against this stack's Prometheus. ",
      "Time series, stats, bar gauges, tables and rows are drawn with their units and thresholds; field ",
      "overrides, value mappings and transformations are not, and other panel types are only listed. ",
      "Grafana shows the real thing.",
    ),
  );
  /** @type {DashboardState[]} */
  const states = [];
  void (async () => {
    /** @type {{ uid: string, title: string }[]} */
    let list;
    // The local Prometheus holds nothing from before the stack started: charts begin there.
    let since = 0;
    try {
      list = await api("/api/dashboards");
      since = (await api("/api/console")).startedAt / 1000;
    } catch (error) {
      section.append(
        el("p", { class: "dashboards-error" }, `Could not list the dashboards: ${message(error)}`),
      );
      return;
    }
    for (const { uid, title } of list) {
      const element = el("section", { class: "dashboard", "data-uid": uid }, el("h3", {}, title));
      section.append(element);
      /** @type {DashboardState} */
      const state = {
        uid,
        element,
        selected: {},
        rangeMinutes: RANGES_MINUTES[0] ?? 5,
        since,
        panels: [],
        busy: false,
      };
      states.push(state);
      await loadDashboard(state, title);
    }
    setInterval(() => {
      if (document.hidden) return;
      for (const state of states) void refreshPanels(state);
    }, REFRESH_MS);
  })();
}

/**
 * Fetches the dashboard's view for the chosen variable values and draws it from scratch.
 * @param {DashboardState} state
 * @param {string} title
 */
async function loadDashboard(state, title) {
  const search = new URLSearchParams();
  for (const [name, values] of Object.entries(state.selected)) {
    for (const value of values) search.append(`var-${name}`, value);
  }
  const query = search.toString();
  destroyPanels(state);
  try {
    state.view = await api(`/api/dashboards/${encodeURIComponent(state.uid)}${query ? `?${query}` : ""}`);
  } catch (error) {
    state.element.replaceChildren(
      el("h3", {}, title),
      el("p", { class: "dashboards-error" }, `Could not load the dashboard: ${message(error)}`),
    );
    return;
  }
  const view = /** @type {DashboardView} */ (state.view);
  const grid = el("div", { class: "dashboard-grid" });
  state.element.replaceChildren(
    el("h3", {}, view.title),
    controls(state, view),
    view.notDrawn.length > 0
      ? el(
          "p",
          { class: "dashboard-not-drawn" },
          "Not drawn by the preview: ",
          view.notDrawn.map((panel) => `${panel.title || "(untitled)"} (${panel.type})`).join(", "),
        )
      : "",
    grid,
  );
  state.panels = view.panels.map((panel) => {
    const figure = el("figure", {
      class: "panel",
      "data-type": panel.type,
      "data-title": panel.title,
      "data-series": "0",
      "data-state": DRAWN.has(panel.type) ? "empty" : "not-drawn",
    });
    figure.style.gridColumn = `${panel.gridPos.x + 1} / span ${Math.max(1, panel.gridPos.w)}`;
    figure.style.gridRow = `${panel.gridPos.y + 1} / span ${Math.max(1, panel.gridPos.h)}`;
    const body = el("div", { class: "panel-body" });
    figure.append(el("figcaption", {}, panel.title || "(untitled)"), body);
    if (!DRAWN.has(panel.type)) {
      body.append(el("p", { class: "muted" }, `The preview does not draw ${panel.type} panels.`));
    }
    grid.append(figure);
    return { view: panel, figure, body };
  });
  await refreshPanels(state);
}

/**
 * The variable dropdowns and the time-range choice.
 * @param {DashboardState} state
 * @param {DashboardView} view
 * @returns {HTMLElement}
 */
function controls(state, view) {
  const form = el("form", {
    class: "dashboard-controls",
    onsubmit: (/** @type {Event} */ e) => e.preventDefault(),
  });
  for (const variable of view.variables) {
    const select = /** @type {HTMLSelectElement} */ (
      el("select", { name: `var-${variable.name}`, multiple: variable.multi })
    );
    const options = variable.includeAll ? [["$__all", "All"], ...variable.options.map((o) => [o, o])] : [];
    if (!variable.includeAll) for (const option of variable.options) options.push([option, option]);
    // A current value Prometheus no longer lists stays choosable rather than vanishing.
    for (const value of variable.current) {
      if (!options.some(([optionValue]) => optionValue === value)) options.push([value, value]);
    }
    for (const [value, text] of options) {
      select.append(el("option", { value, selected: variable.current.includes(String(value)) }, text));
    }
    if (variable.multi) select.size = Math.min(4, Math.max(2, options.length));
    select.addEventListener("change", () => {
      const chosen = [...select.selectedOptions].map((option) => option.value);
      const previous = state.selected[variable.name] ?? variable.current;
      state.selected[variable.name] = chooseValues(chosen, previous);
      // Later variables may depend on this one: let the server choose them again.
      const index = view.variables.indexOf(variable);
      for (const later of view.variables.slice(index + 1)) delete state.selected[later.name];
      void loadDashboard(state, view.title);
    });
    form.append(
      el(
        "label",
        {},
        variable.label,
        " ",
        select,
        variable.error ? el("span", { class: "dashboards-error" }, variable.error) : "",
      ),
    );
  }
  const range = /** @type {HTMLSelectElement} */ (el("select", { name: "range" }));
  for (const minutes of RANGES_MINUTES) {
    const text = `Last ${minutes} min (${simulatedSpan(minutes * 60, view.timeScale)} simulated)`;
    range.append(el("option", { value: minutes, selected: minutes === state.rangeMinutes }, text));
  }
  range.addEventListener("change", () => {
    state.rangeMinutes = Number(range.value);
    void refreshPanels(state);
  });
  form.append(el("label", {}, "Time range ", range));
  return form;
}

/**
 * A multi-value choice: picking All drops the others, picking another drops All.
 * @param {string[]} chosen
 * @param {string[]} previous
 * @returns {string[]}
 */
function chooseValues(chosen, previous) {
  if (chosen.includes("$__all") && chosen.length > 1) {
    return previous.includes("$__all") ? chosen.filter((value) => value !== "$__all") : ["$__all"];
  }
  return chosen;
}

/** @param {DashboardState} state */
function destroyPanels(state) {
  for (const panel of state.panels) destroyPlot(panel);
  state.panels = [];
}

/** @param {PanelState} panel */
function destroyPlot(panel) {
  panel.resize?.disconnect();
  panel.plot?.destroy();
  panel.plot = undefined;
  panel.plotKey = undefined;
  panel.resize = undefined;
}

/**
 * Runs every drawn panel's queries again and redraws the panels in place.
 * @param {DashboardState} state
 */
async function refreshPanels(state) {
  const view = state.view;
  if (!view || state.busy) return;
  state.busy = true;
  try {
    const end = Date.now() / 1000;
    const start = Math.max(end - state.rangeMinutes * 60, state.since);
    const range = {
      start,
      end,
      step: stepSeconds(end - start, view.scrapeIntervalSeconds),
    };
    const panels = state.panels;
    await Promise.all(
      panels.filter((panel) => DRAWN.has(panel.view.type)).map((panel) => drawPanel(panel, range)),
    );
  } finally {
    state.busy = false;
  }
}

/**
 * @param {PanelState} panel
 * @param {{ start: number, end: number, step: number }} range
 */
async function drawPanel(panel, range) {
  const { view, figure, body } = panel;
  if (view.type === "row") {
    figure.dataset.state = "drawn";
    return;
  }
  /** @type {Series[]} */
  let series;
  try {
    const results = await Promise.all(view.queries.map((query) => runQuery(query, range)));
    series = results.flat();
  } catch (error) {
    destroyPlot(panel);
    figure.dataset.state = "error";
    figure.dataset.series = "0";
    body.replaceChildren(el("p", { class: "panel-error" }, message(error)));
    return;
  }
  figure.dataset.series = String(series.length);
  figure.dataset.state = series.length > 0 ? "drawn" : "empty";
  if (series.length === 0) {
    destroyPlot(panel);
    body.replaceChildren(el("p", { class: "panel-empty muted" }, "No data"));
    return;
  }
  if (view.type === "timeseries") drawTimeSeries(panel, series, range);
  else if (view.type === "stat") body.replaceChildren(stat(view, series));
  else if (view.type === "bargauge") body.replaceChildren(barGauge(view, series));
  else if (view.type === "table") body.replaceChildren(table(view, series));
}

/**
 * One query through the console's Prometheus proxy, as series of [seconds, value] points.
 * @param {QueryView} query
 * @param {{ start: number, end: number, step: number }} range
 * @returns {Promise<Series[]>}
 */
async function runQuery(query, range) {
  if (query.error) throw new Error(query.error);
  const search = new URLSearchParams({ query: query.expr });
  if (query.instant) search.set("time", String(range.end));
  else {
    search.set("start", String(range.start));
    search.set("end", String(range.end));
    search.set("step", String(range.step));
  }
  const path = query.instant ? "query" : "query_range";
  const response = await fetch(`/api/prometheus/api/v1/${path}?${search}`);
  const answer = await response.json().catch(() => undefined);
  if (!response.ok || answer?.status !== "success") {
    throw new Error(`${query.refId}: ${answer?.error ?? `Prometheus answered ${response.status}`}`);
  }
  const { resultType, result } = answer.data;
  /** @type {{ metric?: Record<string, string>, value?: [number, string], values?: [number, string][] }[]} */
  const items = resultType === "scalar" ? [{ metric: {}, value: result }] : result;
  return items.map((item) => {
    const metric = item.metric ?? {};
    const raw = item.values ?? (item.value ? [item.value] : []);
    return {
      name: legendName(metric, query.legendFormat, query.expr),
      refId: query.refId,
      metric,
      points: raw.map(([time, value]) => /** @type {[number, number | null]} */ ([time, sampleValue(value)])),
    };
  });
}

/**
 * A sample value as Prometheus writes it: a decimal string, "+Inf", "-Inf" or "NaN".
 * @param {string} text
 * @returns {number}
 */
function sampleValue(text) {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/**
 * The last value of a series that is a number (Grafana's default reducer for stats, lastNotNull).
 * @param {Series} series
 * @returns {number | null}
 */
function lastValue(series) {
  for (let index = series.points.length - 1; index >= 0; index--) {
    const value = series.points[index]?.[1];
    if (value !== null && value !== undefined && !Number.isNaN(value)) return value;
  }
  return null;
}

/**
 * @param {PanelView} view
 * @param {Series[]} series
 * @returns {HTMLElement}
 */
function stat(view, series) {
  const container = el("div", { class: "stat-values" });
  for (const one of series) {
    const value = lastValue(one);
    const text = value === null ? "No data" : formatValue(value, view.unit, view.decimals);
    const number = el("span", { class: "stat-number" }, text);
    if (value !== null) number.style.color = thresholdColor(value, view.thresholds);
    container.append(
      el(
        "div",
        { class: "stat-value" },
        series.length > 1 ? el("span", { class: "stat-name" }, one.name) : "",
        number,
      ),
    );
  }
  return container;
}

/**
 * Horizontal bars from min (default 0) to max (default the largest value), coloured by threshold.
 * @param {PanelView} view
 * @param {Series[]} series
 * @returns {HTMLElement}
 */
function barGauge(view, series) {
  const values = series.map(lastValue);
  const finite = values.filter((value) => value !== null && Number.isFinite(value)).map(Number);
  const min = view.min ?? Math.min(0, ...finite);
  const max = view.max ?? Math.max(...finite, min + 1);
  const container = el("div", { class: "bar-gauge" });
  series.forEach((one, index) => {
    const value = values[index] ?? null;
    const fraction =
      value === null || max === min ? 0 : Math.min(1, Math.max(0, (value - min) / (max - min)));
    const color = value === null ? "var(--grey, #9aa0a6)" : thresholdColor(value, view.thresholds);
    const fill = el("div", { class: "bar-fill" });
    fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    fill.style.background = color;
    const number = el(
      "span",
      { class: "bar-number" },
      value === null ? "No data" : formatValue(value, view.unit, view.decimals),
    );
    number.style.color = color;
    container.append(
      el(
        "div",
        { class: "bar-row" },
        el("span", { class: "bar-name" }, one.name),
        el("div", { class: "bar-track" }, fill),
        number,
      ),
    );
  });
  return container;
}

/**
 * The instant result as a table: one row per label set, a column per label and one value column per
 * query ("Value", or "Value #<refId>" with several queries, merged on the labels as Grafana's merge
 * transformation does).
 * @param {PanelView} view
 * @param {Series[]} series
 * @returns {HTMLElement}
 */
function table(view, series) {
  const refIds = [...new Set(series.map((one) => one.refId))];
  const valueColumn = (/** @type {string} */ refId) => (refIds.length > 1 ? `Value #${refId}` : "Value");
  /** @type {Map<string, { labels: Record<string, string>, values: Map<string, number | null> }>} */
  const rows = new Map();
  const labelNames = new Set();
  for (const one of series) {
    const { __name__: _name, ...labels } = one.metric;
    for (const label of Object.keys(labels)) labelNames.add(label);
    const key = JSON.stringify(Object.entries(labels).sort());
    const row = rows.get(key) ?? { labels, values: new Map() };
    row.values.set(valueColumn(one.refId), lastValue(one));
    rows.set(key, row);
  }
  const labelColumns = [...labelNames].sort();
  const valueColumns = refIds.map(valueColumn);
  const head = el(
    "tr",
    {},
    ...labelColumns.map((name) => el("th", {}, name)),
    ...valueColumns.map((name) => el("th", {}, name)),
  );
  const bodyRows = [...rows.values()].map((row) =>
    el(
      "tr",
      {},
      ...labelColumns.map((name) => el("td", {}, row.labels[name] ?? "")),
      ...valueColumns.map((name) => {
        const value = row.values.get(name) ?? null;
        return el(
          "td",
          { class: "number" },
          value === null ? "" : formatValue(value, view.unit, view.decimals),
        );
      }),
    ),
  );
  return el(
    "div",
    { class: "table-scroll" },
    el("table", { class: "panel-table" }, el("thead", {}, head), el("tbody", {}, ...bodyRows)),
  );
}

/**
 * Series on one time axis for uPlot: [times, values of series 1, values of series 2, …].
 * @param {Series[]} series
 * @returns {(number | null)[][]}
 */
function alignedData(series) {
  const times = [...new Set(series.flatMap((one) => one.points.map(([time]) => time)))].sort((a, b) => a - b);
  const index = new Map(times.map((time, position) => [time, position]));
  const columns = series.map((one) => {
    /** @type {(number | null)[]} */
    const values = new Array(times.length).fill(null);
    for (const [time, value] of one.points) {
      // uPlot draws finite numbers only; NaN and ±Inf are gaps.
      values[/** @type {number} */ (index.get(time))] =
        value !== null && Number.isFinite(value) ? value : null;
    }
    return values;
  });
  return [times, ...columns];
}

/**
 * A time series panel with uPlot: the same plot gets new data while the series stay the same;
 * otherwise it is destroyed and built again.
 * @param {PanelState} panel
 * @param {Series[]} series
 * @param {{ start: number, end: number }} range
 */
function drawTimeSeries(panel, series, range) {
  const { view, body } = panel;
  const uPlot = /** @type {any} */ (globalThis).uPlot;
  if (typeof uPlot !== "function") {
    panel.figure.dataset.state = "error";
    body.replaceChildren(el("p", { class: "panel-error" }, "uPlot did not load (/vendor/uPlot.iife.min.js)"));
    return;
  }
  const data = alignedData(series);
  const key = JSON.stringify(series.map((one) => one.name));
  panel.range = range;
  if (panel.plot && panel.plotKey === key && body.contains(panel.plot.root)) {
    panel.plot.setData(data);
    return;
  }
  destroyPlot(panel);
  body.replaceChildren();
  const size = plotSize(panel);
  const format = (/** @type {number | null} */ value) =>
    value === null || value === undefined ? "—" : formatValue(value, view.unit, view.decimals);
  const opts = {
    ...size,
    legend: { show: view.showLegend },
    scales: {
      // Read at every redraw, so a refresh or a new time range moves the axis.
      x: { time: true, range: () => [panel.range?.start ?? range.start, panel.range?.end ?? range.end] },
      y: {
        range: (/** @type {any} */ _u, /** @type {number} */ low, /** @type {number} */ high) =>
          yRange(view, low, high),
      },
    },
    axes: [
      {},
      {
        size: 70,
        values: (/** @type {any} */ _u, /** @type {number[]} */ splits) =>
          splits.map((value) => format(value)),
      },
    ],
    series: [
      {},
      ...series.map((one, index) => ({
        label: one.name,
        stroke: seriesColor(index),
        width: 1.5,
        spanGaps: false,
        value: (/** @type {any} */ _u, /** @type {number | null} */ value) => format(value),
      })),
    ],
    hooks: { draw: [(/** @type {any} */ u) => drawThresholds(u, view.thresholds)] },
  };
  panel.plot = new uPlot(opts, data, body);
  panel.plotKey = key;
  // Now the legend is there to measure.
  panel.plot.setSize(plotSize(panel));
  panel.resize = new ResizeObserver(() => panel.plot?.setSize(plotSize(panel)));
  panel.resize.observe(body);
}

/**
 * The y range: the panel's min/max where set, else the data's, never a zero-height range.
 * @param {PanelView} view
 * @param {number | null} low
 * @param {number | null} high
 * @returns {[number, number]}
 */
function yRange(view, low, high) {
  let min = view.min ?? (low === null ? 0 : Math.min(0, low));
  let max = view.max ?? (high === null ? 1 : high);
  if (max <= min) max = min + (Math.abs(min) || 1);
  if (view.max === undefined) max += (max - min) * 0.05;
  if (view.min === undefined && min < 0) min -= (max - min) * 0.05;
  return [min, max];
}

/**
 * The plot's size: what the panel's body leaves once the legend below the plot has its room.
 * @param {PanelState} panel
 * @returns {{ width: number, height: number }}
 */
function plotSize(panel) {
  const legend = /** @type {HTMLElement | null | undefined} */ (panel.plot?.root.querySelector(".u-legend"));
  const legendHeight = legend ? legend.offsetHeight : panel.view.showLegend ? 48 : 0;
  const width = Math.max(200, panel.body.clientWidth - 4);
  return { width, height: Math.max(80, panel.body.clientHeight - legendHeight - 8) };
}

/**
 * Each threshold step above the base as a dashed horizontal line in its colour.
 * @param {any} u the uPlot instance
 * @param {ThresholdStep[]} steps
 */
function drawThresholds(u, steps) {
  const { ctx, bbox } = u;
  for (const step of steps) {
    if (step.value === null) continue;
    const y = u.valToPos(step.value, "y", true);
    if (!Number.isFinite(y) || y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.save();
    ctx.strokeStyle = cssColor(step.color);
    ctx.lineWidth = 1.5 * (globalThis.devicePixelRatio || 1);
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.restore();
  }
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function message(error) {
  return error instanceof Error ? error.message : String(error);
}
