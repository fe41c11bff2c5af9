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
    name: "probe_http_status_code",
    type: "gauge",
    labels: ["instance"],
    jobs: job,
    help: "HTTP status of the final response; 0 when no response came (DNS, connect or TLS failed)",
  },
  {
    name: "probe_duration_seconds",
    type: "gauge",
    labels: ["instance"],
    jobs: job,
    help: "How long the probe took",
  },
  {
    name: "probe_ssl_last_chain_expiry_timestamp_seconds",
    type: "gauge",
    labels: ["instance"],
    jobs: job,
    help: "Unix time at which the verified chain expires (its earliest certificate; the latest such of several chains). probe_ssl_earliest_cert_expiry would count every certificate served, stray ones too",
  },
];
