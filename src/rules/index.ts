// Every rule file the stack loads, built from the config. The same builders serve the cluster and
// the local stack; only the Timing differs.
import type { StackConfig } from "../config/schema.ts";
import { metaRules } from "./meta.ts";
import { recordingRules } from "./recording.ts";
import { realTime, type Timing } from "./timing.ts";
import type { RuleFile } from "./types.ts";

export function ruleFiles(config: StackConfig, timing: Timing = realTime): RuleFile[] {
  const files: RuleFile[] = [{ name: "meta.yaml", groups: [metaRules(config, timing)] }];
  const recording = recordingRules(config, timing);
  if (recording.length > 0) files.push({ name: "recording.yaml", groups: recording });
  return files;
}
