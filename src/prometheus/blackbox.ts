// blackbox-exporter's module config (blackbox.yml). The probe job asks for HTTP_2XX_MODULE.
import type { Deployment } from "../deployment.ts";

export const HTTP_2XX_MODULE = "http_2xx";

export function blackboxConfig(deployment: Deployment): Record<string, unknown> {
  // Locally the probed endpoint's certificate comes from a local CA: trust it instead of skipping
  // verification, so certificate problems show up in both places alike.
  const caFile = deployment.kind === "local" ? deployment.tlsCaFile : undefined;
  return {
    modules: {
      [HTTP_2XX_MODULE]: {
        prober: "http",
        // The probe gets min(this, Prometheus' scrape timeout - the exporter's --timeout-offset,
        // 0.5s by default). Locally a scaled scrape interval of 500ms leaves nothing: start the
        // local blackbox-exporter with --timeout-offset=0.1.
        timeout: "10s",
        http: {
          method: "GET",
          preferred_ip_protocol: "ip4",
          follow_redirects: true,
          // Every probed URL is https: landing on plain http after redirects is a failure.
          fail_if_not_ssl: true,
          tls_config: { insecure_skip_verify: false, ...(caFile ? { ca_file: caFile } : {}) },
        },
      },
    },
  };
}
