// Watchdog: always firing, from the first evaluation on.
import { fires, type RuleCase } from "../promtool.ts";

const watchdog = {
  labels: { severity: "none" },
  annotations: {
    summary: "The alerting pipeline is alive",
    description:
      "Always firing. If the heartbeat receiver stops hearing it, Prometheus, Alertmanager or the path between them is broken.",
  },
};

export const metaCases: RuleCase[] = [
  {
    name: "Watchdog fires with no input at all, and keeps firing",
    series: [],
    checks: [fires("0m", "Watchdog", watchdog), fires("2h", "Watchdog", watchdog)],
  },
];
