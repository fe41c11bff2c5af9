// Secrets given as { secretName, key } references to Secrets that already exist: accepted from a
// config file, --set and TF_VAR_* beside plain values, refused with the key, the value and what is
// accepted when malformed, and never counted as secrets themselves.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { secretValuesIn } from "../../src/config/schema.ts";
import { runMain } from "../helpers/cli.ts";
import { configProblems, secretValues, testConfig } from "../helpers/config.ts";
import { tempDir } from "../helpers/system.ts";

const REQUIRED = ["--set", "namespace=monitoring", "--set", "domain=plue.dev"];
const dir = tempDir("plue-secret-reference-config-");
afterAll(() => dir.cleanup());

let runs = 0;
/** synth through the CLI into a fresh directory: its exit code, output, and whether it wrote anything. */
async function synth(args: string[], env: Record<string, string> = {}) {
  const out = join(dir.path, `out-${runs++}`);
  const result = await runMain(["synth", ...REQUIRED, ...args, "--out", out], { cwd: dir.path, env });
  return { ...result, wrote: existsSync(out) };
}

const reference = (secretName: string, key: string) => JSON.stringify({ secretName, key });

describe("a secret given as a reference", () => {
  it("is accepted for every secret key that takes one, beside values of others", () => {
    const config = testConfig({
      grafanaAdminPassword: { secretName: "grafana-credentials", key: "admin-password" },
      alertmanagerSlackWebhook: { secretName: "receivers", key: "slack.url" },
      alertmanagerPagerdutyKey: { secretName: "receivers", key: "PAGERDUTY_KEY" },
      alertmanagerDefaultWebhookUrl: secretValues.alertmanagerDefaultWebhookUrl,
      alertmanagerHeartbeatUrl: { secretName: "heartbeat.plue.dev", key: "url" },
    });
    expect(config.grafanaAdminPassword).toEqual({ secretName: "grafana-credentials", key: "admin-password" });
    expect(config.alertmanagerDefaultWebhookUrl).toBe(secretValues.alertmanagerDefaultWebhookUrl);
    // A reference names a Secret; only the value given is a secret.
    expect(secretValuesIn(config)).toEqual([secretValues.alertmanagerDefaultWebhookUrl]);
  });

  it("reaches synth from --set and TF_VAR_* as JSON", async () => {
    const result = await synth(["--set", `alertmanagerHeartbeatUrl=${reference("heartbeat", "url")}`], {
      TF_VAR_grafana_admin_password: reference("grafana-credentials", "admin-password"),
    });
    expect(result.stderr).not.toContain("invalid configuration");
    expect(result.code).toBe(0);
  });

  it("is refused for a name that is no Secret name: exit 2, key path, value and what is accepted, nothing written", async () => {
    const result = await synth(["--set", `grafanaAdminPassword=${reference("Grafana_Admin", "password")}`]);
    expect(result.code).toBe(2);
    expect(result.wrote).toBe(false);
    expect(result.stderr).toContain(
      'grafanaAdminPassword.secretName = "Grafana_Admin" (from --set): not accepted; expected a Kubernetes Secret name: lowercase DNS labels',
    );
  });

  it("is refused without a key, and every problem is reported at once", async () => {
    const result = await synth(
      [
        "--set",
        'alertmanagerSlackWebhook={"secretName":"receivers"}',
        "--set",
        'alertmanagerPagerdutyKey={"secretName":"receivers","key":"pd","namespace":"other"}',
      ],
      { TF_VAR_grafana_admin_password: "a-value-password" },
    );
    expect(result.code).toBe(2);
    expect(result.wrote).toBe(false);
    expect(result.stderr).toContain("invalid configuration (2 problems)");
    expect(result.stderr).toContain(
      "alertmanagerSlackWebhook.key = (missing) (from --set): not accepted; expected a key of the Secret's data",
    );
    expect(result.stderr).toContain(
      'alertmanagerPagerdutyKey = {"secretName":"receivers","key":"pd"} (from --set)',
    );
    expect(result.stderr).toContain('expected no field "namespace" here');
  });

  it("shows only the reference's own fields, never a secret value given beside them", () => {
    const problems = configProblems({
      grafanaAdminPassword: {
        secretName: "grafana-credentials",
        key: "p",
        password: "hunter2-leak",
      } as never,
    });
    expect(problems).toHaveLength(1);
    expect(problems.join("\n")).not.toContain("hunter2-leak");
  });

  it("is refused for a bad key or a Secret the stack generates itself", () => {
    expect(
      configProblems({ alertmanagerHeartbeatUrl: { secretName: "heartbeat", key: "has space" } }),
    ).toEqual([
      expect.stringMatching(
        /^alertmanagerHeartbeatUrl\.key: not accepted; expected a key of the Secret's data/,
      ),
    ]);
    expect(configProblems({ alertmanagerHeartbeatUrl: { secretName: "heartbeat", key: ".." } })).toHaveLength(
      1,
    );
    expect(
      configProblems({ alertmanagerHeartbeatUrl: { secretName: "x".repeat(254), key: "url" } }),
    ).toHaveLength(1);
    expect(
      configProblems({ alertmanagerSlackWebhook: { secretName: "alertmanager-config", key: "slack" } }),
    ).toEqual([expect.stringContaining("a Secret of your own: alertmanager-config")]);
  });

  it("keeps a value that is no JSON object a value, hidden when refused", async () => {
    const result = await synth(["--set", "grafanaAdminPassword={not json secret"]);
    expect(result.code).toBe(0);
    const refused = await synth([
      "--set",
      "grafanaAdminPassword=ok",
      "--set",
      "alertmanagerPagerdutyKey={short}",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("alertmanagerPagerdutyKey = <secret value hidden, 7 characters>");
  });
});
