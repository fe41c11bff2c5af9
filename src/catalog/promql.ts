// What a PromQL expression reads, found with the Prometheus project's own grammar
// (@prometheus-io/lezer-promql): each vector selector's metric name and its `job` matcher.
import { parser } from "@prometheus-io/lezer-promql";
import type { MetricEntry } from "./types.ts";
import { findMetric } from "./types.ts";

export interface SelectorRead {
  /** The metric name, or undefined for a selector without one ({job="x"}). */
  metric: string | undefined;
  /** The selector as written. */
  text: string;
  /** Jobs a `job="a"` or `job=~"a|b"` matcher selects; undefined without a job matcher. */
  jobs: string[] | undefined;
  /** Every label matcher, the metric name's included, values unquoted. */
  matchers: LabelMatcher[];
  /**
   * The selector can only keep the expression from returning series, never make it return any: it
   * stands in the right operand of an `unless` (a cordoned node, a read-only claim) or inside
   * absent()/absent_over_time(). Without its series the expression returns more, not less.
   */
  guard: boolean;
}

export interface LabelMatcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

export interface ExpressionReads {
  selectors: SelectorRead[];
  /** Syntax errors, each with the text around it. */
  syntaxErrors: string[];
}

interface SyntaxNodeLike {
  name: string;
  from: number;
  to: number;
}

interface TreeNodeLike extends SyntaxNodeLike {
  parent: TreeNodeLike | null;
  firstChild: TreeNodeLike | null;
  nextSibling: TreeNodeLike | null;
  getChild(name: string): TreeNodeLike | null;
}

const INVERTING_FUNCTIONS = new Set(["absent", "absent_over_time"]);

/** Whether the node lies in the right operand of an `unless`, or in an argument of absent(). */
function isGuard(node: TreeNodeLike, expr: string): boolean {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.name === "BinaryExpr") {
      const unless = parent.getChild("Unless");
      if (unless && child.from >= unless.to) return true;
    }
    if (parent.name === "FunctionCall") {
      const name = parent.getChild("FunctionIdentifier");
      if (name && INVERTING_FUNCTIONS.has(text(expr, name))) return true;
    }
  }
  return false;
}

export function readsOf(expr: string): ExpressionReads {
  const tree = parser.parse(expr);
  const selectors: SelectorRead[] = [];
  const syntaxErrors: string[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        syntaxErrors.push(
          `syntax error at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 20), ref.from + 20)}…`,
        );
        return;
      }
      if (ref.name !== "VectorSelector") return;
      const node = ref.node;
      const identifier = node.getChild("Identifier");
      const matchers: LabelMatcher[] = [];
      const list = node.getChild("LabelMatchers");
      for (let child = list?.firstChild; child; child = child.nextSibling) {
        const label = child.getChild("LabelName") ?? child.getChild("QuotedLabelName");
        const op = child.getChild("MatchOp");
        const value = child.getChild("StringLiteral");
        if (!label || !op || !value) continue;
        matchers.push({
          label: unquote(text(expr, label)),
          op: text(expr, op) as LabelMatcher["op"],
          value: unquote(text(expr, value)),
        });
      }
      const nameMatcher = matchers.find((m) => m.label === "__name__" && m.op === "=");
      selectors.push({
        metric: identifier ? text(expr, identifier) : nameMatcher?.value,
        text: text(expr, node),
        jobs: jobsSelected(matchers.find((m) => m.label === "job")),
        matchers,
        guard: isGuard(node as TreeNodeLike, expr),
      });
    },
  });
  return { selectors, syntaxErrors };
}

/** `plue` in the catalog stands for each of Plue's service jobs. */
export function expandJobs(jobs: readonly string[], plueJobs: readonly string[]): Set<string> {
  return new Set(jobs.flatMap((job) => (job === "plue" ? [...plueJobs] : [job])));
}

/**
 * Everything wrong with what an expression reads: syntax errors, selectors without a metric name,
 * metrics neither in the catalog nor recorded by our rules, and job matchers selecting a job that
 * does not provide the metric.
 */
export function expressionProblems(
  expr: string,
  catalog: readonly MetricEntry[],
  options: { recorded?: readonly string[]; plueJobs: readonly string[] },
): string[] {
  const { selectors, syntaxErrors } = readsOf(expr);
  const problems = [...syntaxErrors];
  for (const selector of selectors) {
    if (!selector.metric) {
      problems.push(`${selector.text}: selects no metric by name`);
      continue;
    }
    if (options.recorded?.includes(selector.metric)) continue;
    const entry = findMetric(catalog, selector.metric);
    if (!entry) {
      problems.push(`${selector.metric}: not in the metric catalog`);
      continue;
    }
    const providers = expandJobs(entry.jobs, options.plueJobs);
    for (const job of selector.jobs ?? []) {
      if (!providers.has(job)) problems.push(`${selector.text}: job "${job}" does not provide ${entry.name}`);
    }
  }
  return problems;
}

function text(expr: string, node: SyntaxNodeLike): string {
  return expr.slice(node.from, node.to);
}

function unquote(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1);
  if (literal.startsWith('"') || literal.startsWith("'")) {
    return literal.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return literal;
}

/** job="a" → [a]; job=~"a|b" → [a, b] when the regex is a plain alternation of names. */
function jobsSelected(matcher: { op: string; value: string } | undefined): string[] | undefined {
  if (!matcher) return undefined;
  if (matcher.op === "=") return [matcher.value];
  if (matcher.op === "=~" && /^[\w-]+(\|[\w-]+)*$/.test(matcher.value)) return matcher.value.split("|");
  return undefined;
}

/**
 * For each vector selector, in the order readsOf lists them, the labels the expression groups or
 * joins on around it: `by (…)` of an enclosing aggregation, `on (…)` of an enclosing binary
 * operation, and the labels `group_left (…)` / `group_right (…)` copy from the side the selector is
 * on. Without one of them on its series the expression groups everything under an empty value, or
 * matches nothing. `without` and `ignoring` only drop labels, so a missing one changes nothing.
 */
export function groupingLabelsOf(expr: string): string[][] {
  const tree = parser.parse(expr);
  const result: string[][] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.name !== "VectorSelector") return;
      const labels = new Set<string>();
      const node = ref.node as unknown as TreeNodeLike;
      for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
        if (parent.name === "AggregateExpr") {
          const modifier = parent.getChild("AggregateModifier");
          if (modifier?.getChild("By")) for (const label of groupingLabels(expr, modifier)) labels.add(label);
        }
        if (parent.name === "BinaryExpr") {
          const clause = parent.getChild("MatchingModifierClause");
          if (clause)
            for (const label of joinLabels(expr, clause, child.from >= clause.to)) labels.add(label);
        }
      }
      result.push([...labels]);
    },
  });
  return result;
}

/** The labels of the first GroupingLabels under a node. */
function groupingLabels(expr: string, node: TreeNodeLike): string[] {
  const list = node.getChild("GroupingLabels");
  return list ? labelNames(expr, list) : [];
}

function labelNames(expr: string, list: TreeNodeLike): string[] {
  const names: string[] = [];
  for (let child = list.firstChild; child; child = child.nextSibling) {
    if (child.name === "LabelName" || child.name === "QuotedLabelName")
      names.push(unquote(text(expr, child)));
  }
  return names;
}

/**
 * What a matching clause needs of one side: the `on` labels, and the labels group_left copies from
 * the right side (group_right from the left).
 */
function joinLabels(expr: string, clause: TreeNodeLike, onRightSide: boolean): string[] {
  const lists: TreeNodeLike[] = [];
  for (let child = clause.firstChild; child; child = child.nextSibling) {
    if (child.name === "GroupingLabels") lists.push(child);
  }
  const on = clause.getChild("On") && lists[0] ? labelNames(expr, lists[0]) : [];
  const copied = lists[1] ? labelNames(expr, lists[1]) : [];
  const copiesFromThisSide =
    (clause.getChild("GroupLeft") && onRightSide) || (clause.getChild("GroupRight") && !onRightSide);
  return copiesFromThisSide ? [...on, ...copied] : on;
}
