// What changed from Prometheus 2 to 3 that the stack's own output could trip over, as pure checks:
// PromQL (rules and dashboards), relabel configs, Prometheus' command line and the Content-Type of a
// /metrics answer. Tests run Prometheus 2.42 and clusters run 3.13, and neither engine runs here, so
// each check reads the output against upstream's migration guide (docs/migration.md and CHANGELOG.md
// "3.0.0" at v3.13.2). Why each check is shaped so: docs/architecture.md "Prometheus 2 → 3".
import { parser } from "@prometheus-io/lezer-promql";
import { durationMs } from "../config/formats.ts";
import type { ScrapeConfig } from "./types.ts";

export type Hazard =
  /** The expression does not parse with Prometheus 3's grammar (lezer-promql). */
  | "syntax"
  /** `le`/`quantile` matched by value: Prometheus 3 stores le="1" as le="1.0". */
  | "bucket-label-value"
  /** A range or subquery too short to keep two samples once the left boundary is open. */
  | "short-window"
  /** A regex `.` that may meet a newline: Prometheus 3's matches it, 2's did not. */
  | "newline-dot"
  /** holt_winters is gone from Prometheus 3 (renamed, behind a feature flag). */
  | "holt-winters"
  /** A quoted or otherwise non-legacy metric or label name: Prometheus 2.42 cannot read it. */
  | "utf8-name"
  /** A command-line flag or feature flag Prometheus 3 removed. */
  | "removed-flag";

export interface Finding {
  hazard: Hazard;
  /** Where it was found: a rule, a panel, a scrape job's relabel step, a flag. */
  where: string;
  message: string;
}

// ---- names ----------------------------------------------------------------------------------------

const LEGACY_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Valid under the legacy scheme, the only one Prometheus 2.42 knows. */
export const isLegacyMetricName = (name: string): boolean => LEGACY_METRIC_NAME.test(name);
export const isLegacyLabelName = (name: string): boolean => LEGACY_LABEL_NAME.test(name);

// ---- label values that can never hold a newline -------------------------------------------------

const KUBERNETES_NAME = "a Kubernetes object name (DNS-1123: letters, digits, '-', '.')";

/**
 * Labels whose values cannot hold a newline, and why. A regex `.` is safe on these alone; on any
 * other label (a route, an annotation, a reason string) it may meet `\n`, which Prometheus 3 matches
 * and 2 did not.
 */
export const NEWLINE_FREE_LABELS: Readonly<Record<string, string>> = {
  namespace: KUBERNETES_NAME,
  exported_namespace: KUBERNETES_NAME,
  pod: KUBERNETES_NAME,
  container: KUBERNETES_NAME,
  node: KUBERNETES_NAME,
  service: KUBERNETES_NAME,
  deployment: KUBERNETES_NAME,
  persistentvolumeclaim: KUBERNETES_NAME,
  job: "a job_name of prometheus.yml",
  phase: "a Kubernetes pod phase (Pending, Running, Succeeded, Failed, Unknown)",
  http_response_status_code: "an HTTP status code: three digits (the metric contract)",
  http_request_method: "an HTTP method token (no whitespace in HTTP's grammar)",
  le: "a number",
  quantile: "a number",
  cpu: "a CPU number",
  slo: "an SLO name our recording rules attach (lowercase letters, digits, '-' and '_': src/slo/schema.ts)",
};

/** Kubernetes discovery labels whose values cannot hold a newline, and why. */
export const NEWLINE_FREE_DISCOVERY_LABELS: Readonly<Record<string, string>> = {
  __meta_kubernetes_namespace: KUBERNETES_NAME,
  __meta_kubernetes_pod_name: KUBERNETES_NAME,
  __meta_kubernetes_node_name: KUBERNETES_NAME,
  __meta_kubernetes_pod_node_name: KUBERNETES_NAME,
  __meta_kubernetes_service_name: KUBERNETES_NAME,
  __meta_kubernetes_endpointslice_port: "a port number",
  __meta_kubernetes_endpointslice_port_name: "an IANA service name (Kubernetes validates it)",
  __meta_kubernetes_pod_container_init: "true or false",
  __meta_kubernetes_pod_phase: "a Kubernetes pod phase",
};

// ---- regexes --------------------------------------------------------------------------------------

/**
 * Offsets of each `.` in an RE2 regex whose meaning differs between the versions. Prometheus 2
 * anchors a regex as ^(?:re)$ and 3 as ^(?s:re)$, so a `.` outside a character class and outside any
 * explicit (?s) or (?-s) matches `\n` in 3 only. `[^\n]`, `\s` and `[^x]` mean the same in both.
 */
export function newlineSensitiveDots(regex: string): number[] {
  const dots: number[] = [];
  // The s flag in force: undefined while the regex leaves it to the version, else as set explicitly.
  let dotAll: boolean | undefined;
  const enclosing: (boolean | undefined)[] = [];
  let index = 0;
  while (index < regex.length) {
    const char = regex[index];
    if (char === "\\") {
      if (regex[index + 1] === "Q") {
        const end = regex.indexOf("\\E", index + 2);
        index = end < 0 ? regex.length : end + 2;
      } else {
        index += 2;
      }
    } else if (char === "[") {
      index = endOfCharacterClass(regex, index);
    } else if (char === "(") {
      enclosing.push(dotAll);
      const flags = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(regex.slice(index));
      if (flags) {
        const next = flags[2]?.includes("s") ? false : flags[1]?.includes("s") ? true : dotAll;
        // (?s) holds to the end of the enclosing group; (?s:…) only inside its own.
        if (flags[3] === ")") enclosing.pop();
        dotAll = next;
        index += flags[0].length;
      } else {
        index += /^\(\?P?<\w+>/.exec(regex.slice(index))?.[0].length ?? 1;
      }
    } else if (char === ")") {
      if (enclosing.length > 0) dotAll = enclosing.pop();
      index++;
    } else {
      if (char === "." && dotAll === undefined) dots.push(index);
      index++;
    }
  }
  return dots;
}

/** The offset just past the character class opening at `start`. */
function endOfCharacterClass(regex: string, start: number): number {
  let index = start + 1;
  if (regex[index] === "^") index++;
  if (regex[index] === "]") index++; // a leading ] is literal
  while (index < regex.length && regex[index] !== "]") {
    if (regex[index] === "\\") index += 2;
    else if (regex.startsWith("[:", index)) {
      const end = regex.indexOf(":]", index + 2);
      index = end < 0 ? index + 1 : end + 2;
    } else index++;
  }
  return index + 1;
}

// ---- PromQL ---------------------------------------------------------------------------------------

export interface SelectorReads {
  /** The metric name, or undefined for a selector without one. */
  metric: string | undefined;
  /** Jobs a `job="a"` or `job=~"a|b"` matcher selects; undefined without such a matcher. */
  jobs: string[] | undefined;
  text: string;
}

export interface PromqlContext {
  /** Where the expression comes from, for the findings. */
  where: string;
  /** How often what a selector reads gets a new sample: its job's scrape interval, or the rule evaluation interval for a recorded series. */
  sampleIntervalMs(selector: SelectorReads): number;
  /** The default subquery step. */
  evaluationIntervalMs: number;
  /** How many sample intervals a range must span (the project's Timing keeps 4). */
  minIntervalsPerWindow: number;
  /** Our own recording rules attach this label with this value to this series: never normalized. */
  setByRecordingRule?(metric: string, label: string, value: string): boolean;
  /** Labels whose values cannot hold a newline (default: NEWLINE_FREE_LABELS). */
  newlineFree?(label: string): boolean;
}

interface Node {
  name: string;
  from: number;
  to: number;
  firstChild: Node | null;
  nextSibling: Node | null;
  getChild(name: string): Node | null;
  getChildren(name: string): Node[];
}

const children = (node: Node): Node[] => {
  const list: Node[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) list.push(child);
  return list;
};

const BUCKET_LABELS = new Set(["le", "quantile"]);
const REGEX_OPS = new Set(["=~", "!~"]);

// ---- bucket bounds in both texts ----------------------------------------------------------------

/**
 * A bucket bound as Prometheus 3 stores it (formatOpenMetricsFloat in its text parser): Go's shortest
 * `%g` (an exponent below 1e-4 and from 1e6 on), with ".0" added to a whole number (1 → "1.0").
 */
export function prometheus3BoundText(bound: number): string {
  if (!Number.isFinite(bound)) return bound > 0 ? "+Inf" : bound < 0 ? "-Inf" : "NaN";
  const [mantissa = "", exponentText = "0"] = bound.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = Math.abs(exponent).toString().padStart(2, "0");
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${digits}`;
  }
  const text = String(bound);
  return text.includes(".") ? text : `${text}.0`;
}

/**
 * The one way to match a bucket bound by value that holds on Prometheus 2 and 3: a regex of the text
 * our services expose (JavaScript's, le="1") and the text Prometheus 3 stores (le="1.0"),
 * `le=~"1|1.0"`; one alternative where both agree (`le=~"0.25"`). The promqlFindings check accepts
 * exactly this regex for `le`, and nothing else.
 */
export function bucketBoundRegex(bound: number): string {
  // A "." matches itself among other characters, and le holds only numbers; a "+" (1e+06) must be escaped.
  const texts = new Set([String(bound), prometheus3BoundText(bound)]);
  return [...texts].map((text) => text.replaceAll("+", "\\+")).join("|");
}

/** Whether a matcher value is bucketBoundRegex() of the number its first alternative spells. */
function isBucketBoundRegex(value: string): boolean {
  const first = (value.split("|")[0] ?? "").replaceAll("\\+", "+");
  const bound = Number(first);
  return first.trim() !== "" && !Number.isNaN(bound) && value === bucketBoundRegex(bound);
}

/** Every Prometheus 2 → 3 hazard in one PromQL expression. */
export function promqlFindings(expr: string, context: PromqlContext): Finding[] {
  const findings: Finding[] = [];
  const { where } = context;
  const text = (node: Node) => expr.slice(node.from, node.to);
  const add = (hazard: Hazard, message: string) => findings.push({ hazard, where, message });
  const newlineFree = context.newlineFree ?? ((label: string) => label in NEWLINE_FREE_LABELS);
  const checkRegex = (label: string, regex: string, what: string) => {
    if (newlineSensitiveDots(regex).length > 0 && !newlineFree(label)) {
      add(
        "newline-dot",
        `${what}: the regex ${JSON.stringify(regex)} has a "." and ${label} may hold a newline; write [^\\n]`,
      );
    }
  };
  const checkLabelName = (name: string, what: string) => {
    if (!isLegacyLabelName(name))
      add("utf8-name", `${what}: label name ${JSON.stringify(name)} is not legacy`);
  };

  const tree = parser.parse(expr);
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        add(
          "syntax",
          `syntax error at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 20), ref.from + 20)}…`,
        );
        return;
      }
      const node = ref.node as unknown as Node;
      switch (ref.name) {
        case "QuotedLabelName":
          add("utf8-name", `${text(node)}: a quoted name, which Prometheus 2.42 cannot parse`);
          break;
        case "LabelName":
          checkLabelName(text(node), text(node));
          break;
        case "VectorSelector":
          checkSelector(node);
          break;
        case "MatrixSelector":
          checkRange(node);
          break;
        case "SubqueryExpr":
          checkSubquery(node);
          break;
        case "FunctionCall":
          checkFunction(node);
          break;
        case "AggregateExpr":
          if (node.getChild("AggregateOp")?.getChild("CountValues")) {
            const label = node.getChild("FunctionCallBody")?.getChild("StringLiteral");
            if (label) checkLabelName(unquotePromqlString(text(label)), `count_values(${text(label)})`);
          }
          break;
      }
    },
  });
  return findings;

  function matchersOf(selector: Node) {
    const list = selector.getChild("LabelMatchers");
    return (list ? children(list) : []).flatMap((matcher) => {
      const label = matcher.getChild("LabelName") ?? matcher.getChild("QuotedLabelName");
      const op = matcher.getChild("MatchOp");
      const value = matcher.getChild("StringLiteral");
      return label && op && value
        ? [{ label: unquotePromqlString(text(label)), op: text(op), value: unquotePromqlString(text(value)) }]
        : [];
    });
  }

  function readsOf(selector: Node): SelectorReads {
    const matchers = matchersOf(selector);
    const identifier = selector.getChild("Identifier");
    const byName = matchers.find((matcher) => matcher.label === "__name__" && matcher.op === "=");
    const job = matchers.find((matcher) => matcher.label === "job");
    const jobs =
      job?.op === "="
        ? [job.value]
        : job?.op === "=~" && /^[\w-]+(\|[\w-]+)*$/.test(job.value)
          ? job.value.split("|")
          : undefined;
    return { metric: identifier ? text(identifier) : byName?.value, jobs, text: text(selector) };
  }

  function checkSelector(selector: Node) {
    const identifier = selector.getChild("Identifier");
    if (
      identifier &&
      text(identifier) === "holt_winters" &&
      expr.slice(identifier.to).trimStart()[0] === "("
    ) {
      add(
        "holt-winters",
        "holt_winters() is double_exponential_smoothing() behind a feature flag in Prometheus 3",
      );
      return;
    }
    const { metric } = readsOf(selector);
    if (metric !== undefined && !isLegacyMetricName(metric)) {
      add("utf8-name", `${text(selector)}: metric name ${JSON.stringify(metric)} is not legacy`);
    }
    for (const { label, op, value } of matchersOf(selector)) {
      const what = `${text(selector)}`;
      if (BUCKET_LABELS.has(label) && value !== "") {
        const ours = op === "=" && metric !== undefined && context.setByRecordingRule?.(metric, label, value);
        const bothTexts = label === "le" && op === "=~" && isBucketBoundRegex(value);
        if (!ours && !bothTexts) {
          add(
            "bucket-label-value",
            `${what}: matches ${label} by its text, which Prometheus 3 normalizes (le="1" is stored as le="1.0"); match a bound as le=~"1|1.0" (bucketBoundRegex)`,
          );
        }
      }
      if (REGEX_OPS.has(op)) checkRegex(label, value, what);
    }
  }

  function windowMs(duration: Node | undefined): number | undefined {
    if (!duration) return undefined;
    try {
      return durationMs(text(duration));
    } catch {
      add("short-window", `[${text(duration)}]: not a plain duration, so its span cannot be checked`);
      return undefined;
    }
  }

  /** The longest sample interval among the selectors under a node (a subquery's inner expression). */
  function intervalInside(node: Node): number {
    const selectors = (inner: Node): Node[] =>
      inner.name === "VectorSelector" ? [inner] : children(inner).flatMap(selectors);
    return Math.max(0, ...selectors(node).map((selector) => context.sampleIntervalMs(readsOf(selector))));
  }

  function checkRange(matrix: Node) {
    const selector = matrix.getChild("VectorSelector");
    const range = windowMs(matrix.getChild("DurationExpr") ?? undefined);
    if (!selector || range === undefined) return;
    const interval = context.sampleIntervalMs(readsOf(selector));
    if (range < context.minIntervalsPerWindow * interval) {
      add(
        "short-window",
        `${text(matrix)}: spans ${range / interval} sample intervals of ${interval} ms; at least ${context.minIntervalsPerWindow} are needed`,
      );
    }
  }

  function checkSubquery(subquery: Node) {
    const [rangeNode, stepNode] = subquery.getChildren("DurationExpr");
    const range = windowMs(rangeNode);
    if (range === undefined) return;
    const step = windowMs(stepNode) ?? context.evaluationIntervalMs;
    // Left-open: [a:b] aligned on b holds a/b points, one fewer than in Prometheus 2.
    if (range < 2 * step) {
      add("short-window", `${text(subquery)}: a subquery range under twice its step keeps one point`);
    }
    const interval = intervalInside(subquery);
    if (range < context.minIntervalsPerWindow * interval) {
      add(
        "short-window",
        `${text(subquery)}: spans ${range / interval} sample intervals of ${interval} ms; at least ${context.minIntervalsPerWindow} are needed`,
      );
    }
  }

  function checkFunction(call: Node) {
    const name = text(call.getChild("FunctionIdentifier") ?? call);
    const strings = (call.getChild("FunctionCallBody")?.getChildren("StringLiteral") ?? []).map((literal) =>
      unquotePromqlString(text(literal)),
    );
    if (name === "holt_winters" || name === "double_exponential_smoothing") {
      add("holt-winters", `${name}(): needs --enable-feature=promql-experimental-functions in Prometheus 3`);
    } else if (name === "label_replace") {
      const [target, , source, regex] = strings;
      for (const label of [target, source]) if (label !== undefined) checkLabelName(label, `${name}(…)`);
      if (source !== undefined && regex !== undefined)
        checkRegex(source, regex, `${name}(…, ${JSON.stringify(source)}, …)`);
    } else if (name === "label_join") {
      const [target, , ...sources] = strings;
      for (const label of [target, ...sources]) if (label !== undefined) checkLabelName(label, `${name}(…)`);
    }
  }
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** A PromQL string literal's value (Go escapes in "…" and '…'; `…` is raw). */
/** A PromQL string literal's value, as Go reads its escapes. */
export function unquotePromqlString(literal: string): string {
  const quote = literal[0];
  if (quote === "`") return literal.slice(1, -1);
  if (quote !== '"' && quote !== "'") return literal;
  return literal
    .slice(1, -1)
    .replace(
      /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g,
      (_match, sequence: string) => {
        if (/^[xuU]/.test(sequence)) return String.fromCodePoint(Number.parseInt(sequence.slice(1), 16));
        if (/^[0-7]{3}$/.test(sequence)) return String.fromCodePoint(Number.parseInt(sequence, 8));
        return GO_ESCAPES[sequence] ?? sequence;
      },
    );
}

// ---- relabel configs ------------------------------------------------------------------------------

/** Actions whose regex matches label names (legacy names never hold a newline), not values. */
const NAME_ACTIONS = new Set(["labelmap", "labeldrop", "labelkeep"]);

/**
 * The relabel steps of one scrape job whose regex has a version-dependent `.` and whose input may
 * hold a newline. What may hold one is followed through the steps: a label written from free text
 * (an annotation) is free text for every later step. Targets from static_configs are read as given.
 */
export function relabelFindings(job: ScrapeConfig): Finding[] {
  const findings: Finding[] = [];
  const hasNewline = (value: string) => value.includes("\n");
  const mayHoldNewline = new Map<string, boolean>();
  const statics = job.static_configs ?? [];
  mayHoldNewline.set(
    "__address__",
    statics.some((group) => group.targets.some(hasNewline)),
  );
  for (const group of statics) {
    for (const [name, value] of Object.entries(group.labels ?? {})) {
      mayHoldNewline.set(name, (mayHoldNewline.get(name) ?? false) || hasNewline(value));
    }
  }
  mayHoldNewline.set("job", hasNewline(job.job_name));
  for (const [name, values] of Object.entries(job.params ?? {})) {
    mayHoldNewline.set(`__param_${name}`, values.some(hasNewline));
  }
  // A discovery label not known to be newline-free (an annotation above all) is free text; any
  // other label not set yet is empty.
  const freeText = (label: string) =>
    mayHoldNewline.get(label) ?? (label.startsWith("__meta_") && !(label in NEWLINE_FREE_DISCOVERY_LABELS));

  for (const [index, step] of (job.relabel_configs ?? []).entries()) {
    const where = `${job.job_name} relabel_configs[${index}]`;
    const sources = step.source_labels ?? [];
    const action = step.action ?? "replace";
    for (const label of [...sources, ...(step.target_label ? [step.target_label] : [])]) {
      if (!isLegacyLabelName(label)) {
        findings.push({
          hazard: "utf8-name",
          where,
          message: `label name ${JSON.stringify(label)} is not legacy`,
        });
      }
    }
    if (NAME_ACTIONS.has(action)) continue;
    const input = sources.filter(freeText);
    const regex = step.regex ?? "(.*)";
    if (input.length > 0 && newlineSensitiveDots(regex).length > 0) {
      findings.push({
        hazard: "newline-dot",
        where,
        message: `the regex ${JSON.stringify(regex)}${step.regex === undefined ? " (the default)" : ""} has a "." and ${input.join(", ")} may hold a newline; write [^\\n]`,
      });
    }
    if (action === "replace" && step.target_label) {
      const replacement = step.replacement ?? "$1";
      const written = hasNewline(replacement) || (replacement.includes("$") && input.length > 0);
      mayHoldNewline.set(step.target_label, freeText(step.target_label) || written);
    }
  }
  return findings;
}

// ---- command line ---------------------------------------------------------------------------------

/** Flags Prometheus 3.0 removed (CHANGELOG.md 3.0.0): 3.x refuses to start with them. */
export const FLAGS_REMOVED_IN_PROMETHEUS_3: Readonly<Record<string, string>> = {
  "storage.tsdb.retention": "use --storage.tsdb.retention.time",
  "storage.tsdb.allow-overlapping-blocks": "overlapping blocks are always allowed",
  "alertmanager.timeout": "it had no effect since 2.x",
};

/**
 * --enable-feature values Prometheus 3 dropped or turned into no-ops (migration.md "Flags",
 * CHANGELOG.md 3.0.0, 3.4.0, 3.9.0): 3.x only logs a warning and goes on without them.
 */
export const FEATURES_REMOVED_IN_PROMETHEUS_3: Readonly<Record<string, string>> = {
  "promql-at-modifier": "always on",
  "promql-negative-offset": "always on",
  "new-service-discovery-manager": "always on",
  "expand-external-labels": "always on: environment variables in external labels are expanded",
  "no-default-scrape-port": "always on: no port is added to targets",
  agent: "use --agent",
  "remote-write-receiver": "use --web.enable-remote-write-receiver",
  "otlp-write-receiver": "use --web.enable-otlp-receiver",
  "auto-gomemlimit": "always on (--no-auto-gomemlimit turns it off)",
  "auto-gomaxprocs": "always on (--no-auto-gomaxprocs turns it off)",
  "utf8-names": "always on",
  "ooo-native-histograms": "a no-op since 3.4",
  "native-histograms": "a no-op since 3.9: set scrape_native_histograms",
};

/**
 * What a 2.x Prometheus (Debian's 2.42 here) needs to read the cluster's prometheus.yml as 3.x does:
 * the replica label's `${POD_NAME}` is expanded only with this flag before 3.0 (docs/feature_flags.md
 * at v2.42.0), and left as written without it. The cluster, on 3.x, never passes it: 3.x ignores it.
 */
export const EXPAND_EXTERNAL_LABELS_ON_PROMETHEUS_2 = "--enable-feature=expand-external-labels";

/** Each removed flag or feature flag in a Prometheus command line (`--flag=value` form). */
export function removedFlagFindings(args: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const arg of args) {
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match?.[1]) continue;
    const flag = match[1];
    const removed = FLAGS_REMOVED_IN_PROMETHEUS_3[flag];
    if (removed)
      findings.push({ hazard: "removed-flag", where: arg, message: `--${flag} is gone in 3.x: ${removed}` });
    if (flag !== "enable-feature") continue;
    for (const feature of (match[2] ?? "").split(",")) {
      const replaced = FEATURES_REMOVED_IN_PROMETHEUS_3[feature.trim()];
      if (replaced) {
        findings.push({
          hazard: "removed-flag",
          where: arg,
          message: `--enable-feature=${feature.trim()} is ignored by 3.x: ${replaced}`,
        });
      }
    }
  }
  return findings;
}

// ---- scraping -------------------------------------------------------------------------------------

/** Media types Prometheus 3 parses a scrape as (model/textparse extractMediaType at v3.13.2). */
export const PROMETHEUS_3_SCRAPE_MEDIA_TYPES: readonly string[] = [
  "text/plain",
  "application/openmetrics-text",
  "application/vnd.google.protobuf",
];

/**
 * The Accept header Prometheus 3.13 scrapes with by default. Unlike 2.x it offers escaping=allow-utf-8:
 * a target that can send UTF-8 names sends them unescaped to 3.x, escaped with underscores to 2.x.
 */
export const PROMETHEUS_3_ACCEPT_HEADER = [
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6",
  "application/openmetrics-text;version=0.0.1;q=0.5",
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4",
  "text/plain;version=0.0.4;q=0.3",
  "*/*;q=0.2",
].join(",");

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})(?:/(${TOKEN}))?$`);
const PARAMETER = new RegExp(`^\\s*;\\s*(${TOKEN})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|${TOKEN})\\s*`);

/**
 * Why Prometheus 3 (without fallback_scrape_protocol, which 2.42 cannot read) would fail a scrape
 * answered with this Content-Type, or undefined when it parses it. Prometheus 2 read anything it did
 * not recognize as the text format. Parsed as Go's mime.ParseMediaType does.
 */
export function scrapeContentTypeProblem(contentType: string | null | undefined): string | undefined {
  if (!contentType) return "no Content-Type: Prometheus 3 fails the scrape";
  const semicolon = contentType.indexOf(";");
  const base = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (!MEDIA_TYPE.test(base)) return `Content-Type ${JSON.stringify(contentType)} is not a media type`;
  let rest = semicolon < 0 ? "" : contentType.slice(semicolon);
  const seen = new Set<string>();
  while (rest.trim() !== "" && rest.trim() !== ";") {
    const parameter = PARAMETER.exec(rest);
    if (!parameter?.[1]) return `Content-Type ${JSON.stringify(contentType)} has a malformed parameter`;
    const name = parameter[1].toLowerCase();
    if (seen.has(name)) return `Content-Type ${JSON.stringify(contentType)} repeats the parameter ${name}`;
    seen.add(name);
    rest = rest.slice(parameter[0].length);
  }
  if (!PROMETHEUS_3_SCRAPE_MEDIA_TYPES.includes(base)) {
    return `Content-Type ${base} is not one Prometheus 3 scrapes (${PROMETHEUS_3_SCRAPE_MEDIA_TYPES.join(", ")})`;
  }
  return undefined;
}
