// Thresholds come from the config: the same input fires or stays quiet as the config says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserConfig } from "../../src/config/schema.ts";
import { RECORDING_RULE_FILE } from "../../src/rules/index.ts";
import { testConfig } from "../helpers/config.ts";
import { writeRuleFiles } from "../helpers/rule-files.ts";
import { tempDir } from "../helpers/system.ts";
import { applicationCases } from "./cases/application.ts";
import { cpuAlert, cpuAt75Percent } from "./cases/resources.ts";
import { apiPod } from "./exporters.ts";
import { fires, quiet, type RuleCase, runPromtoolTests } from "./promtool.ts";

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir("plue-thresholds-");
});
afterAll(() => dir.cleanup());

async function run(overrides: UserConfig, ruleFile: string, testCase: RuleCase, name: string) {
  const config = testConfig(overrides);
  const sub = `${dir.path}/${name}`;
  writeRuleFiles(sub, config);
  return runPromtoolTests(sub, ruleFile, config, [testCase], undefined, [RECORDING_RULE_FILE]);
}

const twoPercentErrors = applicationCases.find((c) => c.name.startsWith("2% of requests failing"));

describe("alert thresholds follow the config", () => {
  it("alertCpuThreshold=70 makes HighCPUUsage fire at 75%", async () => {
    const result = await run(
      { alertCpuThreshold: 70 },
      "resources.yaml",
      {
        ...cpuAt75Percent,
        checks: [fires("16m", "HighCPUUsage", cpuAlert("HighCPUUsage", apiPod, "75%", 70))],
      },
      "cpu-70",
    );
    expect(result.code, result.output).toBe(0);
  });

  it("the default alertCpuThreshold (80) keeps the same 75% quiet", async () => {
    const result = await run(
      {},
      "resources.yaml",
      { ...cpuAt75Percent, checks: quiet("16m", "HighCPUUsage") },
      "cpu-80",
    );
    expect(result.code, result.output).toBe(0);
  });

  it("alertCpuCriticalThreshold=74 makes CriticalCPUUsage fire at 75%", async () => {
    const result = await run(
      { alertCpuThreshold: 70, alertCpuCriticalThreshold: 74 },
      "resources.yaml",
      {
        ...cpuAt75Percent,
        checks: [fires("11m", "CriticalCPUUsage", cpuAlert("CriticalCPUUsage", apiPod, "75%", 74))],
      },
      "cpu-critical-74",
    );
    expect(result.code, result.output).toBe(0);
  });

  it("alertErrorRateThreshold=3 keeps 2% of 5xx quiet; alertErrorRateCriticalThreshold=1.5 pages for it", async () => {
    if (!twoPercentErrors) throw new Error("the 2% error case is missing");
    const raised = await run(
      { alertErrorRateThreshold: 3 },
      "application.yaml",
      { ...twoPercentErrors, checks: quiet("8m", "HighErrorRate") },
      "errors-3",
    );
    expect(raised.code, raised.output).toBe(0);
    const lowered = await run(
      { alertErrorRateCriticalThreshold: 1.5 },
      "application.yaml",
      {
        ...twoPercentErrors,
        checks: [
          fires("3m", "CriticalErrorRate", {
            labels: { namespace: "plue", service: "api", pair: "error-rate", severity: "critical" },
            annotations: {
              summary: "api answers 2% of requests with 5xx",
              description:
                "2% of the requests to plue/api failed with a 5xx status over the last 5 minutes (alert above 1.5%).",
            },
          }),
        ],
      },
      "errors-critical-1.5",
    );
    expect(lowered.code, lowered.output).toBe(0);
  });
});
