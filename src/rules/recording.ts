// Recording rules: aggregations the dashboards read, so panels stay fast with thousands of pods.
import type { StackConfig } from "../config/schema.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

export function recordingRules(_config: StackConfig, _timing: Timing): RuleGroup[] {
  return [];
}
