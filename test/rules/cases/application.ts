// ServiceDown, EndpointDown, HighErrorRate, CriticalErrorRate, SlowResponseTime.
import { OTEL_ADVISORY_LE_VALUES } from "../../helpers/opentelemetry.ts";
import { blackboxTarget, healthyUp, type PlueServiceName, plueTarget, up } from "../exporters.ts";
import {
  counter,
  type ExpectedAlert,
  fires,
  quiet,
  type RuleCase,
  segments,
  series,
  span,
} from "../promtool.ts";

const serviceDown = (service: PlueServiceName): ExpectedAlert => ({
  labels: { namespace: "plue", service, severity: "critical" },
  annotations: {
    summary: `${service} is down`,
    description: `No instance of plue/${service} has answered a scrape for 2 minutes: every target is down or none is discovered.`,
  },
});

/** probe_success of a probed URL: 1 or 0 per probe. */
const probeSuccess = (url: string, values: string) => series("probe_success", blackboxTarget(url), values);

const endpointDown = (url: string, percent: string): ExpectedAlert => ({
  labels: { instance: url, severity: "critical" },
  annotations: {
    summary: `${url} is down`,
    description: `Only ${percent} of the probes of ${url} succeeded over the last 5 minutes, for 2 minutes now: the endpoint is unreachable, answers with an error, or its certificate is not trusted.`,
  },
});

/** http_server_request_duration_seconds_count of one route and status, at `perSecond`. */
function requests(service: PlueServiceName, status: string, perSecond: number, minutes: number, replica = 0) {
  return series(
    "http_server_request_duration_seconds_count",
    {
      ...plueTarget(service, replica),
      http_request_method: "GET",
      http_route: "/api/repos/:owner/:name",
      http_response_status_code: status,
    },
    counter(perSecond * 30, span(minutes)),
  );
}

const errorRate = (name: string, percent: string, threshold: number): ExpectedAlert => ({
  labels: {
    namespace: "plue",
    service: "api",
    pair: "error-rate",
    severity: name === "HighErrorRate" ? "warning" : "critical",
  },
  annotations: {
    summary: `api answers ${percent} of requests with 5xx`,
    description: `${percent} of the requests to plue/api failed with a 5xx status over the last 5 minutes (alert above ${threshold}%).`,
  },
});

// The OpenTelemetry SDKs' default boundaries, in seconds.
const BOUNDS = OTEL_ADVISORY_LE_VALUES;

/**
 * A request-duration histogram of `perSecond` requests, `shares` giving the fraction of requests
 * at or below each bound (cumulative); bounds not given inherit the previous one's share.
 */
function histogram(
  service: PlueServiceName,
  perSecond: number,
  shares: Record<string, number>,
  minutes: number,
) {
  const labels = {
    ...plueTarget(service),
    http_request_method: "POST",
    http_route: "/api/repos/:owner/:name/issues",
    http_response_status_code: "201",
  };
  let share = 0;
  return BOUNDS.map((le) => {
    share = le === "+Inf" ? 1 : (shares[le] ?? share);
    return series(
      "http_server_request_duration_seconds_bucket",
      { ...labels, le },
      counter(perSecond * 30 * share, span(minutes)),
    );
  });
}

const slow = (p99: string): ExpectedAlert => ({
  labels: { namespace: "plue", service: "api", severity: "warning" },
  annotations: {
    summary: `api is slow: p99 ${p99}`,
    description: `The 99th percentile response time of plue/api has been ${p99} (alert above 2s) for 10 minutes.`,
  },
});

export const applicationCases: RuleCase[] = [
  {
    name: "every instance of a service down for 2 minutes fires ServiceDown",
    series: [
      up("api", segments([1, 10], [0, span(10)])),
      up("api", segments([1, 10], [0, span(10)]), 1),
      ...healthyUp(span(15), "api"),
    ],
    checks: [...quiet("6m", "ServiceDown"), fires("7m30s", "ServiceDown", serviceDown("api"))],
  },
  {
    name: "one of two replicas down is not ServiceDown",
    series: [
      up("api", segments([1, span(15)])),
      up("api", segments([1, 10], [0, span(10)]), 1),
      ...healthyUp(span(15), "api"),
    ],
    checks: quiet("12m", "ServiceDown"),
  },
  {
    name: "a service whose targets vanished from discovery fires ServiceDown",
    series: [up("web", segments([1, 10], ["stale", 1])), ...healthyUp(span(15), "web")],
    checks: [...quiet("6m", "ServiceDown"), fires("8m", "ServiceDown", serviceDown("web"))],
  },
  {
    name: "a restart shorter than 2 minutes is not ServiceDown",
    series: [up("electric", segments([1, 10], [0, 3], [1, span(10)])), ...healthyUp(span(15), "electric")],
    checks: [...quiet("6m", "ServiceDown"), ...quiet("7m", "ServiceDown")],
  },
  {
    name: "an endpoint whose probes fail from 5m on fires EndpointDown once most probes of 5 minutes failed",
    series: [
      probeSuccess("https://plue.dev", segments([1, 10], [0, span(10)])),
      probeSuccess("https://grafana.plue.dev", segments([1, span(15)])),
    ],
    checks: [
      ...quiet("8m", "EndpointDown"),
      fires("10m30s", "EndpointDown", endpointDown("https://plue.dev", "0%")),
    ],
  },
  {
    name: "a single failed probe is not EndpointDown",
    series: [probeSuccess("https://plue.dev", segments([1, 10], [0, 1], [1, span(10)]))],
    checks: [...quiet("5m", "EndpointDown"), ...quiet("6m", "EndpointDown"), ...quiet("9m", "EndpointDown")],
  },
  {
    name: "an endpoint failing three probes of four fires EndpointDown",
    series: [probeSuccess("https://plue.dev", Array.from({ length: 8 }, () => "1 0 0 0").join(" "))],
    checks: [
      ...quiet("1m", "EndpointDown"),
      fires("6m", "EndpointDown", endpointDown("https://plue.dev", "27.27%")),
    ],
  },
  {
    name: "healthy services raise nothing",
    series: [
      ...healthyUp(span(20)),
      requests("api", "200", 100, 20),
      requests("api", "500", 0.05, 20),
      ...histogram("api", 50, { "0.1": 0.9, "0.5": 0.99, "1": 0.999 }, 20),
    ],
    checks: quiet(
      "18m",
      "ServiceDown",
      "EndpointDown",
      "HighErrorRate",
      "CriticalErrorRate",
      "SlowResponseTime",
    ),
  },
  {
    name: "2% of requests failing with 5xx fires HighErrorRate only",
    series: [...healthyUp(span(15)), requests("api", "200", 98, 15), requests("api", "500", 2, 15)],
    checks: [
      ...quiet("4m", "HighErrorRate"),
      fires("6m", "HighErrorRate", errorRate("HighErrorRate", "2%", 1)),
      ...quiet("6m", "CriticalErrorRate"),
    ],
  },
  {
    name: "10% of requests failing with 5xx fires CriticalErrorRate after 2 minutes",
    series: [
      ...healthyUp(span(15)),
      requests("api", "200", 45, 15),
      requests("api", "200", 45, 15, 1),
      requests("api", "503", 5, 15),
      requests("api", "500", 5, 15, 1),
    ],
    checks: [
      ...quiet("1m30s", "CriticalErrorRate"),
      fires("3m", "CriticalErrorRate", errorRate("CriticalErrorRate", "10%", 5)),
      fires("6m", "HighErrorRate", errorRate("HighErrorRate", "10%", 1)),
    ],
  },
  {
    name: "4xx responses never count as errors",
    series: [
      ...healthyUp(span(15)),
      requests("api", "200", 70, 15),
      requests("api", "404", 20, 15),
      requests("api", "429", 10, 15),
      requests("api", "500", 0, 15),
    ],
    checks: quiet("12m", "HighErrorRate", "CriticalErrorRate"),
  },
  {
    name: "no traffic at all never fires",
    series: [...healthyUp(span(15)), requests("api", "200", 0, 15), requests("api", "500", 0, 15)],
    checks: quiet("12m", "HighErrorRate", "CriticalErrorRate", "SlowResponseTime"),
  },
  {
    name: "an error share just under the threshold (0.9%) does not fire",
    series: [...healthyUp(span(15)), requests("api", "200", 99.1, 15), requests("api", "500", 0.9, 15)],
    checks: quiet("12m", "HighErrorRate"),
  },
  {
    name: "a p99 above 2s for 10 minutes fires SlowResponseTime",
    series: [
      ...healthyUp(span(20)),
      ...histogram("api", 20, { "0.25": 0.95, "1": 0.97, "2.5": 0.98, "5": 1 }, 20),
    ],
    checks: [...quiet("9m", "SlowResponseTime"), fires("11m", "SlowResponseTime", slow("3.75s"))],
  },
  {
    name: "a p99 under 2s (1.75s) does not fire",
    series: [...healthyUp(span(20)), ...histogram("api", 20, { "0.25": 0.95, "1": 0.98, "2.5": 1 }, 20)],
    checks: quiet("15m", "SlowResponseTime"),
  },
];
