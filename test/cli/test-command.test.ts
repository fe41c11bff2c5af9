// `plue-monitoring test` as a user runs it: main() with real files and the real promtool, and the
// bin on the example config.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandContext } from "../../src/cli/context.ts";
import { main } from "../../src/cli/main.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const BIN = join(process.cwd(), "bin/plue-monitoring.mjs");

/** The worker of examples/team.config.ts, as a JSON config of its own: these tests do not follow the example's edits. */
const TEAM_CONFIG = {
  namespace: "monitoring",
  domain: "plue.dev",
  grafanaAdminPassword: "test-only",
  metrics: [
    { name: "worker_queue_depth", type: "gauge", labels: ["queue"], jobs: ["worker"], help: "Jobs waiting" },
    {
      name: "worker_jobs_processed_total",
      type: "counter",
      labels: ["queue", "outcome"],
      jobs: ["worker"],
      help: "Jobs finished",
    },
  ],
  scrapeJobs: [{ name: "worker", namespace: "plue", service: "worker", port: 9464 }],
  alerts: [
    {
      name: "WorkerQueueBacklog",
      expr: 'max by (namespace, service, queue) (worker_queue_depth{job="worker"}) > 1000',
      for: "15m",
      severity: "warning",
      summary: "{{ $labels.queue }} queue backlog: {{ $value }} jobs",
      description: "The {{ $labels.queue }} queue has held more than 1000 jobs for 15 minutes.",
      runbookUrl: "https://wiki.plue.dev/runbooks/worker-queue-backlog",
    },
  ],
  recordingRules: [
    {
      record: "namespace_service_queue:worker_jobs_processed_total:sum_rate5m",
      expr: 'sum by (namespace, service, queue) (rate(worker_jobs_processed_total{job="worker"}[5m]))',
    },
  ],
};

const DEPTH =
  'worker_queue_depth{job="worker", namespace="plue", service="worker", pod="worker-0", queue="emails"}';

/** A test file checking WorkerQueueBacklog at `firingAt` (and quiet at `quietAt`), over 1000 from the start. */
function backlogTest(options: { quietAt: string; firingAt: string; header?: string }): string {
  return `${options.header ?? "rule_files: [custom.yaml]"}
tests:
  - interval: 30s
    input_series:
      - series: '${DEPTH}'
        values: 1500x60
    alert_rule_test:
      - eval_time: ${options.quietAt}
        alertname: WorkerQueueBacklog
        exp_alerts: []
      - eval_time: ${options.firingAt}
        alertname: WorkerQueueBacklog
        exp_alerts:
          - exp_labels: {severity: warning, namespace: plue, service: worker, queue: emails}
            exp_annotations:
              summary: "emails queue backlog: 1500 jobs"
              description: The emails queue has held more than 1000 jobs for 15 minutes.
              runbook_url: https://wiki.plue.dev/runbooks/worker-queue-backlog
`;
}

let dir: { path: string; cleanup: () => void };
/** Where the command makes its temporary directories: empty after every run. */
let scratch: string;
beforeAll(() => {
  dir = tempDir();
  scratch = join(dir.path, "tmp");
  mkdirSync(scratch);
  writeFileSync(join(dir.path, "team.json"), JSON.stringify(TEAM_CONFIG));
  write("pass.test.yaml", backlogTest({ quietAt: "14m30s", firingAt: "15m" }));
  // Fires at 15m, not 14m: the failure promtool reports.
  write("fail.test.yaml", backlogTest({ quietAt: "15m", firingAt: "16m" }));
});
afterAll(() => dir.cleanup());

function write(name: string, text: string): string {
  mkdirSync(join(dir.path, name, ".."), { recursive: true });
  writeFileSync(join(dir.path, name), text);
  return name;
}

/** The command's temporary directories still in scratch (tsx, run by the bin, keeps a cache there too). */
const leftBehind = () => readdirSync(scratch).filter((name) => name.startsWith("plue-monitoring-"));

/** main() in this process, in dir, with a clean environment but for PATH and TMPDIR. */
async function test(args: string[], env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CommandContext = {
    cwd: dir.path,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TMPDIR: scratch, ...env },
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  };
  const code = await main(["test", ...args], context);
  expect(leftBehind(), "temporary directories left behind").toEqual([]);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

const TEAM = ["--config", "team.json"];

describe("plue-monitoring test", () => {
  it("exits 0 when every test passes, naming the user's file", async () => {
    const result = await test([...TEAM, "pass.test.yaml"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("Unit Testing:  pass.test.yaml\n  SUCCESS");
    expect(result.code).toBe(0);
  });

  it("exits 1 when a test fails, passing promtool's report through with the user's file name", async () => {
    const result = await test([...TEAM, "fail.test.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("Unit Testing:  fail.test.yaml");
    expect(result.stderr).toContain("FAILED:");
    expect(result.stderr).toMatch(/alertname: WorkerQueueBacklog, time: 15m,\s+exp:\[\],\s+got:\[/);
    expect(result.stdout + result.stderr).not.toContain(dir.path);
  });

  it("runs every file, sums them up, and tells apart two files of the same name", async () => {
    write("a/same.test.yaml", backlogTest({ quietAt: "14m30s", firingAt: "15m" }));
    write("b/same.test.yaml", backlogTest({ quietAt: "15m", firingAt: "16m" }));
    const result = await test([...TEAM, "pass.test.yaml", "a/same.test.yaml", "b/same.test.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n")).toEqual([
      "Unit Testing:  pass.test.yaml",
      "  SUCCESS",
      "Unit Testing:  a/same.test.yaml",
      "  SUCCESS",
      "Unit Testing:  b/same.test.yaml",
      "3 test files: 2 passed, 1 failed (b/same.test.yaml)",
    ]);
    expect(result.stderr.match(/FAILED:/g)).toHaveLength(1);
  });

  it("loads every synthesized rule file when the test file names none", async () => {
    const header = "# no rule_files: the team's alert and the Watchdog of meta.yaml both load";
    const file = write(
      "all.test.yaml",
      `${backlogTest({ quietAt: "14m30s", firingAt: "15m", header })}      - eval_time: 1m
        alertname: Watchdog
        exp_alerts:
          - exp_labels: {severity: none}
            exp_annotations:
              summary: The alerting pipeline is alive
              description: Always firing. If the heartbeat receiver stops hearing it, Prometheus, Alertmanager or the path between them is broken.
              runbook_url: https://github.com/plue/plue-monitoring/blob/main/docs/runbooks/Watchdog.md
`,
    );
    const result = await test([...TEAM, file]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    // Naming custom.yaml alone, the Watchdog is not loaded.
    write("custom-only.test.yaml", readFile(file).replace(header, "rule_files: [custom.yaml]"));
    const only = await test([...TEAM, "custom-only.test.yaml"]);
    expect(only.code).toBe(1);
    expect(only.stderr).toMatch(/alertname: Watchdog, time: 1m,\s+exp:\[\s+0:/);
  });

  it("evaluates every evaluationInterval of the config unless the test file sets evaluation_interval", async () => {
    // Evaluated every 2m, the alert turns pending at 0s and fires at the evaluation at 16m, not 15m.
    const slow = write("slow.test.yaml", backlogTest({ quietAt: "15m", firingAt: "16m" }));
    const config = [...TEAM, "--set", "evaluationInterval=2m"];
    expect((await test([...config, slow])).code).toBe(0);
    expect((await test([...config, "pass.test.yaml"])).code).toBe(1);
    const own = write(
      "own-interval.test.yaml",
      backlogTest({
        quietAt: "14m30s",
        firingAt: "15m",
        header: "rule_files: [custom.yaml]\nevaluation_interval: 30s",
      }),
    );
    expect((await test([...config, own])).code).toBe(0);
  });

  it("exits 2 for a rule_files entry naming no synthesized file, suggesting the nearest and listing them all", async () => {
    const file = write(
      "typo.test.yaml",
      backlogTest({
        quietAt: "14m30s",
        firingAt: "15m",
        header: "rule_files:\n  - custom.yaml\n  - custom-recordings.yaml\n  - rules/pods.yaml",
      }),
    );
    const result = await test([...TEAM, file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.split("\n");
    expect(lines[0]).toBe("plue-monitoring test: cannot run the tests (2 problems):");
    expect(lines[1]).toBe(
      '  - typo.test.yaml:3:5: rule_files[1] = "custom-recordings.yaml": no synthesized rule file has this name; did you mean custom-recording.yaml?',
    );
    expect(lines[2]).toBe(
      '  - typo.test.yaml:4:5: rule_files[2] = "rules/pods.yaml": no synthesized rule file has this name; name it without a directory: pods.yaml',
    );
    expect(lines[3]).toMatch(
      /^The synthesized rule files: pods\.yaml, .*, custom\.yaml, custom-recording\.yaml$/,
    );
  });

  it("exits 2 listing every unreadable or unparseable file at once, and runs none", async () => {
    const bad = write("bad.test.yaml", "rule_files: [custom.yaml\ntests:\n  - interval: 30s\n");
    const list = write("list.test.yaml", "- rule_files: [custom.yaml]\n");
    mkdirSync(join(dir.path, "a-directory"), { recursive: true });
    const result = await test([...TEAM, "pass.test.yaml", "missing.test.yaml", bad, list, "a-directory"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^plue-monitoring test: cannot run the tests \(\d+ problems\):\n/);
    expect(result.stderr).toContain("  - missing.test.yaml: no such file\n");
    expect(result.stderr).toMatch(/ {2}- bad\.test\.yaml:\d+:\d+: not valid YAML: /);
    expect(result.stderr).toContain(
      "  - list.test.yaml:1:1: is not a mapping: a promtool test file has keys rule_files and tests",
    );
    expect(result.stderr).toContain("  - a-directory: is a directory, not a test file");
    expect(result.stderr).not.toContain("pass.test.yaml");
  });

  it("exits 2 when no file is given, with usage", async () => {
    const result = await test(TEAM);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^plue-monitoring test: no test FILE given\n\nUsage: plue-monitoring test /,
    );
  });

  it("never takes the value of a --set written with a space for a FILE to name", async () => {
    for (const set of [
      ["--set", "grafanaAdminPassword", "hunter2-SECRET"],
      ["--set=grafanaAdminPassword", "hunter2-SECRET"],
    ]) {
      const result = await test([...TEAM, ...set, "pass.test.yaml"]);
      expect(result.code, set.join(" ")).toBe(2);
      expect(result.stderr).toContain("--set takes KEY=VALUE as one argument");
      expect(result.stdout + result.stderr).not.toContain("SECRET");
    }
  });

  it("exits 2 for a bad config, as synth does", async () => {
    const result = await test([...TEAM, "--set", "evaluationInterval=5x", "pass.test.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^plue-monitoring test: invalid configuration \(1 problem\):\n {2}- evaluationInterval = "5x"/,
    );
  });

  it("exits 2 when promtool is not on PATH, saying what to install", async () => {
    const empty = join(dir.path, "empty-path");
    mkdirSync(empty);
    const result = await test([...TEAM, "pass.test.yaml"], { PATH: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "  - promtool: not found on PATH; install it with Debian's prometheus package (apt-get install prometheus)",
    );
  });

  it("passes the example's tests against the example team config", async () => {
    const config = join(process.cwd(), "examples/team.config.ts");
    expect(existsSync(config), "examples/team.config.ts").toBe(true);
    const result = await runCommand(
      process.execPath,
      [BIN, "test", "--config", "examples/team.config.ts", "examples/tests/worker-queue.test.yaml"],
      { cwd: process.cwd(), env: { ...cleanEnv(), TMPDIR: scratch } },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("Unit Testing:  examples/tests/worker-queue.test.yaml\n  SUCCESS\n");
    expect(result.code).toBe(0);
    expect(leftBehind()).toEqual([]);
  });
});

function readFile(name: string): string {
  return readFileSync(join(dir.path, name), "utf8");
}

/** The environment without TF_VAR_ values from the machine running the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("TF_VAR_")));
}
