// Every rule file the stack loads, built from the config. The same builders serve the cluster and
// the local stack; only the Timing differs.
import type { StackConfig } from "../config/schema.ts";
import { metaRules } from "./meta.ts";
import { realTime, type Timing } from "./timing.ts";
import type { RuleFile } from "./types.ts";

export function ruleFiles(config: StackConfig, timing: Timing = realTime): RuleFile[] {
  return [{ name: "meta.yaml", groups: [metaRules(config, timing)] }];
}
