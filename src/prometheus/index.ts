// prometheus.yml for a deployment.

import { mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";

export function prometheusConfig(config: StackConfig, deployment: Deployment): Record<string, unknown> {
  const rulesDir = deployment.kind === "local" ? deployment.rulesDir : mounts.prometheusRules;
  return {
    global: {
      scrape_interval: config.scrapeInterval,
      evaluation_interval: config.evaluationInterval,
      external_labels: { cluster: config.cluster },
    },
    rule_files: [`${rulesDir}/*.yaml`],
    scrape_configs: [],
  };
}
