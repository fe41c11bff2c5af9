// Plue's services (api, web, electric): availability, 5xx share, latency; and the availability of
// the public endpoints blackbox-exporter probes from inside the cluster (Plue's domain, Grafana, extras).
import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql, ratio } from "./alert.ts";
import { recorded } from "./recording.ts";
import { blackbox, plueServices } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

export function applicationRules(config: StackConfig, timing: Timing): RuleGroup {
  // The 5xx share as plue-http.recording records it (4xx never count; with no requests it is NaN and
  // never fires). Re-rating every request series here would cost as much again at each evaluation;
  // the recorded series is at most one evaluation old.
  const errorShare = recorded.serverErrorRatio;
  const errorAlert = (name: string, percent: number, forDuration: string, severity: "warning" | "critical") =>
    alertRule(config, {
      name,
      expr: `${errorShare}\n> ${ratio(percent)}`,
      for: timing.duration(forDuration),
      severity,
      pair: "error-rate",
      summary: "{{ $labels.service }} answers {{ $value | humanizePercentage }} of requests with 5xx",
      description: `{{ $value | humanizePercentage }} of the requests to {{ $labels.namespace }}/{{ $labels.service }} failed with a 5xx status over the last 5 minutes (alert above ${percent}%).`,
    });
  // A target that vanished from discovery leaves no `up` series at all: absent() covers it.
  const vanished = PLUE_SERVICES.map(
    (service) =>
      `max by (namespace, service) (absent(up{job="${service}", namespace="${config.appNamespace}", service="${service}"}))`,
  );
  return {
    name: "application",
    rules: [
      alertRule(config, {
        name: "ServiceDown",
        expr: [`max by (namespace, service) (up{${plueServices}}) == 0`, ...vanished].join("\nor\n"),
        for: timing.duration("2m"),
        severity: "critical",
        summary: "{{ $labels.service }} is down",
        description:
          "No instance of {{ $labels.namespace }}/{{ $labels.service }} has answered a scrape for 2 minutes: every target is down or none is discovered.",
      }),
      alertRule(config, {
        name: "EndpointDown",
        // One failed probe is a blip (a dropped packet, a pod rolling), not an outage: fire when most
        // probes of the last 5 minutes failed, which also catches an endpoint failing on and off.
        // A failed handshake (an expired or untrusted certificate) is a failed probe too.
        expr: promql`
          avg by (instance) (
            avg_over_time(probe_success{${blackbox}}[${timing.window("5m")}])
          ) < 0.5`,
        for: timing.duration("2m"),
        severity: "critical",
        summary: "{{ $labels.instance }} is down",
        description:
          "Only {{ $value | humanizePercentage }} of the probes of {{ $labels.instance }} succeeded over the last 5 minutes, for 2 minutes now: the endpoint is unreachable, answers with an error, or its certificate is not trusted.",
      }),
      errorAlert("HighErrorRate", config.alertErrorRateThreshold, "5m", "warning"),
      errorAlert("CriticalErrorRate", config.alertErrorRateCriticalThreshold, "2m", "critical"),
      alertRule(config, {
        name: "SlowResponseTime",
        // Over the buckets plue-latency.recording already sums per service, never the raw ones.
        expr: `histogram_quantile(0.99, ${recorded.latencyBuckets}) > 2`,
        for: timing.duration("10m"),
        severity: "warning",
        summary: "{{ $labels.service }} is slow: p99 {{ $value | humanizeDuration }}",
        description:
          "The 99th percentile response time of {{ $labels.namespace }}/{{ $labels.service }} has been {{ $value | humanizeDuration }} (alert above 2s) for 10 minutes.",
      }),
    ],
  };
}
