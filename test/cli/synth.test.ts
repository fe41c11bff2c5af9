// `plue-monitoring synth` as a user runs it: the real bin, real files, exit codes and output.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkClusterConfigSyntax } from "../helpers/promtool.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const BIN = join(process.cwd(), "bin/plue-monitoring.mjs");
const SECRETS = {
  grafanaAdminPassword: "grafana-pw-SECRET-4711",
  alertmanagerSlackWebhook: "https://hooks.slack.com/services/T000/B000/SECRETSLACK",
  alertmanagerPagerdutyKey: "0123456789abcdef0123456789SECRET",
};
const REQUIRED = ["--set", "namespace=monitoring", "--set", "domain=plue.dev"];

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.cleanup());

/** The CLI with a clean environment: no TF_VAR_ leaks in from the machine running the tests. */
function synth(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("TF_VAR_")),
  );
  return runCommand(process.execPath, [BIN, "synth", ...args], { cwd: dir.path, env: { ...clean, ...env } });
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe("plue-monitoring synth", () => {
  it("writes the layout of DESIGN.md and exits 0", async () => {
    const out = join(dir.path, "x");
    const result = await synth([...REQUIRED, "--set", "grafanaAdminPassword=s3cret", "--out", out]);
    expect(result.code).toBe(0);
    // Nothing configured to deliver to: only warnings on stderr, one per loss.
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^warning: critical alerts \(.*\) reach no receiver/),
      expect.stringMatching(/^warning: warning alerts \(.*\) reach no receiver/),
      expect.stringMatching(/^warning: the Watchdog reaches no receiver.*alertmanagerHeartbeatUrl$/),
    ]);
    expect(result.stdout).toContain(`Wrote `);
    const files = filesUnder(out);
    expect(files).toEqual(
      expect.arrayContaining([
        "manifests/kustomization.yaml",
        "config/prometheus/prometheus.yml",
        "config/alertmanager/alertmanager.yml",
        "config/grafana/provisioning/datasources/prometheus.yaml",
        "config/grafana/provisioning/dashboards/plue.yaml",
      ]),
    );
    expect(files.some((file) => /^config\/prometheus\/rules\/[\w-]+\.yaml$/.test(file))).toBe(true);
    expect(files.filter((file) => file.startsWith("manifests/")).length).toBeGreaterThan(1);
  });

  it("writes files the real tools accept", async () => {
    const out = join(dir.path, "valid");
    expect((await synth([...REQUIRED, "--set", "grafanaAdminPassword=pw-123", "--out", out])).code).toBe(0);
    // promtool here lacks Kubernetes SD: see test/helpers/promtool.ts.
    const prometheusYml = parse(readFileSync(join(out, "config/prometheus/prometheus.yml"), "utf8"));
    const promtool = await checkClusterConfigSyntax(prometheusYml, dir.path);
    expect(promtool.otherComplaints).toEqual([]);
    if (promtool.raw.code !== 0) expect(promtool.kubernetesSdComplaints).toBe(promtool.kubernetesSdJobs);
    expect(promtool.swapped.stdout + promtool.swapped.stderr).toContain("SUCCESS");
    expect(promtool.swapped.code).toBe(0);
    const amtool = await runCommand("amtool", [
      "check-config",
      join(out, "config/alertmanager/alertmanager.yml"),
    ]);
    expect(amtool.stdout + amtool.stderr).toContain("SUCCESS");
    expect(amtool.code).toBe(0);
    const rules = readdirSync(join(out, "config/prometheus/rules")).map((file) =>
      join(out, "config/prometheus/rules", file),
    );
    const checkRules = await runCommand("promtool", ["check", "rules", ...rules]);
    expect(checkRules.stdout + checkRules.stderr).toContain("SUCCESS");
    expect(checkRules.code).toBe(0);
  });

  it("exits 2 naming every bad key, and writes nothing", async () => {
    const out = join(dir.path, "y");
    const result = await synth([
      ...REQUIRED,
      "--set",
      "grafanaAdminPassword=s3cret",
      "--set",
      "prometheusRetention=30x",
      "--set",
      "alertCpuThreshold=120",
      "--out",
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/prometheusRetention = "30x".*Prometheus duration/);
    expect(result.stderr).toMatch(/alertCpuThreshold = 120.*percent/);
    expect(result.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir.path).some((name) => name.startsWith("y."))).toBe(false);
  });

  it("lists every required key when the config file is empty", async () => {
    writeFileSync(join(dir.path, "empty.json"), "{}");
    const result = await synth(["--config", "empty.json", "--out", join(dir.path, "z")]);
    expect(result.code).toBe(2);
    for (const key of ["namespace", "domain", "grafanaAdminPassword"])
      expect(result.stderr).toContain(`- ${key}: required`);
    expect(existsSync(join(dir.path, "z"))).toBe(false);
  });

  it("leaves an existing output untouched when a run fails, and replaces it whole when one succeeds", async () => {
    const out = join(dir.path, "atomic");
    expect(
      (
        await synth([
          ...REQUIRED,
          "--set",
          "grafanaAdminPassword=pw-1",
          "--set",
          "alertCpuThreshold=70",
          "--out",
          out,
        ])
      ).code,
    ).toBe(0);
    const before = new Map(filesUnder(out).map((file) => [file, readFileSync(join(out, file), "utf8")]));
    writeFileSync(join(out, "config/stale-file.txt"), "left from an earlier run");

    const failed = await synth([
      ...REQUIRED,
      "--set",
      "grafanaAdminPassword=pw-1",
      "--set",
      "domain=not a domain",
      "--out",
      out,
    ]);
    expect(failed.code).toBe(2);
    expect(readFileSync(join(out, "config/stale-file.txt"), "utf8")).toBe("left from an earlier run");
    for (const [file, text] of before) expect(readFileSync(join(out, file), "utf8")).toBe(text);

    expect((await synth([...REQUIRED, "--set", "grafanaAdminPassword=pw-1", "--out", out])).code).toBe(0);
    expect(existsSync(join(out, "config/stale-file.txt"))).toBe(false);
    expect(readdirSync(dir.path).filter((name) => /^atomic\.(tmp|old)-/.test(name))).toEqual([]);
  });

  it("refuses to replace a directory it did not write", async () => {
    const out = join(dir.path, "precious");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    const result = await synth([...REQUIRED, "--set", "grafanaAdminPassword=pw-1", "--out", out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("refusing to replace it");
    expect(readdirSync(out)).toEqual(["notes.txt"]);
  });

  it("never prints a secret, whether the run succeeds or fails", async () => {
    const env = {
      TF_VAR_grafana_admin_password: SECRETS.grafanaAdminPassword,
      TF_VAR_alertmanager_slack_webhook: SECRETS.alertmanagerSlackWebhook,
      TF_VAR_alertmanager_pagerduty_key: SECRETS.alertmanagerPagerdutyKey,
    };
    const ok = await synth([...REQUIRED, "--out", join(dir.path, "secret-ok")], env);
    expect(ok.code).toBe(0);
    const badValues = await synth(
      [
        ...REQUIRED,
        "--set",
        "alertmanagerSlackWebhook=http://hooks.slack.com/SECRETSLACK",
        "--set",
        "alertmanagerPagerdutyKey=bad-SECRET",
        "--set",
        "grafanaAdminPassword= ",
        "--out",
        join(dir.path, "secret-bad"),
      ],
      env,
    );
    expect(badValues.code).toBe(2);
    expect(badValues.stderr).toContain("alertmanagerSlackWebhook = <secret value hidden");
    for (const output of [ok.stdout, ok.stderr, badValues.stdout, badValues.stderr]) {
      expect(output).not.toMatch(/SECRET/);
    }
  });

  it("warns for every severity no receiver delivers, and is quiet when every one is", async () => {
    const all = [
      ...REQUIRED,
      "--set",
      `alertmanagerHeartbeatUrl=https://hc-ping.example/${"a".repeat(8)}`,
      "--set",
      "alertmanagerDefaultWebhookUrl=https://hooks.example/default",
    ];
    const env = {
      TF_VAR_grafana_admin_password: SECRETS.grafanaAdminPassword,
      TF_VAR_alertmanager_pagerduty_key: SECRETS.alertmanagerPagerdutyKey,
    };
    const pagerdutyAlone = await synth(
      [...REQUIRED, "--set", "alertmanagerHeartbeatUrl=https://hc.example/x", "--out", join(dir.path, "pd")],
      env,
    );
    expect(pagerdutyAlone.code).toBe(0);
    // PagerDuty pages only critical alerts: warnings go nowhere.
    expect(pagerdutyAlone.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^warning: warning alerts \(.*\) reach no receiver .*; set alertmanagerSlackWebhook or alertmanagerDefaultWebhookUrl$/,
      ),
    ]);
    const everything = await synth([...all, "--out", join(dir.path, "all")], env);
    expect(everything.code).toBe(0);
    expect(everything.stderr).toBe("");
    const oneReplica = await synth(
      [...all, "--set", "alertmanagerReplicas=1", "--out", join(dir.path, "one")],
      env,
    );
    expect(oneReplica.stderr).toMatch(/^warning: alertmanagerReplicas=1: /);
    const onePrometheus = await synth(
      [...all, "--set", "prometheusReplicas=1", "--out", join(dir.path, "one-prometheus")],
      env,
    );
    expect(onePrometheus.stderr).toMatch(/^warning: prometheusReplicas=1: while that Prometheus restarts/);
  });

  it("writes the files holding secrets readable by their owner only", async () => {
    const out = join(dir.path, "modes");
    const env = {
      TF_VAR_grafana_admin_password: SECRETS.grafanaAdminPassword,
      TF_VAR_alertmanager_slack_webhook: SECRETS.alertmanagerSlackWebhook,
    };
    const webhook = "https://hooks.example/default-SECRET-path";
    const result = await synth(
      [...REQUIRED, "--set", `alertmanagerDefaultWebhookUrl=${webhook}`, "--out", out],
      env,
    );
    expect(result.code).toBe(0);
    const secrets = [SECRETS.grafanaAdminPassword, SECRETS.alertmanagerSlackWebhook, webhook];
    const encoded = secrets.map((secret) => Buffer.from(secret).toString("base64"));
    const holding: string[] = [];
    for (const file of filesUnder(out)) {
      const text = readFileSync(join(out, file), "utf8");
      const mode = statSync(join(out, file)).mode & 0o777;
      if ([...secrets, ...encoded].some((secret) => text.includes(secret))) {
        holding.push(file);
        expect(mode, file).toBe(0o600);
      } else {
        expect(mode & 0o077, file).not.toBe(0);
      }
    }
    expect(holding).toEqual(
      expect.arrayContaining([
        "config/alertmanager/alertmanager.yml",
        "manifests/alertmanager.yaml",
        "manifests/grafana.yaml",
      ]),
    );
  });

  it("never echoes a value given to --set in a malformed way", async () => {
    const secret = "hunter2-SECRET-malformed";
    for (const args of [
      ["--set", "grafanaAdminPassword", secret],
      ["--set", `grafana_admin_password:${secret}`],
      ["--set", `=${secret}`],
      ["--set", secret],
      ["--set", `remoteWrite=[{"url": "https://x.example", "basicAuth": {"password": "${secret}"`],
    ]) {
      const result = await synth([...REQUIRED, ...args, "--out", join(dir.path, "malformed")]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stdout + result.stderr, args.join(" ")).not.toContain("SECRET");
      expect(existsSync(join(dir.path, "malformed"))).toBe(false);
    }
    const spaced = await synth([...REQUIRED, "--set", "grafanaAdminPassword", secret]);
    expect(spaced.stderr).toContain("--set takes KEY=VALUE as one argument");
    const colon = await synth([...REQUIRED, "--set", `grafana_admin_password:${secret}`]);
    expect(colon.stderr).toContain("did you mean --set grafanaAdminPassword=…?");
  });

  it("exits 2 when --out cannot be written", async () => {
    const file = join(dir.path, "a-file");
    writeFileSync(file, "not a directory\n");
    const result = await synth([...REQUIRED, "--set", "grafanaAdminPassword=pw", "--out", join(file, "out")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--out ${join(file, "out")}: cannot be written (ENOTDIR`);
  });

  it("exits 2 on unknown flags and commands, with usage", async () => {
    const flag = await synth(["--outdir", "x"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--outdir");
    const command = await runCommand(process.execPath, [BIN, "synthesize"], { cwd: dir.path });
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "synthesize"');
  });
});
