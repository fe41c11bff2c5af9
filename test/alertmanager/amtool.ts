// amtool on a rendered alertmanager.yml: accepted as a whole, and which receivers a label set reaches.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parse } from "yaml";
import type { AlertmanagerConfig } from "../../src/alertmanager/index.ts";
import { toYaml } from "../../src/render.ts";
import { runCommand } from "../helpers/system.ts";

let fileCount = 0;

/** Writes the config into dir as amtool reads it, and parses back what was written. */
export function writeConfig(dir: string, config: AlertmanagerConfig) {
  const text = toYaml(config);
  const path = join(dir, `alertmanager-${fileCount++}.yml`);
  writeFileSync(path, text);
  return { path, yml: parse(text) as AlertmanagerConfig };
}

/** The receivers `amtool config routes test` names for these labels (name=value each), sorted. */
export async function routesTest(path: string, labels: readonly string[]): Promise<string[]> {
  const result = await runCommand("amtool", ["config", "routes", "test", `--config.file=${path}`, ...labels]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split(",").sort();
}

export async function checkConfig(path: string) {
  const result = await runCommand("amtool", ["check-config", path]);
  expect(result.stdout + result.stderr).toContain("SUCCESS");
  expect(result.code).toBe(0);
}
