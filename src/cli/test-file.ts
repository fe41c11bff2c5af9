// A team's promtool test file, made runnable against the synthesized rules: `rule_files` names rule
// files as synth writes them (custom.yaml), and becomes their paths in a temporary directory.
// Pure: the caller reads the file, writes the result and runs promtool.
import { join } from "node:path";
import { closest, distance } from "fastest-levenshtein";
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { StackConfig } from "../config/schema.ts";

export interface TestFileProblem {
  /** The test file as the user named it. */
  file: string;
  /** 1-based position in the file, when the problem has one. */
  line?: number;
  column?: number;
  message: string;
  /** The problem names a rule file that synth does not write: the report lists those it does. */
  unknownRuleFile?: true;
}

export type PreparedTestFile =
  | { ok: true; text: string; ruleFiles: readonly string[] }
  | { ok: false; problems: readonly TestFileProblem[] };

export interface TestFileOptions {
  /** The test file as the user named it, for messages. */
  file: string;
  /** The rule file names synth writes under config/prometheus/rules/. */
  available: readonly string[];
  /** Where those rule files are written for promtool. */
  ruleDir: string;
  config: Pick<StackConfig, "evaluationInterval">;
}

/**
 * The test file with `rule_files` replaced by the synthesized files' paths (every one when it names
 * none) and `evaluation_interval` defaulting to the config's, or every problem found in it.
 */
export function prepareTestFile(source: string, options: TestFileOptions): PreparedTestFile {
  const lineCounter = new LineCounter();
  // Failsafe: every scalar stays the text it was written as, so only the keys set below change what
  // promtool reads (its YAML 1.1 reader would see `yes` or `0x1F` in a label differently once
  // re-typed). Duplicate keys are refused, as promtool's strict reader refuses them.
  const document = parseDocument(source, {
    version: "1.1",
    schema: "failsafe",
    prettyErrors: false,
    lineCounter,
  });
  const at = (offset: number | undefined): Pick<TestFileProblem, "line" | "column"> => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problem = (message: string, node?: Node | null): TestFileProblem => ({
    file: options.file,
    ...at(node?.range?.[0]),
    message,
  });

  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        file: options.file,
        ...at(error.pos[0]),
        message: `not valid YAML: ${yamlReason(error.message)}`,
      })),
    };
  }
  const root = document.contents;
  if (root === null || isNull(root)) {
    return { ok: false, problems: [problem("is empty: a promtool test file is a mapping with tests")] };
  }
  if (!isMap(root)) {
    return {
      ok: false,
      problems: [problem("is not a mapping: a promtool test file has keys rule_files and tests", root)],
    };
  }

  const problems: TestFileProblem[] = [];
  const names = ruleFileNames(document, options, problem, problems);
  const tests = document.get("tests", true);
  if (tests === undefined || isNull(tests)) {
    problems.push(problem("tests: missing, so nothing would be tested"));
  } else if (!isSeq(tests)) {
    problems.push(problem("tests: must be a list of test groups", nodeOf(tests)));
  } else if (tests.items.length === 0) {
    problems.push(problem("tests: is empty, so nothing would be tested", tests));
  }
  if (problems.length > 0) return { ok: false, problems };

  const loaded = names ?? options.available;
  document.set(
    "rule_files",
    loaded.map((name) => escapeGlob(join(options.ruleDir, name))),
  );
  const interval = document.get("evaluation_interval", true);
  if (interval === undefined || isNull(interval)) {
    document.set("evaluation_interval", options.config.evaluationInterval);
  }
  return { ok: true, text: document.toString({ lineWidth: 0 }), ruleFiles: loaded };
}

/** The names rule_files lists, each once; undefined when it lists none (every file is loaded). */
function ruleFileNames(
  document: Document,
  options: TestFileOptions,
  problem: (message: string, node?: Node | null) => TestFileProblem,
  problems: TestFileProblem[],
): string[] | undefined {
  const list = document.get("rule_files", true);
  if (list === undefined || isNull(list)) return undefined;
  if (!isSeq(list)) {
    problems.push(problem("rule_files: must be a list of rule file names (custom.yaml)", nodeOf(list)));
    return undefined;
  }
  if (list.items.length === 0) {
    problems.push(problem("rule_files: is empty; leave it out to load every synthesized rule file", list));
    return undefined;
  }
  const names: string[] = [];
  list.items.forEach((item, index) => {
    const key = `rule_files[${index}]`;
    if (!isScalar(item) || typeof item.value !== "string" || isNull(item)) {
      problems.push(problem(`${key}: must be a rule file name (custom.yaml)`, nodeOf(item)));
      return;
    }
    const name = item.value;
    if (options.available.includes(name)) {
      if (!names.includes(name)) names.push(name);
      return;
    }
    problems.push({
      ...problem(`${key} = ${JSON.stringify(name)}: ${unknownName(name, options.available)}`, item),
      unknownRuleFile: true,
    });
  });
  return names;
}

/** Why a rule_files entry names nothing, and what it may have meant. */
export function unknownName(name: string, available: readonly string[]): string {
  const base = name.slice(name.lastIndexOf("/") + 1);
  if (name.includes("/") && available.includes(base)) {
    return `no synthesized rule file has this name; name it without a directory: ${base}`;
  }
  if (/[*?[]/.test(name)) {
    return "no synthesized rule file has this name (patterns are not expanded); name each file, or leave rule_files out to load all of them";
  }
  if (available.length === 0) return "no synthesized rule file has this name";
  const best = closest(name, [...available]);
  const near = distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(name.length / 3));
  return `no synthesized rule file has this name${near ? `; did you mean ${best}?` : ""}`;
}

/** A plain `~`, `null` or empty value: what promtool's YAML reader takes for no value at all. */
function isNull(node: unknown): boolean {
  if (!isScalar(node)) return false;
  if (node.value === null) return true;
  return (
    node.type === "PLAIN" &&
    typeof node.value === "string" &&
    ["", "~", "null", "Null", "NULL"].includes(node.value)
  );
}

function nodeOf(value: unknown): Node | undefined {
  return isScalar(value) || isMap(value) || isSeq(value) ? value : undefined;
}

/** yaml's message without the position it appends: the problem states it already. */
function yamlReason(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "");
}

/** rule_files entries are glob patterns to promtool: a path holding * ? [ or \ must not expand. */
function escapeGlob(path: string): string {
  return path.replace(/[*?[\\]/g, "\\$&");
}

export function formatTestFileProblem(problem: TestFileProblem): string {
  const where = problem.line === undefined ? "" : `:${problem.line}:${problem.column}`;
  return `${problem.file}${where}: ${problem.message}`;
}
