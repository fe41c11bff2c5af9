// Value formatting for the dashboards preview: units, threshold colours, legend names and query
// steps, as pure functions. They follow Grafana 12's behaviour where the preview relies on it; each
// rule names the Grafana source it was read from (github.com/grafana/grafana).

/**
 * Decimals for a value when the panel sets none: enough to show about three significant digits.
 * @param {number} value
 * @returns {number}
 */
function autoDecimals(value) {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || !Number.isFinite(magnitude)) return 0;
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  if (magnitude >= 1) return 2;
  return Math.min(6, 1 - Math.floor(Math.log10(magnitude)));
}

/**
 * A number with fixed decimals, trailing zeros kept only when the decimals were asked for.
 * @param {number} value
 * @param {number | undefined} decimals
 * @returns {string}
 */
function fixed(value, decimals) {
  if (decimals !== undefined) return value.toFixed(decimals);
  return String(Number(value.toFixed(autoDecimals(value))));
}

/**
 * Scales by `factor` until the value fits, then adds that step's suffix ("short", "bytes", "reqps").
 * @param {number} value
 * @param {number | undefined} decimals
 * @param {number} factor
 * @param {string[]} suffixes
 * @returns {string}
 */
function scaled(value, decimals, factor, suffixes) {
  let step = 0;
  let scaledValue = value;
  while (Math.abs(scaledValue) >= factor && step < suffixes.length - 1) {
    scaledValue /= factor;
    step += 1;
  }
  return `${fixed(scaledValue, decimals)}${suffixes[step]}`;
}

/** @type {[number, string][]} seconds per unit, largest first (Grafana's toSeconds steps). */
const TIME_UNITS = [
  [365 * 24 * 3600, " year"],
  [7 * 24 * 3600, " week"],
  [24 * 3600, " day"],
  [3600, " hour"],
  [60, " min"],
  [1, " s"],
];

/**
 * A duration in seconds: milliseconds below a second, then s, min, hour, day, week, year.
 * @param {number} seconds
 * @param {number | undefined} decimals
 * @returns {string}
 */
function duration(seconds, decimals) {
  const magnitude = Math.abs(seconds);
  if (magnitude > 0 && magnitude < 1) return `${fixed(seconds * 1000, decimals)} ms`;
  for (const [size, suffix] of TIME_UNITS) {
    if (magnitude >= size) return `${fixed(seconds / size, decimals)}${suffix}`;
  }
  return `${fixed(seconds, decimals)} s`;
}

/**
 * A value as a panel with this unit shows it. Units and their suffixes follow Grafana's
 * packages/grafana-data/src/valueFormats/categories.ts (grafana/grafana, v12.x): percentunit is a
 * 0–1 ratio shown ×100, percent is already 0–100, bytes are IEC (1024, KiB…), s and ms scale up to
 * min/hour/day, short scales by 1000 (K, Mil, Bil), reqps is a count per second. Unknown units
 * are shown as numbers with the unit after them.
 * @param {number} value
 * @param {string} unit
 * @param {number | undefined} [decimals]
 * @returns {string}
 */
export function formatValue(value, unit, decimals) {
  if (value === null || value === undefined || Number.isNaN(value)) return "No data";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  switch (unit) {
    case "percentunit":
      return `${fixed(value * 100, decimals)}%`;
    case "percent":
      return `${fixed(value, decimals)}%`;
    case "bytes":
      return scaled(value, decimals, 1024, [" B", " KiB", " MiB", " GiB", " TiB", " PiB"]);
    case "s":
      return duration(value, decimals);
    case "ms":
      return Math.abs(value) < 1000 ? `${fixed(value, decimals)} ms` : duration(value / 1000, decimals);
    case "reqps":
      return `${scaled(value, decimals, 1000, ["", "K", "M", "B", "T"])} req/s`;
    case "short":
      return scaled(value, decimals, 1000, ["", " K", " Mil", " Bil", " Tri"]);
    case "none":
    case "":
    case undefined:
      return fixed(value, decimals);
    default:
      return `${fixed(value, decimals)} ${unit}`;
  }
}

/**
 * @typedef {{ value: number | null, color: string }} ThresholdStep
 */

/**
 * The step a value falls in: the last whose value it reaches, the base step (value null) below all.
 * As Grafana's getActiveThreshold (packages/grafana-data/src/field/thresholds.ts, grafana/grafana).
 * @param {number} value
 * @param {ThresholdStep[]} steps
 * @returns {ThresholdStep | undefined}
 */
export function activeThreshold(value, steps) {
  let active = steps[0];
  for (const step of steps) {
    if (step.value === null || value >= step.value) active = step;
    else break;
  }
  return active;
}

/** Grafana's named colours, dark theme primary shades (packages/grafana-data/src/themes/createVisualizationColors.ts). */
const NAMED_COLORS = {
  green: "#73BF69",
  "dark-green": "#37872D",
  "light-green": "#96D98D",
  red: "#F2495C",
  "dark-red": "#C4162A",
  "light-red": "#FF7383",
  orange: "#FF9830",
  "dark-orange": "#FA6400",
  "light-orange": "#FFB357",
  yellow: "#FADE2A",
  "dark-yellow": "#E0B400",
  "light-yellow": "#FFEE52",
  blue: "#5794F2",
  "dark-blue": "#1F60C4",
  "light-blue": "#8AB8FF",
  purple: "#B877D9",
  "dark-purple": "#8F3BB8",
  "light-purple": "#CA95E5",
  text: "#CCCCDC",
  transparent: "transparent",
};

/**
 * A CSS colour for a Grafana colour: a named colour, or a hex/rgb value passed through.
 * @param {string} color
 * @returns {string}
 */
export function cssColor(color) {
  const named = /** @type {Record<string, string>} */ (NAMED_COLORS)[color];
  if (named) return named;
  const shade = /^(?:semi-dark|super-light)-(\w+)$/.exec(color)?.[1];
  if (shade) return cssColor(shade);
  return color;
}

/**
 * The colour of a value under a panel's thresholds.
 * @param {number} value
 * @param {ThresholdStep[]} steps
 * @returns {string}
 */
export function thresholdColor(value, steps) {
  return cssColor(activeThreshold(value, steps)?.color ?? "green");
}

/** A palette for series, told apart on a dark background. */
const SERIES_COLORS = [
  "#7EB26D",
  "#EAB839",
  "#6ED0E0",
  "#EF843C",
  "#E24D42",
  "#1F78C1",
  "#BA43A6",
  "#705DA0",
  "#508642",
  "#CCA300",
];

/**
 * @param {number} index
 * @returns {string}
 */
export function seriesColor(index) {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? "#7EB26D";
}

/**
 * A series' name in the legend, as Grafana's Prometheus datasource names it (getName in
 * pkg/promlib/querydata/response.go, grafana/grafana): with a legendFormat, each {{label}} becomes
 * the label's value (or nothing); without one, name{label="value", …} with labels sorted; a series
 * with neither name nor labels is named by its expression.
 * @param {Record<string, string>} metric
 * @param {string | undefined} legendFormat
 * @param {string} expr
 * @returns {string}
 */
export function legendName(metric, legendFormat, expr) {
  if (legendFormat && legendFormat !== "__auto") {
    return legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, label) => metric[label] ?? "");
  }
  const { __name__: name = "", ...labels } = metric;
  const pairs = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`);
  if (legendFormat === "__auto" && pairs.length > 0) return "";
  if (pairs.length === 0) return name || expr;
  return `${name}{${pairs.join(", ")}}`;
}

/**
 * The query_range step in seconds: about `points` points over the range, never below the scrape
 * interval (a finer step only repeats samples), rounded to milliseconds.
 * @param {number} rangeSeconds
 * @param {number} scrapeIntervalSeconds
 * @param {number} [points]
 * @returns {number}
 */
export function stepSeconds(rangeSeconds, scrapeIntervalSeconds, points = 250) {
  const step = Math.max(rangeSeconds / points, scrapeIntervalSeconds);
  return Math.ceil(step * 1000) / 1000;
}

/**
 * A simulated span as words: 5 real minutes at time scale 60 are "5 h".
 * @param {number} realSeconds
 * @param {number} timeScale
 * @returns {string}
 */
export function simulatedSpan(realSeconds, timeScale) {
  const text = duration(realSeconds * timeScale, undefined);
  return /^1 /.test(text) ? text : text.replace(/ (hour|day|week|year)$/, " $1s");
}
