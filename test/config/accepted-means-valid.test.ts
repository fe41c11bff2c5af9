// Whatever `synth` accepts gives files the real tools load; whatever it refuses is refused cleanly.
//
// Configs come from the schema (test/config/config-arbitraries.ts): first every listed suspect value
// of every key alone (control characters, templates, quotes, huge strings and numbers, URLs with
// credentials, namespaces that clash, malformed --set), then generated configs mixing valid and
// hostile values, fed as a config file, --set and TF_VAR_. Each goes through main() in this process;
// then, over all that were accepted at once:
//   promtool check rules, promtool check config --syntax-only (Kubernetes SD swapped for file SD, as
//   Debian's promtool lacks it), amtool check-config, kubectl kustomize (on a sample, below), and
//   checks of the written tree (object sizes, file modes, YAML 1.1 scalars).
// A handful also run through the real CLI process. A problem found is shrunk to a small config and
// reported with the tool's complaint, secrets masked.
//
//   PLUE_PROPERTY_SEED  seed of the generated configs (default 20260828: the same configs every run)
//   PLUE_PROPERTY_RUNS  how many configs to generate beyond the listed suspects (default 200)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { CommandContext } from "../../src/cli/context.ts";
import { main } from "../../src/cli/main.ts";
import { keySpecs } from "../../src/config/schema.ts";
import { toYaml } from "../../src/render.ts";
import {
  checkClusterConfigSyntax,
  jobsOf,
  KUBERNETES_SD_COMPLAINT,
  withFileSd,
} from "../helpers/promtool.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import {
  type ConfigCase,
  configCase,
  describeCase,
  inputsFor,
  isAllValid,
  keysWithoutValues,
  relatedKeys,
  secretNeedles,
  suspectCases,
} from "./config-arbitraries.ts";

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}=${text}: expected a whole number`);
  return value;
}

const SEED = envNumber("PLUE_PROPERTY_SEED", 20260828);
const RUNS = envNumber("PLUE_PROPERTY_RUNS", 200);
/** The listed suspects, tried before the generated configs; paths count them too. */
const EXAMPLES = suspectCases().map((c): [ConfigCase] => [c]);
const TOTAL = EXAMPLES.length + RUNS;
/**
 * kubectl kustomize takes ~0.2 s of CPU a config, so it builds a sample: the first configs accepted
 * with a hostile value in each key (or mistake between keys), and every few accepted valid ones.
 */
const KUSTOMIZE_PER_FAULT = 2;
const KUSTOMIZE_EVERY_VALID = 6;
/** Configs batched into one promtool or amtool call; a failing batch is checked config by config. */
const BATCH = 16;
/**
 * Shrinking stops after this long per problem, or after this many problems per property: longer for
 * problems only an accepted config shows, as each try is a whole synth.
 */
const SHRINK_MS = { refused: 5_000, accepted: 10_000 };
const SHRINK_AT_MOST = { refused: 8, accepted: 4 };
/** Kubernetes refuses a ConfigMap or Secret over 1 MiB. */
const MAX_OBJECT_BYTES = 1024 * 1024;
/** A refusal is a few lines; one that echoes a huge value floods the terminal. */
const MAX_STDERR = 64 * 1024;

const BIN = fileURLToPath(new URL("../../bin/plue-monitoring.mjs", import.meta.url));
const root = tempDir("plue-accepted-means-valid-");

// ---------------------------------------------------------------------------------------------
// Running synth.

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The working directory, holding the config file. */
  dir: string;
  out: string;
}

/** The input files, arguments and environment of a case, written into dir. */
function prepare(c: ConfigCase, dir: string) {
  mkdirSync(dir, { recursive: true });
  const inputs = inputsFor(c);
  if (inputs.file) writeFileSync(join(dir, inputs.file.name), JSON.stringify(inputs.file.contents));
  const out = join(dir, "out");
  return { args: ["synth", ...inputs.args, "--out", out], env: inputs.env, out };
}

async function synthInProcess(c: ConfigCase, dir: string): Promise<Outcome> {
  const { args, env, out } = prepare(c, dir);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CommandContext = {
    cwd: dir,
    env,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  };
  const code = await main(args, context);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n"), dir, out };
}

let shrinkDirs = 0;
/** Runs synth on a case in a directory of its own, removed afterwards. */
async function withOutcome<T>(c: ConfigCase, use: (outcome: Outcome) => Promise<T> | T): Promise<T> {
  const dir = join(root.path, "shrink", String(shrinkDirs++));
  try {
    return await use(await synthInProcess(c, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A path as shown in a complaint: relative to its run, so complaints about different runs compare equal. */
const runPrefix = new RegExp(
  `${root.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(?:runs|shrink|process)/\\d+/`,
  "g",
);
const tidy = (text: string) => text.replaceAll(runPrefix, "").replaceAll(root.path, "<tmp>");

// ---------------------------------------------------------------------------------------------
// Problems: one per thing wrong, grouped by signature, so the same cause is reported once.

interface Problem {
  signature: string;
  detail: string;
}

/** A complaint without its particulars (numbers, quoted names), to group the same complaint about different values. */
const normalized = (text: string) =>
  tidy(text.slice(0, 2000))
    .replace(/__alert_\w+/g, "__alert_…")
    // An argument quoted whole, whatever quotes it holds.
    .replace(/argument '.*'\. /, "argument '…'. ")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/\d+/g, "N")
    .trim()
    .slice(0, 240);

const firstLines = (text: string, count = 12) => {
  const lines = text
    .split("\n")
    .map((line) => tidy(line.length > 500 ? `${line.slice(0, 400)}… (${line.length} characters)` : line));
  return lines.length > count
    ? [...lines.slice(0, count), `… (${lines.length - count} more lines)`].join("\n")
    : lines.join("\n");
};

const problem = (signature: string, detail: string): Problem => ({ signature, detail: firstLines(detail) });

// ---------------------------------------------------------------------------------------------
// Checks made in this process, on the outcome of one case.

const configKeys = new Set(keySpecs.map((spec) => spec.key));
const camelOf = (name: string) =>
  keySpecs.find((spec) => spec.key === name || spec.seedName === name)?.key ?? name;

/** The keys a refusal's problem lines name (their first segment), or --set for a flag error. */
function namedKeys(stderr: string): string[] {
  const keys = [
    ...stderr.matchAll(/^ {2}- (\S+?)(?= = | \(from |: |$)/gm),
    // A mistyped key is named by the suggestion.
    ...stderr.matchAll(/did you mean (?:--set )?([\w.]+)/g),
  ].map((match) => (match[1] as string).split(".")[0] as string);
  if (keys.length === 0 && /--set\b/.test(stderr)) keys.push("--set");
  return [...new Set(keys)];
}

/** Keys a refusal of this case may name: those at fault, the keys checked against them, and --set for a malformed one. */
function keysAllowedToName(c: ConfigCase): Set<string> {
  const allowed = new Set<string>(c.faultKeys);
  for (const group of relatedKeys) {
    if (group.some((key) => c.faultKeys.includes(key))) for (const key of group) allowed.add(key);
  }
  if (c.malformedSet) {
    allowed.add("--set");
    allowed.add(camelOf(c.malformedSet.key));
  }
  return allowed;
}

function refusalProblems(c: ConfigCase, o: Outcome): Problem[] {
  if (o.code === 0) return [];
  const problems: Problem[] = [];
  if (o.code !== 2)
    problems.push(problem(`exits ${o.code}: ${normalized(o.stderr.split("\n")[0] ?? "")}`, o.stderr));
  if (existsSync(o.out)) problems.push(problem("refuses, yet writes --out", `${o.out} exists`));
  const leftovers = readdirSync(o.dir).filter((name) => name.startsWith("out."));
  if (leftovers.length > 0)
    problems.push(problem("refuses, yet leaves a staging directory", leftovers.join(", ")));
  if (o.stderr.length > MAX_STDERR) {
    problems.push(
      problem(
        "refusal floods stderr",
        `${o.stderr.length} characters of stderr, starting:\n${o.stderr.slice(0, 400)}`,
      ),
    );
  }
  if (!isAllValid(c)) {
    const named = namedKeys(o.stderr);
    const allowed = keysAllowedToName(c);
    const refusedValid = named.filter((key) => configKeys.has(key) && !allowed.has(key));
    for (const key of refusedValid) problems.push(problem(`refuses ${key}, given a valid value`, o.stderr));
    // Checks between keys wait until every key is valid alone: a valid value refused hides them.
    if (refusedValid.length === 0 && !named.some((key) => allowed.has(key))) {
      problems.push(
        problem(
          `names none of the keys at fault: ${normalized(o.stderr.split("\n")[0] ?? "")}`,
          `at fault: ${[...allowed].sort().join(", ")}\n${o.stderr}`,
        ),
      );
    }
  }
  return problems;
}

function validAcceptedProblems(c: ConfigCase, o: Outcome): Problem[] {
  if (!isAllValid(c) || o.code === 0) return [];
  return [
    problem(`refuses valid values: ${namedKeys(o.stderr).sort().join(", ") || "(no key named)"}`, o.stderr),
  ];
}

function leakProblems(c: ConfigCase, o: Outcome): Problem[] {
  const printed = `${o.stdout}\n${o.stderr}`;
  const needles = secretNeedles(c);
  const masked = needles.reduce((text, { needle }) => text.replaceAll(needle, "<secret>"), printed);
  const origins = new Set(
    needles.filter(({ needle }) => printed.includes(needle)).map(({ origin }) => origin),
  );
  return [...origins].map((origin) =>
    problem(`prints a secret: ${origin}`, `exit ${o.code}; output, the secret masked:\n${masked}`),
  );
}

/** Every file of a written tree, relative to it. */
function filesOf(out: string): string[] {
  return (readdirSync(out, { recursive: true }) as string[]).filter((path) =>
    statSync(join(out, path)).isFile(),
  );
}

function objectSizeProblems(o: Outcome): Problem[] {
  const manifests = join(o.out, "manifests");
  const problems: Problem[] = [];
  for (const file of filesOf(manifests)) {
    // JSON is at most a few times longer than the YAML it comes from: smaller files cannot hold 1 MiB.
    if (statSync(join(manifests, file)).size < MAX_OBJECT_BYTES / 4) continue;
    for (const document of parseAllDocuments(readFileSync(join(manifests, file), "utf8"))) {
      const object = document.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      const bytes = Buffer.byteLength(JSON.stringify(object));
      if (object && bytes > MAX_OBJECT_BYTES) {
        problems.push(
          problem(
            `${object.kind} in manifests/${file} is over 1 MiB`,
            `${object.kind} ${object.metadata?.name}: ${bytes} bytes; Kubernetes takes at most ${MAX_OBJECT_BYTES}`,
          ),
        );
      }
    }
  }
  return problems;
}

/** One problem per kind of secret (a Secret object, or a secret given) left readable, naming the files. */
function fileModeProblems(c: ConfigCase, o: Outcome): Problem[] {
  const needles = secretNeedles(c);
  const readable = new Map<string, string[]>();
  for (const file of filesOf(o.out)) {
    const path = join(o.out, file);
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    const text = readFileSync(path, "utf8");
    const holds = [
      ...(/^kind: Secret$/m.test(text) ? ["a Secret object"] : []),
      ...needles.filter(({ needle }) => text.includes(needle)).map(({ origin }) => origin),
    ];
    for (const what of new Set(holds))
      readable.set(what, [...(readable.get(what) ?? []), `${file} (mode ${mode.toString(8)})`]);
  }
  return [...readable].map(([what, files]) =>
    problem(`files holding ${what} are readable by others`, files.join("\n")),
  );
}

/**
 * Plain scalars a YAML 1.1 reader (sigs.k8s.io/yaml: kubectl apply -f, and kustomize for a
 * kustomization.yaml) takes for a boolean or a number where a YAML 1.2 writer meant a string.
 */
const YAML11_SCALAR =
  /^\s*(?:- |([\w./-]+): )(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9]*_[0-9_]*)\s*$/gm;

/** One problem per field holding such a scalar, naming the files it is in. */
function yaml11Problems(o: Outcome): Problem[] {
  const manifests = join(o.out, "manifests");
  const byField = new Map<string, string[]>();
  for (const file of filesOf(manifests)) {
    for (const match of readFileSync(join(manifests, file), "utf8").matchAll(YAML11_SCALAR)) {
      const field = match[1] ?? "a list item";
      byField.set(field, [...(byField.get(field) ?? []), `manifests/${file}: ${match[0].trim()}`]);
    }
  }
  return [...byField].map(([field, where]) =>
    problem(
      `${field} is a plain scalar YAML 1.1 reads as a boolean or number (y, no, on, 1_000), as kubectl apply -f does`,
      where.join("\n"),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The real tools, on one accepted outcome (for shrinking, and for a batch that failed).

const rulesDir = (o: Outcome) => join(o.out, "config/prometheus/rules");
const ruleFilesOf = (o: Outcome) => readdirSync(rulesDir(o)).map((file) => join(rulesDir(o), file));
const prometheusYml = (o: Outcome) => join(o.out, "config/prometheus/prometheus.yml");
const fileSdCopy = (o: Outcome) => join(o.dir, "prometheus-file-sd.yml");
const alertmanagerYml = (o: Outcome) => join(o.out, "config/alertmanager/alertmanager.yml");

/** promtool's complaints: stderr lines about a file (lint remarks, which do not fail, left out). */
function complaintLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== "" &&
        line !== "FAILED:" &&
        !/^lint error|^Metric:|^Label\(s\):|^Might cause|^\w+: \w+$/.test(line),
    );
}

async function promtoolRules(o: Outcome): Promise<Problem[]> {
  const result = await runCommand("promtool", ["check", "rules", ...ruleFilesOf(o)]);
  if (result.code === 0) return [];
  const lines = complaintLines(result.stderr);
  // The same complaint about every rule file is one problem.
  return (lines.length > 0 ? lines : [`exit ${result.code}`]).map((line) =>
    problem(`promtool check rules: ${normalized(line.replace(/^\S*\/rules\/[\w.-]+: /, ""))}`, line),
  );
}

async function promtoolConfig(o: Outcome): Promise<Problem[]> {
  let yml: Record<string, unknown>;
  try {
    yml = parse(readFileSync(prometheusYml(o), "utf8")) as Record<string, unknown>;
  } catch (error) {
    return [problem("prometheus.yml is not YAML", String(error))];
  }
  const result = await checkClusterConfigSyntax(yml, o.dir);
  const complaints: string[] = [...result.otherComplaints.map((complaint) => complaint ?? "")];
  if (
    result.raw.code !== 0 &&
    result.otherComplaints.length === 0 &&
    result.kubernetesSdComplaints !== result.kubernetesSdJobs
  ) {
    complaints.push(result.raw.stderr);
  }
  if (result.swapped.code !== 0) complaints.push(result.swapped.stderr);
  // The file as written and its file-SD copy mostly fail alike: one problem per complaint.
  const bySignature = new Map(
    complaints.map((complaint) => {
      const said = complaint.replace(/FAILED: parsing YAML file \S+: /, "").trim();
      return [`promtool check config: ${normalized(said)}`, said] as const;
    }),
  );
  return [...bySignature].map(([signature, said]) => problem(signature, said));
}

async function amtoolCheck(o: Outcome): Promise<Problem[]> {
  const result = await runCommand("amtool", ["check-config", alertmanagerYml(o)]);
  if (result.code === 0 && result.stdout.includes("SUCCESS")) return [];
  const said = (result.stdout + result.stderr).replace(/^Checking '[^']*'\s*/, "");
  return [problem(`amtool check-config: ${normalized(said.split("\n")[0] ?? "")}`, said)];
}

/** kubectl kustomize, its output discarded (only whether it builds matters), with no cluster to reach. */
function kustomize(dir: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("kubectl", ["kustomize", dir], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, KUBECONFIG: join(root.path, "no-kubeconfig") },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) => resolve({ code: 127, stderr: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

async function kustomizeCheck(o: Outcome): Promise<Problem[]> {
  const result = await kustomize(join(o.out, "manifests"));
  if (result.code === 0 && result.stderr === "") return [];
  // klog wraps the message: E1128 05:42:13.710168 31057 run.go:72] "command failed" err="…"
  const message = /err="(.*)"\s*$/m.exec(result.stderr)?.[1]?.replaceAll('\\"', '"') ?? result.stderr;
  return [problem(`kubectl kustomize: ${normalized(message)}`, result.stderr)];
}

// ---------------------------------------------------------------------------------------------
// The same tools over many outcomes at once: one call per batch; a failed batch, one call per config.

/** Whether promtool check config --syntax-only, on many files as written, complained only of Kubernetes SD. */
function onlyKubernetesSd(stderr: string, jobs: number): boolean {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const headers = lines.filter((line) =>
    /^FAILED: parsing YAML file .*: yaml: unmarshal errors:$/.test(line),
  );
  const sd = lines.filter((line) => line.endsWith(KUBERNETES_SD_COMPLAINT));
  return headers.length + sd.length === lines.length && sd.length === jobs;
}

/** A check that could not run is a problem too, never an unhandled rejection. */
async function safely(o: Outcome, single: (o: Outcome) => Promise<Problem[]>): Promise<Problem[]> {
  try {
    return await single(o);
  } catch (error) {
    return [problem(`check could not run: ${normalized(String(error))}`, String(error))];
  }
}

async function batchCheck(
  outcomes: Outcome[],
  batchPasses: (outcomes: Outcome[]) => Promise<boolean>,
  single: (o: Outcome) => Promise<Problem[]>,
): Promise<Map<Outcome, Problem[]>> {
  const found = new Map<Outcome, Problem[]>();
  if (outcomes.length === 0 || (await batchPasses(outcomes).catch(() => false))) return found;
  for (const o of outcomes) {
    const problems = await safely(o, single);
    if (problems.length > 0) found.set(o, problems);
  }
  return found;
}

const toolChecks = {
  rules: {
    single: promtoolRules,
    batch: async (outcomes: Outcome[]) =>
      (await runCommand("promtool", ["check", "rules", ...outcomes.flatMap(ruleFilesOf)])).code === 0,
  },
  config: {
    single: promtoolConfig,
    batch: async (outcomes: Outcome[]) => {
      let jobs = 0;
      for (const o of outcomes) {
        const yml = parse(readFileSync(prometheusYml(o), "utf8")) as Record<string, unknown>;
        jobs += jobsOf(yml).filter((job) => job.kubernetes_sd_configs).length;
        writeFileSync(fileSdCopy(o), toYaml(withFileSd(yml, join(o.dir, "sd.json"))));
      }
      const swapped = await runCommand("promtool", [
        "check",
        "config",
        "--syntax-only",
        ...outcomes.map(fileSdCopy),
      ]);
      const asWritten = await runCommand("promtool", [
        "check",
        "config",
        "--syntax-only",
        ...outcomes.map(prometheusYml),
      ]);
      return swapped.code === 0 && onlyKubernetesSd(asWritten.stderr, jobs);
    },
  },
  amtool: {
    single: amtoolCheck,
    batch: async (outcomes: Outcome[]) =>
      (await runCommand("amtool", ["check-config", ...outcomes.map(alertmanagerYml)])).code === 0,
  },
} as const;
type BatchTool = keyof typeof toolChecks;

// ---------------------------------------------------------------------------------------------
// Running every case, and what was found.

interface Run {
  index: number;
  outcome: Outcome;
  allValid: boolean;
}

const runs: Run[] = [];
/**
 * Kinds of case also run through the CLI process, the first of each kind kept. NUL cannot be passed
 * in argv or the environment, and argv has a length limit: such cases stay in this process.
 */
const processKinds: ((c: ConfigCase, code: number) => boolean)[] = [
  (c, code) => isAllValid(c) && code === 0,
  (c, code) => code !== 0 && inputsFor(c).file !== undefined && inputsFor(c).args.length === 2,
  (c, code) => code !== 0 && c.malformedSet === undefined && inputsFor(c).args.includes("--set"),
  (c, code) => code !== 0 && c.malformedSet?.form === "split",
];
const fitsProcess = (c: ConfigCase) => {
  const { args, env } = inputsFor(c);
  const texts = [...args, ...Object.values(env)];
  return texts.every((text) => !text.includes("\u0000")) && texts.join("").length < 100_000;
};
const processPicks = new Map<number, { run: Run; c: ConfigCase }>();
let processRuns = 0;
/** Problems found in this process, by check, then by run index. */
const inProcess = {
  refusal: new Map<number, Problem[]>(),
  validAccepted: new Map<number, Problem[]>(),
  leak: new Map<number, Problem[]>(),
  objectSize: new Map<number, Problem[]>(),
  fileMode: new Map<number, Problem[]>(),
  yaml11: new Map<number, Problem[]>(),
};
const inProcessChecks: Record<keyof typeof inProcess, (c: ConfigCase, o: Outcome) => Problem[]> = {
  refusal: refusalProblems,
  validAccepted: validAcceptedProblems,
  leak: leakProblems,
  objectSize: (_, o) => (o.code === 0 ? objectSizeProblems(o) : []),
  fileMode: (c, o) => (o.code === 0 ? fileModeProblems(c, o) : []),
  yaml11: (_, o) => (o.code === 0 ? yaml11Problems(o) : []),
};
/** Tool problems by run index, filled as batches finish. */
const toolResults: Record<BatchTool | "kustomize", Promise<Map<number, Problem[]>>[]> = {
  rules: [],
  config: [],
  amtool: [],
  kustomize: [],
};
let kustomized = 0;
let hostileAccepted = 0;
let malformedTried = 0;
let started = 0;
let synthSeconds = 0;

function byIndex(found: Map<Outcome, Problem[]>): Map<number, Problem[]> {
  const indexOf = new Map(runs.map((run) => [run.outcome, run.index]));
  return new Map([...found].map(([o, problems]) => [indexOf.get(o) as number, problems]));
}

const kustomizedByFault = new Map<string, number>();
let acceptedValid = 0;
function wantsKustomize(c: ConfigCase, run: Run): boolean {
  if (run.allValid) return acceptedValid++ % KUSTOMIZE_EVERY_VALID === 0;
  const fault = [...c.faultKeys].sort().join("+") || (c.malformedSet ? "malformed --set" : "");
  const count = kustomizedByFault.get(fault) ?? 0;
  kustomizedByFault.set(fault, count + 1);
  return count < KUSTOMIZE_PER_FAULT;
}

/** Kustomize runs one at a time beside the in-process synths, which keep the other CPU busy. */
let kustomizeQueue: Promise<unknown> = Promise.resolve();
function queueKustomize(run: Run): void {
  kustomized++;
  const result = kustomizeQueue.then(async () => {
    const problems = await safely(run.outcome, kustomizeCheck);
    return new Map(problems.length > 0 ? [[run.index, problems]] : []);
  });
  kustomizeQueue = result;
  toolResults.kustomize.push(result);
}

function launchBatches(pending: Outcome[]): void {
  const outcomes = pending.splice(0);
  for (const tool of Object.keys(toolChecks) as BatchTool[]) {
    const { batch, single } = toolChecks[tool];
    toolResults[tool].push(batchCheck(outcomes, batch, single).then(byIndex));
  }
}

beforeAll(
  async () => {
    started = Date.now();
    const pending: Outcome[] = [];
    let index = 0;
    const details = await fc.check(
      fc.asyncProperty(configCase, async (c) => {
        const run: Run = {
          index,
          outcome: await synthInProcess(c, join(root.path, "runs", String(index))),
          allValid: isAllValid(c),
        };
        index++;
        runs.push(run);
        for (const [kind, matches] of processKinds.entries()) {
          if (!processPicks.has(kind) && matches(c, run.outcome.code) && fitsProcess(c)) {
            processPicks.set(kind, { run, c });
          }
        }
        if (c.malformedSet) malformedTried++;
        for (const check of Object.keys(inProcess) as (keyof typeof inProcess)[]) {
          const problems = inProcessChecks[check](c, run.outcome);
          if (problems.length > 0) inProcess[check].set(run.index, problems);
        }
        // Checks are done: keep little of a huge refusal in memory.
        run.outcome.stdout = run.outcome.stdout.slice(0, 2000);
        run.outcome.stderr = run.outcome.stderr.slice(0, 2000);
        if (run.outcome.code === 0) {
          if (!run.allValid) hostileAccepted++;
          pending.push(run.outcome);
          if (pending.length >= BATCH) launchBatches(pending);
          if (wantsKustomize(c, run)) queueKustomize(run);
        } else {
          rmSync(run.outcome.dir, { recursive: true, force: true });
        }
        // Let finished tool processes report between synths.
        await new Promise((resolve) => setImmediate(resolve));
        return true;
      }),
      { seed: SEED, numRuns: TOTAL, examples: EXAMPLES },
    );
    // The property only records: failing means the harness itself broke.
    if (details.failed) throw details.errorInstance;
    launchBatches(pending);
    synthSeconds = (Date.now() - started) / 1000;
  },
  120_000 + TOTAL * 600,
);

afterAll(() => {
  const accepted = runs.filter((run) => run.outcome.code === 0).length;
  console.log(
    [
      `accepted-means-valid: seed ${SEED}, ${runs.length} configs tried (${EXAMPLES.length} listed suspects, ${runs.length - EXAMPLES.length} generated)`,
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `(${synthSeconds.toFixed(1)} s of them synthesizing):`,
      `${accepted} accepted (${hostileAccepted} of them with a hostile value), ${runs.length - accepted} refused`,
      `(${malformedTried} with a malformed --set); kubectl kustomize on ${kustomized}; ${processRuns} through the CLI process`,
    ].join(" "),
  );
  root.cleanup();
});

// ---------------------------------------------------------------------------------------------
// Reporting: each distinct problem once, shrunk to a small config.

/** The run's case again, by replaying the generator at the run's index. */
async function replay(index: number): Promise<ConfigCase> {
  let value: ConfigCase | undefined;
  await fc.check(
    fc.property(configCase, (c) => {
      value ??= c;
      return true;
    }),
    { seed: SEED, path: String(index), numRuns: 1, examples: EXAMPLES },
  );
  return value as ConfigCase;
}

interface Shrunk {
  value: ConfigCase;
  problem: Problem;
  shrinks: number;
  interrupted: boolean;
  path: string;
}

/** fast-check's shrinking, from the run at `index`, keeping only cases that show the same problem. */
async function shrink(
  index: number,
  signature: string,
  check: (c: ConfigCase, o: Outcome) => Promise<Problem[]> | Problem[],
  timeLimit: number,
): Promise<Shrunk | undefined> {
  const seen = new WeakMap<ConfigCase, Problem>();
  const details = await fc.check<[ConfigCase]>(
    fc.asyncProperty(configCase, async (c) => {
      const same = await withOutcome(c, async (o) =>
        (await check(c, o)).find((p) => p.signature === signature),
      );
      if (same) seen.set(c, same);
      return same === undefined;
    }),
    {
      seed: SEED,
      path: String(index),
      numRuns: 1,
      examples: EXAMPLES,
      plugins: [fc.interruptAfterTimeLimit(timeLimit)],
    },
  );
  const value = details.counterexample?.[0];
  const found = value && seen.get(value);
  if (!value || !found) return undefined;
  return {
    value,
    problem: found,
    shrinks: details.numShrinks,
    interrupted: details.interrupted,
    path: details.counterexamplePath ?? String(index),
  };
}

const indent = (text: string, by = "     ") => text.replace(/^/gm, by);

/** A tool's or synth's words with the case's secrets hidden, as the case itself is shown. */
const maskSecrets = (text: string, c: ConfigCase) =>
  secretNeedles(c).reduce((masked, { needle }) => masked.replaceAll(needle, "<secret>"), text);

/** undefined when nothing was found; else every distinct problem, the first few shrunk. */
async function findingsReport(
  what: string,
  found: Map<number, Problem[]>,
  check: (c: ConfigCase, o: Outcome) => Promise<Problem[]> | Problem[],
  kind: keyof typeof SHRINK_MS,
  among: number,
): Promise<string | undefined> {
  const groups = new Map<string, { indices: number[]; problem: Problem }>();
  for (const [index, problems] of [...found].sort(([a], [b]) => a - b)) {
    for (const p of problems) {
      const group = groups.get(p.signature) ?? { indices: [], problem: p };
      if (!group.indices.includes(index)) group.indices.push(index);
      groups.set(p.signature, group);
    }
  }
  if (groups.size === 0) return undefined;
  const affected = new Set([...groups.values()].flatMap((group) => group.indices)).size;
  const sections: string[] = [];
  let number = 0;
  for (const [signature, { indices, problem: first }] of groups) {
    number++;
    const index = indices[0] as number;
    const shrunk =
      number <= SHRINK_AT_MOST[kind] ? await shrink(index, signature, check, SHRINK_MS[kind]) : undefined;
    const shown = shrunk ? shrunk.value : await replay(index);
    const how = shrunk
      ? `shrunk in ${shrunk.shrinks} steps${shrunk.interrupted ? " (stopped by the time limit)" : ""}; replay: seed ${SEED}, path ${shrunk.path}`
      : `as generated (not shrunk); replay: seed ${SEED}, path ${index}`;
    sections.push(
      [
        `${number}. ${signature}`,
        `   in ${indices.length} config${indices.length === 1 ? "" : "s"} (first: run ${index}); ${how}:`,
        indent(describeCase(shown)),
        "   said:",
        indent(maskSecrets((shrunk?.problem ?? first).detail, shown)),
      ].join("\n"),
    );
  }
  return [
    `${what}: ${groups.size} distinct problem${groups.size === 1 ? "" : "s"} in ${affected} of ${among} configs (seed ${SEED}, ${RUNS} generated; PLUE_PROPERTY_SEED and PLUE_PROPERTY_RUNS replay them)`,
    "",
    ...sections,
  ].join("\n");
}

async function collect(tool: keyof typeof toolResults): Promise<Map<number, Problem[]>> {
  return new Map((await Promise.all(toolResults[tool])).flatMap((found) => [...found]));
}

const accepted = () => runs.filter((run) => run.outcome.code === 0).length;
const refused = () => runs.length - accepted();

async function expectNone(report: Promise<string | undefined>) {
  const text = await report;
  if (text) expect.fail(text);
}

/** A case's tool check for shrinking: an accepted case run through the tool; a refused one has no problem. */
const throughTool =
  (single: (o: Outcome) => Promise<Problem[]>) =>
  async (_: ConfigCase, o: Outcome): Promise<Problem[]> =>
    o.code === 0 ? single(o) : [];

// ---------------------------------------------------------------------------------------------

describe("generated configs", () => {
  it("cover every key of the schema, and are both accepted and refused", () => {
    expect(keysWithoutValues(), "keys with no generators in test/config/config-arbitraries.ts").toEqual([]);
    expect(runs).toHaveLength(TOTAL);
    if (RUNS >= 100) {
      expect(accepted(), "accepted configs").toBeGreaterThan(RUNS / 10);
      expect(refused(), "refused configs").toBeGreaterThan(RUNS / 10);
    }
  });
});

describe("whatever synth refuses, it refuses cleanly", () => {
  it("with exit code 2, naming the key at fault, writing nothing", async () => {
    await expectNone(findingsReport("refusals", inProcess.refusal, refusalProblems, "refused", refused()));
  }, 120_000);

  it("never printing a secret given, whether it accepts or refuses", async () => {
    await expectNone(findingsReport("secrets printed", inProcess.leak, leakProblems, "refused", runs.length));
  }, 120_000);

  it("and never a config made only of valid values", async () => {
    const valid = runs.filter((run) => run.allValid).length;
    await expectNone(
      findingsReport(
        "valid configs refused",
        inProcess.validAccepted,
        validAcceptedProblems,
        "refused",
        valid,
      ),
    );
  }, 120_000);
});

describe("whatever synth accepts, the real tools load", () => {
  it("promtool check rules: every rule file", async () => {
    await expectNone(
      findingsReport(
        "promtool check rules",
        await collect("rules"),
        throughTool(promtoolRules),
        "accepted",
        accepted(),
      ),
    );
  }, 120_000);

  it("promtool check config --syntax-only: prometheus.yml, Kubernetes SD swapped for file SD", async () => {
    await expectNone(
      findingsReport(
        "promtool check config",
        await collect("config"),
        throughTool(promtoolConfig),
        "accepted",
        accepted(),
      ),
    );
  }, 120_000);

  it("amtool check-config: alertmanager.yml", async () => {
    await expectNone(
      findingsReport(
        "amtool check-config",
        await collect("amtool"),
        throughTool(amtoolCheck),
        "accepted",
        accepted(),
      ),
    );
  }, 120_000);

  it("kubectl kustomize: the manifests (a sample: the first few accepted per hostile key, every few valid)", async () => {
    await expectNone(
      findingsReport(
        "kubectl kustomize",
        await collect("kustomize"),
        throughTool(kustomizeCheck),
        "accepted",
        kustomized,
      ),
    );
  }, 120_000);

  it("kubectl apply -f reads the manifests as written: no plain scalar YAML 1.1 takes for a boolean or number", async () => {
    await expectNone(
      findingsReport("YAML 1.1 scalars", inProcess.yaml11, inProcessChecks.yaml11, "accepted", accepted()),
    );
  }, 120_000);

  it("no object in the manifests is over Kubernetes' 1 MiB", async () => {
    await expectNone(
      findingsReport(
        "objects over 1 MiB",
        inProcess.objectSize,
        inProcessChecks.objectSize,
        "accepted",
        accepted(),
      ),
    );
  }, 120_000);

  it("files that hold a secret are readable by their owner only", async () => {
    await expectNone(
      findingsReport("file modes", inProcess.fileMode, inProcessChecks.fileMode, "accepted", accepted()),
    );
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------

describe("the CLI process", () => {
  it("exits and prints as main() does in this process, and writes nothing when it refuses", async () => {
    const chosen = [...new Map([...processPicks.values()].map((pick) => [pick.run.index, pick])).values()];
    const disagreements: string[] = [];
    // main() prints everything, so the process prints what it printed; only the directory differs.
    const sameDir = (text: string, dir: string) => text.replaceAll(dir, "<dir>").trimEnd().slice(0, 1500);
    await Promise.all(
      [chosen.slice(0, 2), chosen.slice(2)].map(async (part) => {
        for (const { run, c } of part) {
          const dir = join(root.path, "process", String(run.index));
          const { args, env, out } = prepare(c, dir);
          const result = await runCommand(process.execPath, [BIN, ...args], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? dir, ...env },
          });
          processRuns++;
          const problems = [
            ...(result.code !== run.outcome.code
              ? [`exits ${result.code}; main() returned ${run.outcome.code}`]
              : []),
            ...(result.code !== 0 && existsSync(out) ? ["refuses, yet writes --out"] : []),
            ...(["stdout", "stderr"] as const)
              .filter(
                (stream) => sameDir(result[stream], dir) !== sameDir(run.outcome[stream], run.outcome.dir),
              )
              .map(
                (stream) =>
                  `${stream} differs:\n${indent(sameDir(result[stream], dir))}\n   main() printed:\n${indent(sameDir(run.outcome[stream], run.outcome.dir))}`,
              ),
          ];
          if (problems.length > 0) {
            disagreements.push(
              maskSecrets(
                [`run ${run.index}:`, indent(describeCase(c)), ...problems.map((p) => `   ${p}`)].join("\n"),
                c,
              ),
            );
          }
        }
      }),
    );
    expect(chosen.length, "kinds of config run through the CLI process").toBe(processKinds.length);
    expect(disagreements, disagreements.join("\n\n")).toEqual([]);
  }, 120_000);
});
