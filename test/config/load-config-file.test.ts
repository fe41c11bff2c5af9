// A config file as users write one: TypeScript in any folder, and broken files that name their fault
// and its position without echoing the file's content (it may hold secrets).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/config/load.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "bin/plue-monitoring.mjs");
const INDEX = join(ROOT, "src/index.ts");

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.cleanup());

/** A fresh folder in the temp dir, with the given package.json (or none). */
function folder(name: string, packageJson?: object): string {
  const path = join(dir.path, name);
  mkdirSync(path);
  if (packageJson) writeFileSync(join(path, "package.json"), JSON.stringify(packageJson));
  return path;
}

/** The real CLI (its own loader, not vitest's), with no TF_VAR_ leaking in from the machine. */
function synth(config: string, cwd: string) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("TF_VAR_")),
  );
  return runCommand(process.execPath, [BIN, "synth", "--config", config, "--out", join(cwd, "out")], {
    cwd,
    env: clean,
  });
}

async function problemsOf(load: Promise<unknown>): Promise<string> {
  const error = await load.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe.concurrent("a TypeScript config file, loaded by the CLI", () => {
  it.each([
    ["no package.json", undefined],
    ['package.json with "type": "commonjs"', { type: "commonjs" }],
    ['package.json with "type": "module"', { type: "module" }],
    ["package.json without a type", { name: "ops" }],
  ])("loads from a folder with %s", async (label, packageJson) => {
    const path = folder(label.replace(/\W+/g, "-"), packageJson);
    expect(existsSync(join(dir.path, "package.json"))).toBe(false);
    // A sibling module of the config, in the same package scope, and typed.
    writeFileSync(join(path, "thresholds.ts"), "export const cpu: number = 77;\n");
    writeFileSync(
      join(path, "plue-monitoring.config.ts"),
      [
        `import { defineConfig } from ${JSON.stringify(INDEX)};`,
        `import { cpu } from "./thresholds.ts";`,
        `const password: string = "pw-123456";`,
        "export default defineConfig({",
        `  namespace: "monitoring",`,
        `  domain: "plue.dev",`,
        "  grafanaAdminPassword: password,",
        "  alertCpuThreshold: cpu,",
        "});",
        "",
      ].join("\n"),
    );
    const result = await synth("plue-monitoring.config.ts", path);
    expect(result.stderr).not.toContain("invalid configuration");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Wrote ");
    expect(existsSync(join(path, "out/manifests/kustomization.yaml"))).toBe(true);
  });

  it("loads a plain object with type annotations and no imports from a folder outside any package", async () => {
    const path = folder("plain");
    writeFileSync(
      join(path, "stack.config.ts"),
      [
        "interface Settings { namespace: string; domain: string; grafanaAdminPassword: string }",
        "const settings: Settings = {",
        `  namespace: "monitoring",`,
        `  domain: "plue.dev",`,
        `  grafanaAdminPassword: "pw-123456",`,
        "};",
        "export default settings;",
        "",
      ].join("\n"),
    );
    const result = await synth(join(path, "stack.config.ts"), path);
    expect(result.stderr).not.toContain("invalid configuration");
    expect(result.code).toBe(0);
  });

  it("reports a TypeScript syntax error by file, line and column, never quoting the token at fault", async () => {
    const path = folder("syntax");
    writeFileSync(
      join(path, "plue-monitoring.config.ts"),
      [
        "export default {",
        `  namespace: "monitoring",`,
        `  domain: "plue.dev",`,
        `  grafanaAdminPassword: "s3cret" "leak",`,
        "};",
        "",
      ].join("\n"),
    );
    const result = await synth("plue-monitoring.config.ts", path);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /syntax error at plue-monitoring\.config\.ts:4:\d+: Expected "}" but found <token>/,
    );
    expect(result.stderr).not.toMatch(/JSON/);
    expect(result.stderr).not.toContain("s3cret");
    expect(result.stderr).not.toContain("leak");
  });

  it("reports an error the config throws, with its message and where in the file it was thrown", async () => {
    const path = folder("throws", { type: "commonjs" });
    writeFileSync(
      join(path, "plue-monitoring.config.ts"),
      [
        "function webhook(): string {",
        `  throw new Error("no webhook configured for this cluster");`,
        "}",
        "export default {",
        `  namespace: "monitoring",`,
        `  domain: "plue.dev",`,
        `  grafanaAdminPassword: "pw-123456",`,
        "  alertmanagerSlackWebhook: webhook(),",
        "};",
        "",
      ].join("\n"),
    );
    const result = await synth("plue-monitoring.config.ts", path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("plue-monitoring.config.ts:2:9");
    expect(result.stderr).toContain("Error: no webhook configured for this cluster");
  });

  it("names a module the config imports that does not exist", async () => {
    const path = folder("missing-import");
    writeFileSync(
      join(path, "plue-monitoring.config.ts"),
      `import { values } from "./values.ts";\nexport default values;\n`,
    );
    const result = await synth("plue-monitoring.config.ts", path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(path, "values.ts"));
    expect(result.stderr).toMatch(/cannot find module/i);
  });

  it("shows no name from the file when the config uses an undefined one", async () => {
    const path = folder("undefined-name");
    writeFileSync(
      join(path, "plue-monitoring.config.ts"),
      `export default {\n  namespace: "monitoring",\n  grafanaAdminPassword: hunter2,\n};\n`,
    );
    const result = await synth("plue-monitoring.config.ts", path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("plue-monitoring.config.ts:3:25");
    expect(result.stderr).toContain("ReferenceError");
    expect(result.stderr).not.toContain("hunter2");
  });
});

describe("config files read in process", () => {
  it("sees the current contents of a TypeScript config when it is loaded again", async () => {
    const path = join(dir.path, "reloaded.config.ts");
    const write = (namespace: string) =>
      writeFileSync(
        path,
        `export default { namespace: "${namespace}", domain: "plue.dev", grafanaAdminPassword: "pw-123456" };\n`,
      );
    const load = () => loadConfig({ cwd: dir.path, configFile: path, env: {}, sets: [] });
    write("first");
    expect((await load()).namespace).toBe("first");
    write("second");
    expect((await load()).namespace).toBe("second");
  });

  it("reports a JSON syntax error by line and column, never quoting the file", async () => {
    const path = join(dir.path, "broken.json");
    writeFileSync(path, `{\n  "namespace": "monitoring",\n  "grafanaAdminPassword": "s3cret" "leak"\n}\n`);
    const message = await problemsOf(loadConfig({ cwd: dir.path, configFile: path, env: {}, sets: [] }));
    expect(message).toContain("JSON syntax error at broken.json:3:36:");
    expect(message).not.toContain("s3cret");
    expect(message).not.toContain("leak");

    // V8 words this one with a snippet of the text and no position.
    writeFileSync(path, `{\n  "grafanaAdminPassword": hunter2\n}\n`);
    const unquoted = await problemsOf(loadConfig({ cwd: dir.path, configFile: path, env: {}, sets: [] }));
    expect(unquoted).toContain("JSON syntax error at broken.json:2:27: Unexpected token <token>");
    expect(unquoted).not.toContain("hunter2");
  });

  it("reports a YAML syntax error by line and column, never quoting the file", async () => {
    const path = join(dir.path, "broken.yaml");
    writeFileSync(path, `namespace: monitoring\ngrafanaAdminPassword: "s3cret" leak\n`);
    const message = await problemsOf(loadConfig({ cwd: dir.path, configFile: path, env: {}, sets: [] }));
    expect(message).toContain("YAML syntax error at broken.yaml:2:32:");
    expect(message).not.toContain("s3cret");
    expect(message).not.toContain("leak");
  });
});
