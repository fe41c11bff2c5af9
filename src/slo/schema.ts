// The shape of a service level objective in the config (`slos`). What it reads is checked against
// the catalog and the scraped jobs with the other extensions (src/extensions/problems.ts).
import { z } from "zod";
import { duration } from "../config/formats.ts";

const NAME = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/;

/** The ratio of bad events to all events: two counters' selectors, rated over each window. */
const ratioIndicator = z
  .object({
    kind: z.literal("ratio"),
    /** The failed events (worker_jobs_total{job="worker", outcome="failed"}). */
    errors: z.string().min(1, { message: "a PromQL vector selector of the failed events' counter" }),
    /** Every event (worker_jobs_total{job="worker"}). */
    total: z.string().min(1, { message: "a PromQL vector selector of all events' counter" }),
  })
  .strict();

export const indicatorSchema = z.discriminatedUnion(
  "kind",
  [
    // Requests to an HTTP service not answered 5xx, from its request-duration histogram.
    z.object({ kind: z.literal("availability") }).strict(),
    // Requests answered within `threshold`, which must be one of the histogram's bucket bounds.
    z
      .object({
        kind: z.literal("latency"),
        threshold: duration("1ms", "1m", ": a request-duration bucket bound"),
      })
      .strict(),
    ratioIndicator,
  ],
  {
    message:
      '{ kind: "availability" }, { kind: "latency", threshold: "<duration>" } or { kind: "ratio", errors: "<selector>", total: "<selector>" }',
  },
);

export const sloSchema = z
  .object({
    /** The `service` label of its records and alert: a Plue service or a scrape job's name. */
    service: z.string().refine((value) => value.length <= 63 && NAME.test(value), {
      message: "a service name: lowercase letters, digits, '-' and '_' (api)",
    }),
    /** The `slo` label; the indicator's kind when not given. */
    name: z
      .string()
      .refine((value) => value.length <= 63 && NAME.test(value), {
        message: "an SLO name: lowercase letters, digits, '-' and '_' (availability)",
      })
      .optional(),
    /** Percent of events that must be good over the window (99.9). */
    objective: z
      .number({ message: "a percent from 50 to 99.999 (99.9)" })
      .refine((value) => value >= 50 && value <= 99.999, { message: "a percent from 50 to 99.999 (99.9)" }),
    window: duration("1d", "90d", ": the error budget's period").default("30d"),
    indicator: indicatorSchema,
    /**
     * The fewest failed events in an alert's long window (1h, 6h, 1d, 3d) for ErrorBudgetBurn to fire:
     * with little traffic one failure is a large share, not an incident. 10 when not given; 0 turns
     * the guard off.
     */
    minFailedEvents: z
      .number({ message: "a whole number from 0 to 1000000 (10)" })
      .int({ message: "a whole number from 0 to 1000000 (10)" })
      .min(0, { message: "a whole number from 0 to 1000000 (10)" })
      .max(1_000_000, { message: "a whole number from 0 to 1000000 (10)" })
      .optional(),
  })
  .strict();

export type SloInput = z.input<typeof sloSchema>;
export type SloSpec = z.output<typeof sloSchema>;
export type Indicator = SloSpec["indicator"];
