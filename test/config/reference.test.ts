// README's config reference is generated from the schema; this keeps the two in step.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configReference } from "../../src/config/reference.ts";
import { keySpecs } from "../../src/config/schema.ts";

describe("README config reference", () => {
  const readme = readFileSync("README.md", "utf8");
  const section = readme
    .split("<!-- config-reference:start -->\n")[1]
    ?.split("\n<!-- config-reference:end -->")[0];

  it("is the table generated from the schema (regenerate with: npx tsx scripts/config-reference.ts)", () => {
    expect(section).toBe(configReference());
  });

  it("documents every key, and every seed variable with its TF_VAR_ name", () => {
    for (const spec of keySpecs) {
      expect(section).toContain(`| \`${spec.key}\` |`);
      if (spec.seedName) expect(section).toContain(`\`TF_VAR_${spec.seedName}\``);
    }
    const seedVariables = [
      "namespace",
      "prometheus_retention",
      "prometheus_storage_size",
      "grafana_admin_password",
      "alertmanager_slack_webhook",
      "alertmanager_pagerduty_key",
      "domain",
      "alert_cpu_threshold",
      "alert_memory_threshold",
      "alert_error_rate_threshold",
    ];
    expect(
      keySpecs
        .filter((spec) => spec.seedName)
        .map((spec) => spec.seedName)
        .sort(),
    ).toEqual(seedVariables.sort());
  });
});
