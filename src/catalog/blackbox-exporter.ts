// blackbox-exporter probes of Plue's https endpoints; the scrape sets `instance` to the probed URL.
// The TLS metrics exist only when the handshake succeeded (an expired certificate fails the probe).
import type { CatalogMetric } from "./types.ts";

const job = ["blackbox"] as const;

export const blackboxExporterMetrics: readonly CatalogMetric[] = [
  {
    name: "probe_success",
    type: "gauge",
    labels: ["instance"],
    jobs: job,
    help: "1 when the probe succeeded",
  },
  {
    name: "probe_duration_seconds",
    type: "gauge",
    labels: ["instance"],
    jobs: job,
    help: "How long the probe took",
  },
  {
    name: "probe_ssl_earliest_cert_expiry",
    type: "gauge",
    labels: ["instance"],
    jobs: job,
    help: "Unix time at which the first certificate of the served chain expires",
  },
];
