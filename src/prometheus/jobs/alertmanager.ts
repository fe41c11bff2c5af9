// Alertmanager itself, every replica: notifications sent and failed, the cluster's gossip and
// membership, config reloads. Scraped pod by pod through the ClusterIP Service `alertmanager`
// (not the headless one, which selects the same pods), so `service` is "alertmanager".
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import { stackServiceTargets } from "./stack-service.ts";
import type { JobSpec } from "./types.ts";

export function alertmanagerJobs(config: StackConfig): JobSpec[] {
  return [
    {
      job: "alertmanager",
      targets: stackServiceTargets(config, components.alertmanager),
    },
  ];
}
