// alertmanager.yml for a deployment.
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";

export function alertmanagerConfig(_config: StackConfig, _deployment: Deployment): Record<string, unknown> {
  return {
    route: { receiver: "default", group_by: ["alertname", "namespace"] },
    receivers: [{ name: "default" }],
  };
}
