// alertmanager.yml for a deployment: the same routes and inhibitions everywhere; receivers deliver to
// the configured services in a cluster and to the local notification inbox locally.
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";
import { clusterTiming } from "../rules/timing.ts";
import { inhibitRules } from "./inhibitions.ts";
import { destinations, receivers } from "./receivers.ts";
import { routingTree } from "./routes.ts";
import type { AlertmanagerConfig } from "./types.ts";

export { alertmanagerSecretFiles, RECEIVERS, SECRET_FILES } from "./receivers.ts";
export { DELIVERY_FAILURE_ALERTS, FAILURE_FALLBACKS, type Integration } from "./routes.ts";
export type { AlertmanagerConfig } from "./types.ts";

export function alertmanagerConfig(config: StackConfig, deployment: Deployment): AlertmanagerConfig {
  const timing = deployment.kind === "local" ? deployment.timing : clusterTiming(config);
  const list = receivers(config, destinations(config, deployment));
  return { route: routingTree(list, timing), receivers: list, inhibit_rules: inhibitRules() };
}
