// remoteWrite entries: credentials as basicAuth or bearerToken (never both), nothing unknown, names
// that key their files, and no password or token in any message, whichever source gave it; queue
// tuning and write relabeling within what Prometheus accepts, checked by the real promtool.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, type ConfigProblem } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/config/load.ts";
import { envLayer, fileLayer, resolveConfig, setLayer } from "../../src/config/resolve.ts";
import { secretValuesIn, type UserConfig } from "../../src/config/schema.ts";
import { cluster } from "../../src/deployment.ts";
import { prometheusConfig } from "../../src/prometheus/index.ts";
import { requiredValues, testConfig } from "../helpers/config.ts";
import { checkClusterConfigSyntax } from "../helpers/promtool.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const dir = tempDir("plue-remote-write-config-");
afterAll(() => dir.cleanup());

const PASSWORD = "rwPass-SECRET-5813";
const TOKEN = "rwToken-SECRET-2906";
const URL_A = "https://metrics.example.com/api/v1/write";
const URL_B = "https://tenant.example.com/push";

function resolve(remoteWrite: unknown) {
  return resolveConfig([fileLayer({ ...requiredValues, remoteWrite } as UserConfig, "test.json")]);
}

/** The problems a remoteWrite value is refused with, and the message as printed. */
function refusal(remoteWrite: unknown): { problems: readonly ConfigProblem[]; text: string } {
  try {
    resolve(remoteWrite);
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems, text: error.message };
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(remoteWrite)}`);
}

describe("remoteWrite credentials", () => {
  it("accepts basicAuth, bearerToken, or neither, and lists the secrets they hold", () => {
    const config = resolve([
      { url: URL_A, name: "long-term", basicAuth: { username: "prometheus", password: PASSWORD } },
      { url: URL_B, bearerToken: TOKEN },
      { url: "https://plain.example.com/write" },
    ]);
    expect(config.remoteWrite[0]?.basicAuth).toEqual({ username: "prometheus", password: PASSWORD });
    expect(config.remoteWrite[1]?.bearerToken).toBe(TOKEN);
    expect(secretValuesIn(config)).toEqual(expect.arrayContaining([PASSWORD, TOKEN]));
  });

  it("refuses basicAuth and bearerToken together, naming the entry", () => {
    const { problems, text } = refusal([
      { url: URL_A, basicAuth: { username: "prometheus", password: PASSWORD }, bearerToken: TOKEN },
    ]);
    expect(problems.map((problem) => problem.key)).toEqual(["remoteWrite.0"]);
    expect(text).toContain("basicAuth or bearerToken, not both");
    expect(text).not.toContain("SECRET");
  });

  it("refuses unknown fields, at the entry and inside basicAuth", () => {
    for (const [entry, key] of [
      [{ url: URL_A, bearer_token: TOKEN }, "remoteWrite.0"],
      [{ url: URL_A, password: PASSWORD }, "remoteWrite.0"],
      [{ url: URL_A, tlsConfig: { insecureSkipVerify: true } }, "remoteWrite.0"],
      [
        { url: URL_A, basicAuth: { username: "prometheus", password: PASSWORD, passwordFile: "/x" } },
        "remoteWrite.0.basicAuth",
      ],
    ] as const) {
      const { problems, text } = refusal([entry]);
      expect(
        problems.map((problem) => problem.key),
        JSON.stringify(entry),
      ).toEqual([key]);
      expect(text).toMatch(/no field ".+" here/);
      expect(text).not.toContain("SECRET");
    }
  });

  it("refuses credentials Prometheus would read differently from a file, or could not send", () => {
    const refused: [unknown, string][] = [
      [{ username: "prometheus", password: `${PASSWORD}\n` }, "remoteWrite.0.basicAuth.password"],
      [{ username: "prometheus", password: ` ${PASSWORD}` }, "remoteWrite.0.basicAuth.password"],
      [{ username: "prometheus", password: "" }, "remoteWrite.0.basicAuth.password"],
      [{ username: "prom:etheus", password: PASSWORD }, "remoteWrite.0.basicAuth.username"],
      [{ username: "", password: PASSWORD }, "remoteWrite.0.basicAuth.username"],
      [{ password: PASSWORD }, "remoteWrite.0.basicAuth.username"],
    ];
    for (const [basicAuth, key] of refused) {
      const { problems, text } = refusal([{ url: URL_A, basicAuth }]);
      expect(
        problems.map((problem) => problem.key),
        JSON.stringify(basicAuth),
      ).toEqual([key]);
      expect(text).not.toContain("SECRET");
    }
    for (const bearerToken of [`Bearer ${TOKEN}`, `${TOKEN}\n`, "", "tök-SECRET"]) {
      const { problems, text } = refusal([{ url: URL_A, bearerToken }]);
      expect(problems.map((problem) => problem.key)).toEqual(["remoteWrite.0.bearerToken"]);
      expect(text).not.toContain("SECRET");
    }
  });

  it("refuses entries Prometheus would refuse together: one name twice, two identical unnamed", () => {
    const twice = refusal([
      { url: URL_A, name: "central" },
      { url: URL_B, name: "central" },
    ]);
    expect(twice.problems.map((problem) => problem.key)).toEqual(["remoteWrite.1.name"]);
    expect(twice.text).toContain('entry 0 is named "central" too');
    const identical = refusal([{ url: URL_A }, { url: URL_A }]);
    expect(identical.problems.map((problem) => problem.key)).toEqual(["remoteWrite.1.url"]);
    // Named, or at different URLs, they differ.
    expect(() =>
      resolve([{ url: URL_A, name: "a" }, { url: URL_A, name: "b" }, { url: URL_B }]),
    ).not.toThrow();
  });

  it("refuses a name another entry's credential files are filed under", () => {
    const { problems, text } = refusal([
      { url: URL_A, bearerToken: TOKEN },
      { url: URL_B, name: "remote-write-0", basicAuth: { username: "prometheus", password: PASSWORD } },
    ]);
    expect(problems.map((problem) => problem.key)).toEqual(["remoteWrite.1.name"]);
    expect(text).toContain("entry 0 has none");
    expect(text).not.toContain("SECRET");
    // Without credentials on both, no file is shared.
    expect(() =>
      resolve([
        { url: URL_A },
        { url: URL_B, name: "remote-write-0", basicAuth: { username: "prometheus", password: PASSWORD } },
      ]),
    ).not.toThrow();
  });

  it("never prints a password or token from TF_VAR_remote_write or --set, valid JSON or not", () => {
    const badEntry = JSON.stringify([
      { url: URL_A, basicAuth: { username: "prom:etheus", password: PASSWORD }, bearerToken: TOKEN },
    ]);
    const texts = [
      badEntry,
      // Cut off: not JSON, so the raw text is all there is to show.
      `[{"url": "${URL_A}", "basicAuth": {"username": "prometheus", "password": "${PASSWORD}"`,
      `[{"url": "${URL_A}", "bearerToken": "${TOKEN}" `,
    ];
    for (const text of texts) {
      for (const layer of [envLayer({ TF_VAR_remote_write: text }), setLayer([`remoteWrite=${text}`])]) {
        let message = "";
        try {
          resolveConfig([fileLayer(requiredValues, "test.json"), layer]);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message, text).toContain("remoteWrite");
        expect(message, text).not.toContain("SECRET");
      }
    }
  });

  it("makes synth exit 2, naming the key, printing no credential and writing nothing", async () => {
    const out = join(dir.path, "out");
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("TF_VAR_")),
    );
    const result = await runCommand(
      process.execPath,
      [join(process.cwd(), "bin/plue-monitoring.mjs"), "synth", "--out", out],
      {
        cwd: dir.path,
        env: {
          ...clean,
          TF_VAR_namespace: "monitoring",
          TF_VAR_domain: "plue.dev",
          TF_VAR_grafana_admin_password: "grafana-pw-0451",
          TF_VAR_remote_write: JSON.stringify([
            { url: URL_A, basicAuth: { username: "prometheus", password: PASSWORD }, bearerToken: TOKEN },
          ]),
        },
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("remoteWrite.0");
    expect(result.stdout + result.stderr).not.toContain("SECRET");
    expect(existsSync(out)).toBe(false);
  });

  it("loads credentials from the environment as JSON", async () => {
    const config = await loadConfig({
      cwd: dir.path,
      env: {
        TF_VAR_remote_write: JSON.stringify([{ url: URL_B, name: "tenant", bearerToken: TOKEN }]),
      },
      sets: ["namespace=monitoring", "domain=plue.dev", "grafanaAdminPassword=pw-123456"],
    });
    expect(config.remoteWrite).toEqual([{ url: URL_B, name: "tenant", bearerToken: TOKEN }]);
  });
});

describe("remoteWrite queue and writeRelabel", () => {
  const EVERY_FIELD = {
    url: URL_A,
    name: "long-term",
    basicAuth: { username: "prometheus", password: PASSWORD },
    queue: {
      capacity: 15_000,
      maxShards: 30,
      minShards: 2,
      maxSamplesPerSend: 3000,
      batchSendDeadline: "10s",
      minBackoff: "100ms",
      maxBackoff: "30s",
    },
    writeRelabel: [
      { action: "keep", sourceLabels: ["job"], regex: "api|web|prometheus" },
      { action: "drop", sourceLabels: ["__name__", "le"], separator: "@", regex: "[a-z_]+_bucket@\\+Inf" },
      {
        action: "replace",
        sourceLabels: ["namespace"],
        regex: "plue-(\\w+)",
        targetLabel: "tenant",
        replacement: "team-$1",
      },
      { action: "labeldrop", regex: "pod_template_hash|controller_revision_hash" },
      { action: "labelkeep", regex: "[a-zA-Z_][a-zA-Z0-9_]*" },
    ],
  };

  it("renders every field to queue_config and write_relabel_configs, and promtool accepts them", async () => {
    const config = testConfig({ remoteWrite: [EVERY_FIELD, { url: URL_B }] } as UserConfig);
    const yml = prometheusConfig(config, cluster);
    const [entry, plain] = yml.remote_write as Record<string, unknown>[];
    expect(entry?.queue_config).toEqual({
      capacity: 15_000,
      max_shards: 30,
      min_shards: 2,
      max_samples_per_send: 3000,
      batch_send_deadline: "10s",
      min_backoff: "100ms",
      max_backoff: "30s",
    });
    expect(entry?.write_relabel_configs).toEqual([
      { source_labels: ["job"], regex: "api|web|prometheus", action: "keep" },
      { source_labels: ["__name__", "le"], separator: "@", regex: "[a-z_]+_bucket@\\+Inf", action: "drop" },
      {
        source_labels: ["namespace"],
        regex: "plue-(\\w+)",
        target_label: "tenant",
        replacement: "team-$1",
        action: "replace",
      },
      { action: "labeldrop", regex: "pod_template_hash|controller_revision_hash" },
      { action: "labelkeep", regex: "[a-zA-Z_][a-zA-Z0-9_]*" },
    ]);
    // An entry without them keeps Prometheus' defaults: nothing written.
    expect(plain).toEqual({ url: URL_B });

    const checked = await checkClusterConfigSyntax(yml, dir.path);
    expect(checked.otherComplaints).toEqual([]);
    expect(checked.swapped.stderr).toBe("");
    expect(checked.swapped.code).toBe(0);
  });

  it("accepts a partial queue, checking relations against Prometheus' defaults", () => {
    for (const queue of [
      { maxShards: 10 },
      { capacity: 2000 },
      { maxSamplesPerSend: 5000, capacity: 20_000 },
      { minBackoff: "1s" },
      { minShards: 50 },
    ]) {
      expect(() => resolve([{ url: URL_A, queue }]), JSON.stringify(queue)).not.toThrow();
    }
  });

  it("refuses what Prometheus refuses, or what makes no sense, naming the key, the value and what is accepted", () => {
    const refused: [unknown, string, string][] = [
      [{ capacity: 0 }, "remoteWrite.0.queue.capacity", "a whole number from 1 to 1000000"],
      [{ maxShards: 1.5 }, "remoteWrite.0.queue.maxShards", "a whole number from 1 to 1000"],
      [{ maxSamplesPerSend: -1 }, "remoteWrite.0.queue.maxSamplesPerSend", "a whole number from 1"],
      [{ batchSendDeadline: "5" }, "remoteWrite.0.queue.batchSendDeadline", "a Prometheus duration"],
      [{ batchSendDeadline: "1h" }, "remoteWrite.0.queue.batchSendDeadline", "a duration from 100ms to 5m"],
      [{ minShards: 60 }, "remoteWrite.0.queue.minShards", "at most maxShards (the default 50)"],
      [
        { minShards: 4, maxShards: 3 },
        "remoteWrite.0.queue.minShards",
        "minShards (4) at most maxShards (3)",
      ],
      [{ maxShards: 0 }, "remoteWrite.0.queue.maxShards", "a whole number from 1 to 1000"],
      [{ maxBackoff: "10ms" }, "remoteWrite.0.queue.maxBackoff", "at least minBackoff (the default 30ms)"],
      [{ minBackoff: "10s" }, "remoteWrite.0.queue.minBackoff", "maxBackoff (the default 5s)"],
      [{ capacity: 1000 }, "remoteWrite.0.queue.capacity", "at least maxSamplesPerSend (the default 2000)"],
      [
        { maxSamplesPerSend: 20_000 },
        "remoteWrite.0.queue.maxSamplesPerSend",
        "capacity (the default 10000)",
      ],
      [{ shards: 4 }, "remoteWrite.0.queue", 'no field "shards" here'],
    ];
    for (const [queue, key, accepted] of refused) {
      const { problems, text } = refusal([{ url: URL_A, queue }]);
      expect(
        problems.map((problem) => problem.key),
        JSON.stringify(queue),
      ).toEqual([key]);
      expect(text, JSON.stringify(queue)).toContain(accepted);
    }
  });

  it("refuses relabel steps Prometheus refuses, or whose regex RE2 reads otherwise", () => {
    const refused: [unknown, string, string][] = [
      [{ action: "keep", regex: "api" }, "remoteWrite.0.writeRelabel.0.sourceLabels", ""],
      [
        { action: "drop", sourceLabels: [], regex: "x" },
        "remoteWrite.0.writeRelabel.0.sourceLabels",
        "at least one",
      ],
      [{ action: "keep", sourceLabels: ["job"] }, "remoteWrite.0.writeRelabel.0.regex", ""],
      [{ action: "replace", sourceLabels: ["job"] }, "remoteWrite.0.writeRelabel.0.targetLabel", ""],
      [
        { action: "replace", sourceLabels: ["job"], targetLabel: "team-name" },
        "remoteWrite.0.writeRelabel.0.targetLabel",
        "a label name",
      ],
      [
        { action: "labeldrop", sourceLabels: ["job"], regex: "x" },
        "remoteWrite.0.writeRelabel.0",
        'no field "sourceLabels" here',
      ],
      [
        { action: "keep", sourceLabels: ["job"], regex: "(?i)api" },
        "remoteWrite.0.writeRelabel.0.regex",
        "RE2",
      ],
      [
        { action: "keep", sourceLabels: ["job"], regex: "a(b" },
        "remoteWrite.0.writeRelabel.0.regex",
        "( without its )",
      ],
      [
        { action: "keep", sourceLabels: ["job"], regex: "\\p" },
        "remoteWrite.0.writeRelabel.0.regex",
        "escape",
      ],
      [
        { action: "hashmod", sourceLabels: ["job"], regex: "x" },
        "remoteWrite.0.writeRelabel.0.action",
        '"keep", "drop"',
      ],
      [
        { action: "keep", sourceLabels: ["job-name"], regex: "x" },
        "remoteWrite.0.writeRelabel.0.sourceLabels.0",
        "",
      ],
    ];
    for (const [step, key, accepted] of refused) {
      const { problems, text } = refusal([{ url: URL_A, writeRelabel: [step] }]);
      expect(
        problems.map((problem) => problem.key),
        JSON.stringify(step),
      ).toEqual([key]);
      expect(text, JSON.stringify(step)).toContain(accepted);
    }
  });
});
