// Whether Prometheus would load an expression: its syntax (@prometheus-io/lezer-promql), its types
// (@prometheus-io/codemirror-promql's checker, the one Prometheus' own UI runs: rate() of an instant
// vector, a vector where a scalar belongs), what a rule may return, and its regex matchers.
import { createRequire } from "node:module";
import type * as Language from "@codemirror/language";
import type * as State from "@codemirror/state";
import type * as Lezer from "@prometheus-io/lezer-promql";
import { readsOf } from "./promql.ts";

// The checker is published as CommonJS only, and it finds the syntax tree through the CommonJS
// build of @codemirror/language: the state and the language must come from those same builds, or
// the checker sees no tree at all.
const require = createRequire(import.meta.url);
const { ensureSyntaxTree, LRLanguage, syntaxTree } = require("@codemirror/language") as typeof Language;
const { EditorState } = require("@codemirror/state") as typeof State;
/** The part of the checker used here (its own typings name the ES module builds' types). */
interface TypeChecker {
  analyze(): void;
  getDiagnostics(): readonly { message: string; severity: string; from: number }[];
}
const { Parser } = require("@prometheus-io/codemirror-promql/dist/cjs/parser/parser.js") as {
  Parser: new (state: State.EditorState) => TypeChecker;
};
const { getType } = require("@prometheus-io/codemirror-promql/dist/cjs/parser/type.js") as {
  getType(node: unknown): string;
};
const { parser } = require("@prometheus-io/lezer-promql") as typeof Lezer;

const promql = LRLanguage.define({ parser });

/**
 * Constructs JavaScript accepts and Go's RE2 (Prometheus' regex engine) refuses: lookaround and
 * backreferences. A matcher using one would load in no Prometheus.
 */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

function regexProblem(value: string): string | undefined {
  if (NOT_RE2.test(value)) return "uses lookaround or a backreference, which Prometheus' RE2 regexes lack";
  try {
    new RegExp(`^(?:${value})$`);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "is invalid: ");
  }
}

/**
 * Why Prometheus would refuse `expr` in a rule (or, with `rule: false`, in a dashboard query, which
 * may return a range vector); [] when it would load.
 */
export function promqlErrors(expr: string, options: { rule: boolean } = { rule: true }): string[] {
  const { selectors, syntaxErrors } = readsOf(expr);
  if (syntaxErrors.length > 0) return syntaxErrors;
  // EditorState.create parses only the first 3000 characters, for at most 20 ms (an editor parses the
  // rest as it scrolls): the checker would judge a cut-off tree. The whole of it, then a state holding it.
  const created = EditorState.create({ doc: expr, extensions: promql });
  if (!ensureSyntaxTree(created, expr.length, 60_000))
    return [`${expr.length} characters take too long to parse`];
  const state = created.update({}).state;
  const checker = new Parser(state);
  checker.analyze();
  const errors = checker
    .getDiagnostics()
    .filter((diagnostic) => diagnostic.severity === "error")
    .map((diagnostic) => `${diagnostic.message} at ${diagnostic.from}`);
  if (errors.length > 0) return errors;
  const type = getType(syntaxTree(state).topNode.firstChild);
  const accepted = options.rule ? ["vector", "scalar"] : ["vector", "scalar", "matrix"];
  if (!accepted.includes(type)) {
    return [
      `evaluates to a ${type === "matrix" ? "range vector" : type}; expected an instant vector or a scalar`,
    ];
  }
  for (const { text, matchers } of selectors) {
    for (const matcher of matchers) {
      if (matcher.op !== "=~" && matcher.op !== "!~") continue;
      const problem = regexProblem(matcher.value);
      if (problem) errors.push(`${text}: the regex ${JSON.stringify(matcher.value)} ${problem}`);
    }
  }
  return errors;
}
