// The stack's rule files on disk, as promtool and Prometheus read them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../../src/config/schema.ts";
import { toYaml } from "../../src/render.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import type { Timing } from "../../src/rules/timing.ts";

/** Writes each rule file built from `config` (at `timing`, real time by default) into `dir`; their names. */
export function writeRuleFiles(dir: string, config: StackConfig, timing?: Timing): string[] {
  mkdirSync(dir, { recursive: true });
  return ruleFiles(config, timing).map((file) => {
    writeFileSync(join(dir, file.name), toYaml({ groups: file.groups }));
    return file.name;
  });
}
