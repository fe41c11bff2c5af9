// blackbox-exporter probes of Plue's public endpoints: availability and certificate expiry.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import { HTTP_2XX_MODULE } from "../blackbox.ts";
import type { JobSpec } from "./types.ts";

/** https://<domain>, Grafana's host and every extra probe URL. */
export function probedUrls(config: StackConfig): string[] {
  return [
    ...new Set([`https://${config.domain}`, `https://grafana.${config.domain}`, ...config.extraProbeUrls]),
  ];
}

export function blackboxJobs(config: StackConfig): JobSpec[] {
  return [
    {
      job: "blackbox",
      metricsPath: "/probe",
      params: { module: [HTTP_2XX_MODULE] },
      targets: {
        kind: "probes",
        exporter: components.blackboxExporter,
        namespace: config.namespace,
        urls: probedUrls(config),
      },
    },
  ];
}
