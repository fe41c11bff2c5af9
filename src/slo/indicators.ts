// What each kind of SLO counts, as PromQL over one window: the rate of failed events and of all
// events, summed over every series (pods, routes, codes) into one number per SLO.

import { PLUE_SERVICES } from "../catalog/plue-services.ts";
import { durationMs } from "../config/formats.ts";
import { REQUEST_DURATION } from "../instrument/http-semantics.ts";
import { bucketBoundRegex } from "../prometheus/v3-compat.ts";
import { recorded } from "../rules/recording.ts";
import type { ResolvedSlo } from "./list.ts";

const isPlueService = (service: string) => (PLUE_SERVICES as readonly string[]).includes(service);

export interface SliRates {
  /** Failed events per second: 0, never missing, while none failed. */
  errors: string;
  /** Events per second. */
  total: string;
}

/** A latency threshold ("250ms", "1s") in seconds, as the histogram's `le` bounds are written. */
export const thresholdSeconds = (threshold: string): number => durationMs(threshold) / 1000;

/** The `le` matcher of a bound, matching the text Prometheus 2 keeps and the one 3 stores. */
export const bucketBound = (seconds: number): string => `le=~${JSON.stringify(bucketBoundRegex(seconds))}`;

/** The failed and all events of an SLO, each rated over `window` (already through Timing). */
export function sliRates(slo: ResolvedSlo, window: string): SliRates {
  const rated = (selector: string) => `sum(rate(${selector}[${window}]))`;
  // An error series appears with the first failure: until then the failed rate is 0, not missing,
  // wherever there are events at all.
  const orZero = (errors: string, total: string) => `${errors} or 0 * ${total}`;
  const indicator = slo.indicator;
  const job = `job=${JSON.stringify(slo.service)}`;
  switch (indicator.kind) {
    case "availability": {
      // 4xx are the client's doing; only 5xx spend the budget.
      if (isPlueService(slo.service)) {
        // The request rates plue-http.recording already sums from every count series (thousands a
        // pod: routes × methods × codes), one evaluation older than a raw read.
        const service = `service=${JSON.stringify(slo.service)}`;
        const total = `sum(${recorded.requestRate}{${service}})`;
        return {
          errors: orZero(
            `sum(${recorded.requestRateByCode}{${service}, http_response_status_code=~"5.."})`,
            total,
          ),
          total,
        };
      }
      const total = rated(`${REQUEST_DURATION}_count{${job}}`);
      return {
        errors: orZero(rated(`${REQUEST_DURATION}_count{${job}, http_response_status_code=~"5.."}`), total),
        total,
      };
    }
    case "latency": {
      // Slow = all requests less those in the threshold's bucket. Every bucket series of a histogram
      // exists as soon as its _count does, so this is 0 rather than missing while all are fast.
      const total = rated(`${REQUEST_DURATION}_count{${job}}`);
      const fast = rated(
        `${REQUEST_DURATION}_bucket{${job}, ${bucketBound(thresholdSeconds(indicator.threshold))}}`,
      );
      return { errors: `clamp_min(${total} - ${fast}, 0)`, total };
    }
    case "ratio": {
      const total = rated(indicator.total);
      return { errors: orZero(rated(indicator.errors), total), total };
    }
  }
}
