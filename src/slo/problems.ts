// What config.slos may hold that its schema cannot judge alone: a latency threshold that is no bucket
// bound, an HTTP indicator on a service without the request-duration histogram, a window Prometheus
// does not keep, and two entries for one SLO. A ratio's selectors are held to the catalog, and to
// being one counter selector each, with every extension's PromQL (src/extensions/problems.ts).
import { catalog, expandJobs } from "../catalog/index.ts";
import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import type { ConfigProblem } from "../config/errors.ts";
import { durationMs } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { DURATION_BUCKETS, REQUEST_DURATION } from "../instrument/http-semantics.ts";
import { thresholdSeconds } from "./indicators.ts";
import { sloName } from "./list.ts";

/** "5ms, 10ms, …, 1s, …": the bounds as a threshold is written. */
const BOUNDS_TEXT = DURATION_BUCKETS.map((bound) =>
  bound < 1 ? `${Math.round(bound * 1000)}ms` : `${bound}s`,
).join(", ");

/** The jobs that provide the request-duration histogram: Plue's, and a team's that declares it. */
function histogramJobs(config: StackConfig): Set<string> {
  const jobs = [...catalog, ...config.metrics]
    .filter((metric) => metric.name === REQUEST_DURATION)
    .flatMap((metric): readonly string[] => metric.jobs);
  return expandJobs(jobs, PLUE_SERVICES);
}

export function sloProblems(config: StackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (key: string, value: unknown, message: string) =>
    problems.push({ key, shown: JSON.stringify(value), message });
  const providers = histogramJobs(config);
  const retention = durationMs(config.prometheusRetention);

  config.slos.forEach((spec, index) => {
    const at = `slos.${index}`;
    const { indicator } = spec;
    if (indicator.kind === "availability" || indicator.kind === "latency") {
      if (!providers.has(spec.service)) {
        add(
          `${at}.service`,
          spec.service,
          `a ${indicator.kind} SLO reads ${REQUEST_DURATION} from the job named like the service: ${[...providers].join(", ")} provide it (a team's job does once a metrics entry lists it in jobs); for another service use { kind: "ratio" }`,
        );
      }
    }
    if (indicator.kind === "latency" && !DURATION_BUCKETS.includes(thresholdSeconds(indicator.threshold))) {
      add(
        `${at}.indicator.threshold`,
        indicator.threshold,
        `a bucket bound of ${REQUEST_DURATION} (${BOUNDS_TEXT}): between bounds the histogram cannot tell fast from slow`,
      );
    }
    if (durationMs(spec.window) > retention) {
      add(
        `${at}.window`,
        spec.window,
        `at most prometheusRetention (${config.prometheusRetention}): the budget sums the whole window, which Prometheus must keep`,
      );
    }
    const name = sloName(spec);
    const first = config.slos.findIndex((other) => other.service === spec.service && sloName(other) === name);
    if (first < index) {
      add(
        `${at}.name`,
        name,
        `a name not used for ${spec.service} already (slos.${first} is ${spec.service}/${name}; without a name, an SLO is named by its indicator's kind)`,
      );
    }
  });
  return problems;
}
