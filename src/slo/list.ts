// The SLOs the stack watches: a 99.9% availability objective for each of Plue's services, then the
// team's (config.slos). An entry with the service and name of a built-in one replaces it.
import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import { durationMs, formatDuration } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Indicator, SloSpec } from "./schema.ts";

export const DEFAULT_OBJECTIVE = 99.9;
export const DEFAULT_WINDOW = "30d";
/**
 * ErrorBudgetBurn fires only with at least this many failed events in its long window: at a handful
 * of requests an hour one failure is a large share of them, and no incident.
 */
export const DEFAULT_MIN_FAILED_EVENTS = 10;

export interface ResolvedSlo {
  /** The `service` label: a Plue service, a team's scrape job, or any name a ratio SLO gives. */
  service: string;
  /** The `slo` label: unique per service. */
  name: string;
  /** Percent of events that must be good over the window (99.9). */
  objective: number;
  /** The error budget's period, as configured (the rules pass it through Timing). */
  window: string;
  indicator: Indicator;
  minFailedEvents: number;
  /** The `namespace` label where the service has one: appNamespace, or the scrape job's namespace. */
  namespace?: string;
  /** Built in, or the index of its entry in config.slos. */
  origin: "built-in" | number;
}

/** The name an entry gets when it gives none: its indicator's kind. */
export const sloName = (spec: Pick<SloSpec, "name" | "indicator">): string =>
  spec.name ?? spec.indicator.kind;

/** The `namespace` label of a service's series, if the stack knows it. */
function namespaceOf(config: StackConfig, service: string): string | undefined {
  if ((PLUE_SERVICES as readonly string[]).includes(service)) return config.appNamespace;
  return config.scrapeJobs.find((job) => job.name === service)?.namespace;
}

/**
 * The built-in objectives: 99.9% of each Plue service's requests not answered 5xx over 30 days, or
 * over the retention when Prometheus keeps less (it cannot sum a window it no longer holds).
 */
function builtInSlos(config: StackConfig): ResolvedSlo[] {
  const retention = durationMs(config.prometheusRetention);
  const window = durationMs(DEFAULT_WINDOW) <= retention ? DEFAULT_WINDOW : formatDuration(retention);
  return PLUE_SERVICES.map((service) => ({
    service,
    name: "availability",
    objective: DEFAULT_OBJECTIVE,
    window,
    indicator: { kind: "availability" },
    minFailedEvents: DEFAULT_MIN_FAILED_EVENTS,
    namespace: config.appNamespace,
    origin: "built-in",
  }));
}

const sameSlo = (a: { service: string; name: string }, b: { service: string; name: string }) =>
  a.service === b.service && a.name === b.name;

/**
 * Built-in SLOs, each replaced in place by a config entry of the same service and name, then the
 * other entries in config order. A second entry for the same service and name is left out
 * (sloProblems reports it): two would record the same series.
 */
export function sloList(config: StackConfig): ResolvedSlo[] {
  const list = builtInSlos(config);
  config.slos.forEach((spec, index) => {
    const slo: ResolvedSlo = {
      service: spec.service,
      name: sloName(spec),
      objective: spec.objective,
      window: spec.window,
      indicator: spec.indicator,
      minFailedEvents: spec.minFailedEvents ?? DEFAULT_MIN_FAILED_EVENTS,
      origin: index,
    };
    const namespace = namespaceOf(config, spec.service);
    if (namespace !== undefined) slo.namespace = namespace;
    const at = list.findIndex((other) => sameSlo(other, slo));
    if (at < 0) list.push(slo);
    else if (list[at]?.origin === "built-in") list[at] = slo;
  });
  return list;
}

/** The share of events that may fail: 1 - objective, rounded so 99.9 gives 0.001, not 0.0010000000000000009. */
export const errorBudget = (slo: Pick<ResolvedSlo, "objective">): number =>
  Number(((100 - slo.objective) / 100).toPrecision(12));
