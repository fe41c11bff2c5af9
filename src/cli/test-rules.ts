// `plue-monitoring test FILE...`: a team's promtool unit tests, run against the rule files synth
// would write for the config.
//   0 every test passes · 1 a test failed · 2 bad input (config, flags, a test file, no promtool)
import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.ts";
import { renderConfigs } from "../synth.ts";
import type { CommandContext } from "./context.ts";
import { formatTestFileProblem, prepareTestFile, type TestFileProblem } from "./test-file.ts";
import { UsageError } from "./usage-error.ts";

export const testUsage = `Usage: plue-monitoring test [--config FILE] [--set KEY=VALUE]... FILE...

Runs promtool's unit tests (promtool test rules) in each FILE against the rule files synth would
write for the config. A FILE's rule_files names synthesized rule files as they appear under
config/prometheus/rules/ (custom.yaml, custom-recording.yaml, pods.yaml, ...); without rule_files,
every one is loaded. evaluation_interval defaults to the config's evaluationInterval.
  --config FILE    plue-monitoring.config.{ts,json,yaml}; default: the one in the working directory
  --set KEY=VALUE  override one key (camelCase or the seed's snake_case name); repeatable
Needs promtool on PATH (Debian package prometheus). See docs/extending.md.
Exit: 0 every test passes, 1 a test failed, 2 bad input (config, a FILE, no promtool).`;

/** What one promtool run printed, and how it ended. */
interface PromtoolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function testCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      set: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    context.stdout(testUsage);
    return 0;
  }
  const split = splitSetValue(args);
  if (split !== undefined) {
    throw new UsageError(
      `unexpected argument #${split + 1} (not shown: it may be a secret): --set takes KEY=VALUE as one argument, with no space around =`,
    );
  }
  if (positionals.length === 0) throw new UsageError(`no test FILE given\n\n${testUsage}`);
  const config = await loadConfig({
    cwd: context.cwd,
    configFile: values.config,
    env: context.env,
    sets: values.set ?? [],
  });
  const rules = renderConfigs(config).ruleFiles;
  const available = Object.keys(rules);

  // TMPDIR from the command's own environment, as os.tmpdir() would read it from the process's.
  const dir = mkdtempSync(join(context.env.TMPDIR || tmpdir(), "plue-monitoring-rule-tests-"));
  const stopCleanup = cleanUpOnSignal(dir);
  try {
    const ruleDir = join(dir, "rules");
    const problems: TestFileProblem[] = [];
    const prepared = positionals.map((file, index) => {
      const source = readTestFile(file, context.cwd);
      if (typeof source !== "string") {
        problems.push(source);
        return undefined;
      }
      const result = prepareTestFile(source, { file, available, ruleDir, config });
      if (!result.ok) {
        problems.push(...result.problems);
        return undefined;
      }
      // One directory per file: two FILEs may share a name.
      return { file, copy: join(dir, "tests", String(index), basename(file)), text: result.text };
    });
    const promtool = findOnPath("promtool", context.env.PATH);
    if (promtool === undefined) {
      problems.push({
        file: "promtool",
        message:
          "not found on PATH; install it with Debian's prometheus package (apt-get install prometheus)",
      });
    }
    if (problems.length > 0 || promtool === undefined)
      throw new UsageError(problemReport(problems, available));

    mkdirSync(ruleDir);
    for (const [name, text] of Object.entries(rules)) writeFileSync(join(ruleDir, name), text);
    const runs = prepared.flatMap((entry) => (entry ? [entry] : []));
    for (const run of runs) {
      mkdirSync(join(run.copy, ".."), { recursive: true });
      writeFileSync(run.copy, run.text);
    }
    const results = await Promise.all(
      runs.map((run) => runPromtool(promtool, ["test", "rules", run.copy], dir, context.env)),
    );
    // promtool names the files it was given: show the user's file, and rule files by their names.
    const shown = (text: string, file: string, copy: string) =>
      text.replaceAll(copy, file).replaceAll(`${ruleDir}/`, "").replace(/\n+$/, "");
    results.forEach((result, index) => {
      const run = runs[index];
      if (!run) return;
      const stdout = shown(result.stdout, run.file, run.copy);
      const stderr = shown(result.stderr, run.file, run.copy);
      if (stdout !== "") context.stdout(stdout);
      if (stderr !== "") context.stderr(stderr);
      if (result.signal !== null || (result.code !== 0 && result.code !== 1)) {
        context.stderr(`${run.file}: promtool ended with ${result.signal ?? `exit code ${result.code}`}`);
      }
    });
    const failed = runs.filter((_, index) => results[index]?.code !== 0).map((run) => run.file);
    if (runs.length > 1) {
      context.stdout(
        `${runs.length} test files: ${runs.length - failed.length} passed, ${failed.length} failed${failed.length > 0 ? ` (${failed.join(", ")})` : ""}`,
      );
    }
    return failed.length === 0 ? 0 : 1;
  } finally {
    stopCleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The index of an argument that is the value of a `--set KEY VALUE` written with a space: taken for a
 * FILE, it would be printed as one, and it may be a secret.
 */
function splitSetValue(args: readonly string[]): number | undefined {
  for (let index = 1; index < args.length; index++) {
    const previous = args[index - 1] ?? "";
    const setWithoutValue =
      (args[index - 2] === "--set" && !previous.includes("=")) ||
      (previous.startsWith("--set=") && !previous.slice("--set=".length).includes("="));
    if (setWithoutValue && !(args[index] ?? "").startsWith("-")) return index;
  }
  return undefined;
}

/** The file's text, or why it cannot be read. */
function readTestFile(file: string, cwd: string): string | TestFileProblem {
  try {
    return readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    const message =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a test file"
          : `could not be read${code ? ` (${code})` : ""}`;
    return { file, message };
  }
}

function problemReport(problems: readonly TestFileProblem[], available: readonly string[]): string {
  const heading = `cannot run the tests (${problems.length === 1 ? "1 problem" : `${problems.length} problems`}):`;
  const lines = problems.map((problem) => `  - ${formatTestFileProblem(problem)}`);
  const list = problems.some((problem) => problem.unknownRuleFile)
    ? [`The synthesized rule files: ${available.join(", ")}`]
    : [];
  return [heading, ...lines, ...list].join("\n");
}

/** An executable named `name` in one of PATH's directories, as a shell would find it. */
function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const directory of (path ?? "").split(delimiter)) {
    if (directory === "" || !isAbsolute(directory)) continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function runPromtool(
  command: string,
  args: readonly string[],
  cwd: string,
  env: CommandContext["env"],
): Promise<PromtoolRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: { ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/**
 * Removes `dir` if the process is interrupted while promtool runs (Ctrl-C reaches promtool and us
 * alike), then ends as the signal would have. Returns the function that stops watching.
 */
function cleanUpOnSignal(dir: string): () => void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const handler = (signal: NodeJS.Signals) => {
    stop();
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  const stop = () => {
    for (const signal of signals) process.off(signal, handler);
  };
  for (const signal of signals) process.once(signal, handler);
  return stop;
}
