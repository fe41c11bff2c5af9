// Where values come from, and which wins: --set > TF_VAR_ environment > config file > defaults.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/config/load.ts";
import { tempDir } from "../helpers/system.ts";

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

const required = ["namespace=monitoring", "domain=plue.dev", "grafanaAdminPassword=pw-123456"];

async function problems(
  load: Promise<unknown>,
): Promise<{ key: string; message: string; source?: string }[]> {
  try {
    await load;
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("config sources", () => {
  it("reads the seed's TF_VAR_ variables, and TF_VAR_<snake_case> for keys beyond the seed", async () => {
    const config = await loadConfig({
      cwd: dir.path,
      env: {
        TF_VAR_namespace: "obs",
        TF_VAR_domain: "plue.dev",
        TF_VAR_grafana_admin_password: "from-env-pw",
        TF_VAR_alert_cpu_threshold: "70",
        TF_VAR_prometheus_retention: "15d",
        TF_VAR_app_namespace: "plue-staging",
        TF_VAR_extra_probe_urls: '["https://api.plue.dev/health"]',
        TF_VAR_something_else: "ignored: belongs to other Terraform modules",
      },
      sets: [],
    });
    expect(config).toMatchObject({
      namespace: "obs",
      grafanaAdminPassword: "from-env-pw",
      alertCpuThreshold: 70,
      prometheusRetention: "15d",
      appNamespace: "plue-staging",
      extraProbeUrls: ["https://api.plue.dev/health"],
    });
  });

  it("takes --set keys in camelCase, the seed's snake_case, and dotted nested keys", async () => {
    const config = await loadConfig({
      cwd: dir.path,
      env: {},
      sets: [
        ...required,
        "alert_memory_threshold=85",
        "prometheusStorageSize=100Gi",
        "images.grafana=grafana/grafana:12.0.0",
      ],
    });
    expect(config.alertMemoryThreshold).toBe(85);
    expect(config.prometheusStorageSize).toBe("100Gi");
    expect(config.images.grafana).toBe("grafana/grafana:12.0.0");
    expect(config.images.prometheus).toMatch(/prometheus:v3\.13\./);
  });

  it("ranks --set over the environment over the file over the defaults", async () => {
    writeFileSync(
      join(dir.path, "plue-monitoring.config.json"),
      JSON.stringify({
        namespace: "from-file",
        domain: "file.dev",
        grafanaAdminPassword: "file-pw",
        alertCpuThreshold: 60,
        alertMemoryThreshold: 61,
        prometheusRetention: "7d",
      }),
    );
    const config = await loadConfig({
      cwd: dir.path,
      env: { TF_VAR_alert_cpu_threshold: "65", TF_VAR_alert_memory_threshold: "66" },
      sets: ["alertCpuThreshold=70"],
    });
    expect(config.alertCpuThreshold).toBe(70); // --set beats env and file
    expect(config.alertMemoryThreshold).toBe(66); // env beats file
    expect(config.prometheusRetention).toBe("7d"); // file beats default
    expect(config.prometheusStorageSize).toBe("50Gi"); // default
    expect(config.namespace).toBe("from-file");
  });

  it("reads YAML and TypeScript config files, found in the working directory or named by --config", async () => {
    writeFileSync(
      join(dir.path, "plue-monitoring.config.yaml"),
      "namespace: yaml-ns\ndomain: plue.dev\ngrafanaAdminPassword: pw-yaml\n",
    );
    expect((await loadConfig({ cwd: dir.path, env: {}, sets: [] })).namespace).toBe("yaml-ns");

    const tsFile = join(dir.path, "custom.config.ts");
    const schemaModule = join(process.cwd(), "src/config/schema.ts");
    writeFileSync(
      tsFile,
      `import { defineConfig } from ${JSON.stringify(schemaModule)};\nexport default defineConfig({ namespace: "ts-ns", domain: "plue.dev", grafanaAdminPassword: "pw-ts", alertErrorRateThreshold: 2 });\n`,
    );
    const config = await loadConfig({ cwd: dir.path, configFile: "custom.config.ts", env: {}, sets: [] });
    expect(config.namespace).toBe("ts-ns");
    expect(config.alertErrorRateThreshold).toBe(2);
  });

  it("refuses two config files in one directory, a missing --config file and a file that is not an object", async () => {
    writeFileSync(join(dir.path, "plue-monitoring.config.yaml"), "namespace: a\n");
    writeFileSync(join(dir.path, "plue-monitoring.config.json"), "{}");
    expect((await problems(loadConfig({ cwd: dir.path, env: {}, sets: [] })))[0]?.message).toMatch(
      /keep one/,
    );
    expect(
      (await problems(loadConfig({ cwd: dir.path, configFile: "nope.json", env: {}, sets: [] })))[0]?.message,
    ).toBe("no such file");
    writeFileSync(join(dir.path, "list.yaml"), "- a\n- b\n");
    expect(
      (await problems(loadConfig({ cwd: dir.path, configFile: "list.yaml", env: {}, sets: [] })))[0]?.message,
    ).toMatch(/object/);
    writeFileSync(join(dir.path, "broken.json"), '{"namespace": ');
    expect(
      (await problems(loadConfig({ cwd: dir.path, configFile: "broken.json", env: {}, sets: [] })))[0]
        ?.message,
    ).toBe("JSON syntax error at broken.json:1:15: Unexpected end of JSON input");
  });

  it("reports unknown keys with a suggestion, from files and --set alike", async () => {
    writeFileSync(
      join(dir.path, "c.json"),
      JSON.stringify({
        namespace: "m",
        domain: "plue.dev",
        grafanaAdminPassword: "pw",
        prometheus_retention: "1d",
        images: { grafna: "x:1" },
        totallyUnrelatedKey: 1,
      }),
    );
    const found = await problems(
      loadConfig({
        cwd: dir.path,
        configFile: "c.json",
        env: {},
        sets: ["alertCpuTreshold=50", "images.prometheos=p:1"],
      }),
    );
    const byKey = Object.fromEntries(found.map((problem) => [problem.key, problem.message]));
    expect(byKey.prometheus_retention).toBe("unknown key; did you mean prometheusRetention?");
    expect(byKey["images.grafna"]).toBe("unknown key; did you mean images.grafana?");
    expect(byKey.totallyUnrelatedKey).toBe("unknown key");
    expect(byKey.alertCpuTreshold).toBe("unknown key; did you mean alertCpuThreshold?");
    expect(byKey["images.prometheos"]).toBe("unknown key; did you mean images.prometheus?");
  });

  it("reports every problem of one run at once, naming where each value came from", async () => {
    writeFileSync(join(dir.path, "c.yaml"), "namespace: Bad_NS\nprometheusRetention: forever\n");
    const found = await problems(
      loadConfig({
        cwd: dir.path,
        configFile: "c.yaml",
        env: { TF_VAR_alert_cpu_threshold: "0" },
        sets: ["prometheusStorageSize=lots"],
      }),
    );
    expect(found.map((problem) => [problem.key, problem.source])).toEqual(
      expect.arrayContaining([
        ["namespace", "c.yaml"],
        ["prometheusRetention", "c.yaml"],
        ["alertCpuThreshold", "TF_VAR_alert_cpu_threshold"],
        ["prometheusStorageSize", "--set"],
        ["domain", undefined],
        ["grafanaAdminPassword", undefined],
      ]),
    );
    expect(found).toHaveLength(6);
  });

  it("never shows a secret's value in a problem", async () => {
    const secret = "http://hooks.slack.com/services/T000/B000/SECRETSECRET";
    const error = await loadConfig({
      cwd: dir.path,
      env: { TF_VAR_alertmanager_slack_webhook: secret },
      sets: [...required, "alertmanagerPagerdutyKey=not-a-valid-key-SECRET"],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain("alertmanagerSlackWebhook = <secret value hidden");
    expect(text).toContain("alertmanagerPagerdutyKey = <secret value hidden");
    expect(text).not.toContain("SECRET");
  });

  it("merges an images object from TF_VAR_ or --set over the defaults, key by key", async () => {
    const config = await loadConfig({
      cwd: dir.path,
      env: { TF_VAR_images: JSON.stringify({ grafana: "docker.io/grafana/grafana:12.4.9" }) },
      sets: [...required, 'images={"nodeExporter": "quay.io/prometheus/node-exporter:v1.12.0"}'],
    });
    expect(config.images.grafana).toBe("docker.io/grafana/grafana:12.4.9");
    expect(config.images.nodeExporter).toBe("quay.io/prometheus/node-exporter:v1.12.0");
    expect(config.images.prometheus).toMatch(/^quay\.io\/prometheus\/prometheus:v/);
    expect(
      await problems(
        loadConfig({ cwd: dir.path, env: {}, sets: [...required, 'images={"grafanna": "x:1"}'] }),
      ),
    ).toEqual([
      expect.objectContaining({
        key: "images.grafanna",
        message: expect.stringContaining("did you mean images.grafana?"),
      }),
    ]);
  });

  it("never shows what follows a key in a --set that is not KEY=VALUE, nor a password in a URL", async () => {
    for (const set of [
      "grafanaAdminPassword:hunter2-SECRET=x",
      "grafanaAdminPasswordhunter2-SECRET=x",
      "grafana_admin_password hunter2-SECRET",
    ]) {
      const found = await problems(loadConfig({ cwd: dir.path, env: {}, sets: [...required, set] }));
      expect(JSON.stringify(found), set).not.toContain("SECRET");
      expect(found[0]?.key, set).toBe("grafanaAdminPassword");
      expect(found[0]?.message, set).toContain("did you mean --set grafanaAdminPassword=…?");
    }
    const error = await loadConfig({
      cwd: dir.path,
      env: {},
      sets: [
        ...required,
        'extraProbeUrls=["https://token-SECRET@status.plue.dev"]',
        "oauth2ProxyUrl=https://u:p@ss-SECRET@o.plue.dev",
      ],
    }).catch((caught: unknown) => caught);
    const text = (error as ConfigError).message;
    expect(text).toContain('extraProbeUrls.0 = "https://***@status.plue.dev"');
    expect(text).toContain('oauth2ProxyUrl = "https://***@o.plue.dev"');
    expect(text).not.toContain("SECRET");
  });
});
