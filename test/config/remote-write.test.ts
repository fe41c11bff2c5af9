// remoteWrite entries: credentials as basicAuth or bearerToken (never both), nothing unknown, names
// that key their files, and no password or token in any message, whichever source gave it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, type ConfigProblem } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/config/load.ts";
import { envLayer, fileLayer, resolveConfig, setLayer } from "../../src/config/resolve.ts";
import { secretValuesIn, type UserConfig } from "../../src/config/schema.ts";
import { requiredValues } from "../helpers/config.ts";
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
      expect(text).toMatch(/Unrecognized key/i);
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
