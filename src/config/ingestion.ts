// The `ingestion` key: whether the infrastructure jobs keep only what the stack reads
// (src/prometheus/ingestion.ts), and what else a team wants kept from them.
import { z } from "zod";
import { metricName } from "./extensions.ts";

const KEEP_MODES = ["used", "all"] as const;
const keepMode = () =>
  z.enum(KEEP_MODES, {
    message: '"used" (only the metrics our rules, panels and SLOs read) or "all" (everything exposed)',
  });

const MAX_EXTRA = 500;

const ingestionObject = () =>
  z
    .object({
      keep: keepMode().default("used"),
      // Exact names: a pattern here would quietly keep whole families that a keep-list exists to cut.
      extraKeep: z
        .array(metricName(), { message: "a list of metric names" })
        .max(MAX_EXTRA, { message: `at most ${MAX_EXTRA} metric names` })
        .default([]),
    })
    .strict();

type KeepMode = (typeof KEEP_MODES)[number];
export interface Ingestion {
  keep: KeepMode;
  extraKeep: string[];
}

/**
 * `ingestion: "all"` is short for `ingestion: { keep: "all" }`. Read as the object, so a wrong value
 * is told what the object's fields accept (a union would only say that no branch matched).
 */
export const ingestionSchema = () =>
  z.preprocess(
    (value) => (KEEP_MODES.some((mode) => mode === value) ? { keep: value } : value),
    ingestionObject(),
  ) as z.ZodType<Ingestion, KeepMode | { keep?: KeepMode; extraKeep?: string[] }>;

export const defaultIngestion = { keep: "used", extraKeep: [] } as const;
