// TLS certificates: what the blackbox probes of Plue's endpoints see, and what cert-manager manages.
// The 30- and 7-day thresholds are real time even in the local stack's scaled time.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { blackbox } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

const DAY = 24 * 3600;
const expiresIn =
  "{{ if gt $value 0.0 }}expires in {{ $value | humanizeDuration }}{{ else }}has expired{{ end }}";

export function certificateRules(config: StackConfig, timing: Timing): RuleGroup {
  // Seconds until expiry, per probed URL and per cert-manager Certificate.
  // - A probe reads the chain it verified, not every certificate the server sends: a stray expired
  //   cross-signed certificate in the bundle does not matter while a valid chain exists. Without
  //   verification the metric is the zero time (negative): > 0 drops it.
  // - An expired certificate fails the probe's handshake and the probe stops reporting its expiry:
  //   last_over_time keeps the last value seen for a day so the alert does not resolve at expiry.
  // - cert-manager reports 0 for a Certificate that was never issued: that is not an expiry.
  // - Scraped without honor_labels, the Certificate's namespace arrives as exported_namespace.
  const secondsLeft = promql`
    (
      min by (instance) (
        last_over_time(probe_ssl_last_chain_expiry_timestamp_seconds{${blackbox}}[${timing.window("1d")}]) > 0
      )
      or
      min by (namespace, name) (
        label_replace(
          certmanager_certificate_expiration_timestamp_seconds > 0,
          "namespace", "$1", "exported_namespace", "(.+)"
        )
      )
    ) - time()`;
  const certificateAlert = (name: string, days: number, severity: "warning" | "critical") =>
    alertRule(config, {
      name,
      expr: `${secondsLeft}\n< ${days * DAY}`,
      // cert-manager renews 30 days before expiry by default: the hour lets a routine renewal finish
      // before a warning goes out.
      for: timing.duration("1h"),
      severity,
      pair: "certificate-expiry",
      summary: `{{ if $labels.instance }}The certificate of {{ $labels.instance }}{{ else }}Certificate {{ $labels.namespace }}/{{ $labels.name }}{{ end }} ${expiresIn}`,
      description: `{{ if $labels.instance }}The certificate served at {{ $labels.instance }}{{ else }}The cert-manager Certificate {{ $labels.namespace }}/{{ $labels.name }}{{ end }} ${expiresIn} (alert below ${days} days) and has not been renewed.`,
    });
  return {
    name: "certificates",
    rules: [
      certificateAlert("CertificateExpiringSoon", 30, "warning"),
      certificateAlert("CertificateExpiryCritical", 7, "critical"),
    ],
  };
}
