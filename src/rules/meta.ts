// Meta: Watchdog, the dead man's switch. It always fires; its absence at the heartbeat receiver
// means the alerting pipeline itself is broken.
import type { StackConfig } from "../config/schema.ts";
import { runbookUrl } from "./annotations.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

export function metaRules(config: StackConfig, _timing: Timing): RuleGroup {
  return {
    name: "meta",
    rules: [
      {
        alert: "Watchdog",
        expr: "vector(1)",
        labels: { severity: "none" },
        annotations: {
          summary: "The alerting pipeline is alive",
          description:
            "Always firing. If the heartbeat receiver stops hearing it, Prometheus, Alertmanager or the path between them is broken.",
          runbook_url: runbookUrl(config, "Watchdog"),
        },
      },
    ],
  };
}
