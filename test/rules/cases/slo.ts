// ErrorBudgetBurn over the built-in SLOs (99.9% of each Plue service's requests without a 5xx over
// 30d), fed requests as the services count them. Over hours and a day of 30-second samples: the
// slow-burn windows are a day and three days long.
//
// Expected burn rates are worked out by hand. With a steady 10 requests/s, the 1h ratio sums 121
// recorded 5m rates of each (Prometheus 2.42 ranges hold both ends): 1210 request-units. Failures at
// 1/s starting at t0 raise the failed 5m rate by 0.1/s per 30s sample until it is 1/s after 5
// minutes, so D minutes in the failed units in the hour are 5.5 + (2D - 10) and the burn rate is
// (5.5 + 2D - 10) / 1210 / 0.001.
import { type PlueServiceName, plueTarget } from "../exporters.ts";
import {
  counterSegments,
  type ExpectedAlert,
  fires,
  type InputSeries,
  quiet,
  type RuleCase,
  series,
  span,
} from "../promtool.ts";

const ALERT = "ErrorBudgetBurn";

/** http_server_request_duration_seconds_count of one status: [requests/s, minutes] phase by phase. */
function requests(
  service: PlueServiceName,
  status: string,
  ...phases: [perSecond: number, minutes: number][]
): InputSeries {
  return series(
    "http_server_request_duration_seconds_count",
    {
      ...plueTarget(service),
      http_request_method: "GET",
      http_route: "/api/repos/:owner/:name",
      http_response_status_code: status,
    },
    counterSegments(
      ...phases.map(([perSecond, minutes], index): [number, number] => [
        perSecond * 30,
        index === 0 ? span(minutes) : minutes * 2,
      ]),
    ),
  );
}

/** A counter of sparse events, one sample per 30s: +1 at each of `at` (minutes), `minutes` long. */
function sparse(service: PlueServiceName, status: string, at: number[], minutes: number): InputSeries {
  const values = Array.from(
    { length: span(minutes) },
    (_, sample) => at.filter((m) => m * 2 <= sample).length,
  );
  const runs: string[] = [];
  for (let start = 0; start < values.length; ) {
    let end = start;
    while (values[end + 1] === values[start]) end++;
    runs.push(end === start ? `${values[start]}` : `${values[start]}x${end - start}`);
    start = end + 1;
  }
  return series(
    "http_server_request_duration_seconds_count",
    {
      ...plueTarget(service),
      http_request_method: "GET",
      http_route: "/api/repos/:owner/:name",
      http_response_status_code: status,
    },
    runs.join(" "),
  );
}

const WINDOWS = {
  critical:
    "above 14.4× over both the last 1h and 5m, or above 6× over both the last 6h and 30m, with at least 10 failed events in the long window. At 14.4× the whole budget lasts 2.1 days.",
  warning:
    "above 3× over both the last 1d and 2h, or above 1× over both the last 3d and 6h, with at least 10 failed events in the long window. At 3× the whole budget lasts 10 days.",
};

const burning = (
  service: PlueServiceName,
  severity: "critical" | "warning",
  burn: string,
): ExpectedAlert => ({
  labels: { namespace: "plue", service, slo: "availability", severity },
  annotations: {
    summary: `${service} burns its availability error budget at ${burn}× the sustainable rate`,
    description: `The availability SLO of ${service} (99.9% of ${service}'s requests answered without a 5xx over 30d) is spending its error budget ${burn} times as fast as the window allows: ${WINDOWS[severity]}`,
  },
});

export const sloCases: RuleCase[] = [
  {
    // 10% failing is a burn rate of 100: the 1h ratio passes 14.4× 11 minutes in ((5.5 + 12) / 1210
    // = 1.45%), and the page follows 2 minutes later. 15 minutes in: (5.5 + 20) / 1210 / 0.001 =
    // 21.07. Six healthy hours before keep the 6h window from passing 6× first.
    name: "a fast burn (10% of requests failing) pages within 15 minutes",
    series: [requests("api", "200", [10, 360], [9, 30]), requests("api", "500", [0, 360], [1, 30])],
    checks: [
      ...quiet("6h10m", ALERT),
      ...quiet("6h12m30s", ALERT),
      fires("6h15m", ALERT, burning("api", "critical", "21.07")),
    ],
  },
  {
    // 0.5% failing burns at 5×: the 1d/2h warning, never a page (6× over 6h at least). 0.2% burns
    // at 2×: only the 3d/6h warning. Both from the start, so every window holds the same ratio.
    name: "a slow burn (0.5% and 0.2% failing) raises the warning after an hour, never the page",
    series: [
      requests("api", "200", [9.95, 420]),
      requests("api", "500", [0.05, 420]),
      requests("web", "200", [9.98, 420]),
      requests("web", "500", [0.02, 420]),
    ],
    checks: [
      ...quiet("50m", ALERT),
      fires("1h30m", ALERT, burning("api", "warning", "5"), burning("web", "warning", "2")),
      fires("7h", ALERT, burning("api", "warning", "5"), burning("web", "warning", "2")),
    ],
  },
  {
    // Twelve hours of 30-second samples: the windows up to 6h full, the longer ones holding the same
    // 0.05%. (promtool's run time grows with the square of the length: at each evaluation the long
    // windows read all that came before; twelve hours take about 5 seconds, a day four times that.)
    name: "a burn within budget (0.05% failing) stays quiet for twelve hours",
    series: [requests("api", "200", [9.995, 12 * 60]), requests("api", "500", [0.005, 12 * 60])],
    checks: [...quiet("3h", ALERT), ...quiet("6h", ALERT), ...quiet("12h", ALERT)],
  },
  {
    // Six requests an hour, one of which fails at 1h30m: a ratio far above every factor, but one
    // failed event, not the 10 the guard asks for.
    name: "a handful of requests an hour with one failure does not page",
    series: [
      sparse(
        "api",
        "200",
        Array.from({ length: 24 }, (_, i) => (i + 1) * 10).filter((minute) => minute !== 90),
        240,
      ),
      sparse("api", "500", [90], 240),
    ],
    checks: [
      ...quiet("1h33m", ALERT),
      ...quiet("1h35m", ALERT),
      ...quiet("2h45m", ALERT),
      ...quiet("4h", ALERT),
    ],
  },
  {
    // 20 minutes of 10% failing after six healthy hours: the page resolves once the 5m window is
    // clean (the 6h window, 40 failed units of 7210, stays under 6×). The warning follows its
    // hour-long `for` and lasts while the 6h window holds the burn: 20 minutes at 100× average 5.5×
    // over 6 hours. At 8h the 1d window holds 40 failed units of 9555 (the 5m rate of events ramps up
    // 1, 2, … 10 over the first 5 minutes): 4.186×.
    name: "a burn that stops resolves: the page within minutes, the warning once 6 hours have passed",
    series: [
      requests("api", "200", [10, 360], [9, 20], [10, 390]),
      requests("api", "500", [0, 360], [1, 20], [0, 390]),
    ],
    checks: [
      fires("6h20m", ALERT, burning("api", "critical", "29.34")),
      ...quiet("6h26m", ALERT),
      fires("8h", ALERT, burning("api", "warning", "4.186")),
      fires("12h", ALERT, burning("api", "warning", "2.786")),
      ...quiet("12h30m", ALERT),
    ],
  },
];
