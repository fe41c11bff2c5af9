// cert-manager's controller, scraped through its prometheus.io/scrape pod annotation. `namespace` and
// `name` are the Certificate's; if a scrape without honor_labels renames the former to
// exported_namespace, the certificate rules restore it.
import type { CatalogMetric } from "./types.ts";

const labels = ["namespace", "name", "issuer_name", "issuer_kind", "issuer_group"] as const;

export const certManagerMetrics: readonly CatalogMetric[] = [
  {
    name: "certmanager_certificate_expiration_timestamp_seconds",
    type: "gauge",
    labels,
    jobs: ["kubernetes-pods"],
    help: "Unix time at which the Certificate expires; 0 while its status has no notAfter (not issued yet, or its Secret is gone or unreadable)",
  },
  {
    name: "certmanager_certificate_ready_status",
    type: "gauge",
    labels: [...labels, "condition"],
    jobs: ["kubernetes-pods"],
    help: 'One series per Ready condition status ("True", "False", "Unknown"); 1 for the current one',
  },
];
