// The prometheus-config-reloader sidecars (v0.93, built on thanos-io/thanos pkg/reloader v0.42.2),
// scraped by the config-reloader job; `service` names the server each one reloads (prometheus,
// alertmanager), namespace and pod its pod, shared with that server.
import type { CatalogMetric } from "./types.ts";

const job = ["config-reloader"] as const;
const target = ["namespace", "pod", "service"] as const;

export const configReloaderMetrics: readonly CatalogMetric[] = [
  {
    name: "reloader_last_reload_successful",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "1 after a reload request the server answered 200, 0 from the reloader's start until then and after each failed one",
  },
  {
    name: "reloader_last_reload_success_timestamp_seconds",
    type: "gauge",
    labels: target,
    jobs: job,
    help: "Unix time of the last successful reload request",
  },
  {
    name: "reloader_reloads_failed_total",
    type: "counter",
    labels: target,
    jobs: job,
    help: "Reload requests that failed (no answer, or not 200), retries included",
  },
  {
    name: "reloader_config_apply_operations_failed_total",
    type: "counter",
    labels: target,
    jobs: job,
    help: "Times the watched files could not be read or the expanded copy written: no reload is requested then",
  },
];
