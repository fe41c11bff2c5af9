// CertificateExpiringSoon, CertificateExpiryCritical. promtool's clock starts at the Unix epoch, so
// an expiry timestamp of 20 days is 20 days after the test starts.
import { blackboxTarget, certManagerTarget } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, series, span } from "../promtool.ts";

const DAY = 86400;

/**
 * What a blackbox https probe reports: the verified chain's expiry (`expiry`, in seconds) while the
 * handshake succeeds, none once it fails ("stale": the probe then reports probe_success 0). The
 * earliest expiry of every certificate served is the chain's unless the server also sends a stray,
 * earlier-expiring one (`strayExpiry`).
 */
function probe(url: string, segmentsOfExpiry: [number | "stale" | "_", number][], strayExpiry?: number) {
  const samples = segmentsOfExpiry.reduce((sum, [, n]) => sum + n, 0);
  const success = segmentsOfExpiry.map(([value, n]): [number, number] => [value === "stale" ? 0 : 1, n]);
  const earliest = segmentsOfExpiry.map(([value, n]): [number | "stale" | "_", number] => [
    typeof value === "number" && strayExpiry !== undefined ? Math.min(value, strayExpiry) : value,
    n,
  ]);
  return [
    series("probe_success", blackboxTarget(url), segments(...success)),
    series("probe_ssl_earliest_cert_expiry", blackboxTarget(url), segments(...earliest)),
    series(
      "probe_ssl_last_chain_expiry_timestamp_seconds",
      blackboxTarget(url),
      segments(...segmentsOfExpiry),
    ),
  ].filter((input) => samples > 0 && input.values !== "");
}

/**
 * cert-manager's Certificate metric as the kubernetes-pods job stores it: scraped without honor_labels,
 * the Certificate's own namespace clashes with the target's (cert-manager's) and becomes exported_namespace.
 */
function certificate(namespace: string, name: string, expiry: number, samples: number) {
  const labels = { ...certManagerTarget, exported_namespace: namespace, name };
  return series(
    "certmanager_certificate_expiration_timestamp_seconds",
    {
      ...labels,
      issuer_name: "letsencrypt-prod",
      issuer_kind: "ClusterIssuer",
      issuer_group: "cert-manager.io",
    },
    segments([expiry, samples]),
  );
}

const alertOf = (name: string) => ({
  pair: "certificate-expiry",
  severity: name === "CertificateExpiringSoon" ? "warning" : "critical",
});
const threshold = (name: string) => (name === "CertificateExpiringSoon" ? 30 : 7);

const probed = (name: string, url: string, expiresIn: string): ExpectedAlert => ({
  labels: { instance: url, ...alertOf(name) },
  annotations: {
    summary: `The certificate of ${url} ${expiresIn}`,
    description: `The certificate served at ${url} ${expiresIn} (alert below ${threshold(name)} days) and has not been renewed.`,
  },
});

const managed = (
  name: string,
  namespace: string,
  certificateName: string,
  expiresIn: string,
): ExpectedAlert => ({
  labels: { namespace, name: certificateName, ...alertOf(name) },
  annotations: {
    summary: `Certificate ${namespace}/${certificateName} ${expiresIn}`,
    description: `The cert-manager Certificate ${namespace}/${certificateName} ${expiresIn} (alert below ${threshold(name)} days) and has not been renewed.`,
  },
});

const BOTH = ["CertificateExpiringSoon", "CertificateExpiryCritical"];

export const certificateCases: RuleCase[] = [
  {
    name: "a probed certificate expiring in 20 days fires the warning after an hour",
    series: probe("https://plue.dev", [[20 * DAY, span(120)]]),
    checks: [
      ...quiet("50m", "CertificateExpiringSoon"),
      fires(
        "1h30m",
        "CertificateExpiringSoon",
        probed("CertificateExpiringSoon", "https://plue.dev", "expires in 19d 22h 30m 0s"),
      ),
      ...quiet("1h30m", "CertificateExpiryCritical"),
    ],
  },
  {
    name: "a probed certificate expiring in 5 days fires both",
    series: probe("https://grafana.plue.dev", [[5 * DAY, span(120)]]),
    checks: [
      fires(
        "1h30m",
        "CertificateExpiryCritical",
        probed("CertificateExpiryCritical", "https://grafana.plue.dev", "expires in 4d 22h 30m 0s"),
      ),
      fires(
        "1h30m",
        "CertificateExpiringSoon",
        probed("CertificateExpiringSoon", "https://grafana.plue.dev", "expires in 4d 22h 30m 0s"),
      ),
    ],
  },
  {
    name: "certificates valid for 60 days do not fire",
    series: [
      ...probe("https://plue.dev", [[60 * DAY, span(120)]]),
      certificate("plue", "plue-tls", 60 * DAY, span(120)),
    ],
    checks: quiet("1h30m", ...BOTH),
  },
  {
    // The server still sends an old cross-signed intermediate that expires in 10 days; clients (and
    // the probe's verification) build their chain to a root they trust without it.
    name: "a stray certificate outside the verified chain, expiring soon, does not fire",
    series: probe("https://plue.dev", [[60 * DAY, span(120)]], 10 * DAY),
    checks: quiet("1h30m", ...BOTH),
  },
  {
    name: "a routine renewal at 30 days, done within the hour, does not fire",
    series: probe("https://plue.dev", [
      [30 * DAY - 600, 40],
      [90 * DAY, span(100)],
    ]),
    checks: [...quiet("10m", ...BOTH), ...quiet("30m", ...BOTH), ...quiet("1h30m", ...BOTH)],
  },
  {
    name: "an expired certificate that fails the probe keeps the critical alert firing",
    series: probe("https://plue.dev", [
      [2 * 3600, span(120)],
      ["stale", 1],
    ]),
    checks: [
      fires(
        "1h30m",
        "CertificateExpiryCritical",
        probed("CertificateExpiryCritical", "https://plue.dev", "expires in 30m 0s"),
      ),
      fires(
        "3h",
        "CertificateExpiryCritical",
        probed("CertificateExpiryCritical", "https://plue.dev", "has expired"),
      ),
    ],
  },
  {
    name: "a cert-manager Certificate expiring in 10 days fires the warning",
    series: [certificate("plue", "plue-tls", 10 * DAY, span(120))],
    checks: [
      fires(
        "1h30m",
        "CertificateExpiringSoon",
        managed("CertificateExpiringSoon", "plue", "plue-tls", "expires in 9d 22h 30m 0s"),
      ),
      ...quiet("1h30m", "CertificateExpiryCritical"),
    ],
  },
  {
    name: "a Certificate keeps its own namespace, not the one of cert-manager's pod",
    series: [certificate("monitoring", "grafana-tls", 3 * DAY, span(120))],
    checks: [
      fires(
        "1h30m",
        "CertificateExpiryCritical",
        managed("CertificateExpiryCritical", "monitoring", "grafana-tls", "expires in 2d 22h 30m 0s"),
      ),
    ],
  },
  {
    name: "a Certificate not issued yet (expiry 0) does not fire",
    series: [certificate("plue", "plue-tls", 0, span(120))],
    checks: quiet("1h30m", ...BOTH),
  },
];
