// CertificateExpiringSoon, CertificateExpiryCritical. promtool's clock starts at the Unix epoch, so
// an expiry timestamp of 20 days is 20 days after the test starts.
import { blackboxTarget, certManagerTarget } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, series } from "../promtool.ts";

const DAY = 86400;
const span = (minutes: number) => minutes * 2 + 1;

/** What a blackbox https probe reports while the handshake succeeds; `expiry` in seconds. */
function probe(url: string, segmentsOfExpiry: [number | "stale" | "_", number][]) {
  const samples = segmentsOfExpiry.reduce((sum, [, n]) => sum + n, 0);
  return [
    series("probe_success", blackboxTarget(url), segments([1, samples])),
    series("probe_ssl_earliest_cert_expiry", blackboxTarget(url), segments(...segmentsOfExpiry)),
  ];
}

function certificate(namespace: string, name: string, expiry: number, samples: number, honorLabels = true) {
  const labels = honorLabels
    ? { ...certManagerTarget, namespace, name }
    : { ...certManagerTarget, exported_namespace: namespace, name };
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
    name: "a Certificate scraped without honor_labels keeps its own namespace",
    series: [certificate("monitoring", "grafana-tls", 3 * DAY, span(120), false)],
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
