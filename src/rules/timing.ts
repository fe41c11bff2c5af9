// Durations in rules and configs pass through a Timing, so the local stack can run the very same
// rules faster (--time-scale 60: a 10m `for` becomes 10s). Thresholds measured in real time, such
// as certificate lifetimes, never pass through it.
import { durationMs, formatDuration } from "../config/formats.ts";

/**
 * The slowest any job is scraped when the global interval is shorter, as in a scaled local run: a
 * job's minScrapeInterval, postgres-exporter's 2s (src/prometheus/jobs/postgres-exporter.ts).
 * test/rules/timing.test.ts holds it to the job declarations.
 */
export const SLOWEST_JOB_SCRAPE = "2s";

export interface Timing {
  /** 1 in a cluster; 60 when a local minute lasts a second. */
  readonly scale: number;
  /** A `for`, keep_firing_for, or Alertmanager interval. */
  duration(duration: string): string;
  /** A range-vector window: never shorter than four scrapes, so rate() always has samples. */
  window(duration: string): string;
  /**
   * A window over the series of any job (TargetDown's `up`), or of a job scraped more slowly than the
   * global interval or not at all here: never shorter than four of the slowest job's scrapes either.
   */
  anyJobWindow(duration: string): string;
}

export const realTime: Timing = {
  scale: 1,
  duration: (duration) => duration,
  window: (duration) => duration,
  anyJobWindow: (duration) => duration,
};

/**
 * A cluster's Timing: real durations, but no window shorter than four scrapes, so that with a slow
 * scrapeInterval (2m) a 5m rate() still has the samples it needs (it reads 8m instead).
 */
export function clusterTiming(config: { scrapeInterval: string }): Timing {
  return scaledTiming(1, config.scrapeInterval);
}

export function scaledTiming(scale: number, scrapeInterval: string): Timing {
  if (!(scale >= 1)) throw new Error(`time scale must be at least 1, got ${scale}`);
  const minWindow = 4 * durationMs(scrapeInterval);
  const shrink = (duration: string) => formatDuration(durationMs(duration) / scale);
  return {
    scale,
    duration: shrink,
    window: (duration) => formatDuration(Math.max(durationMs(duration) / scale, minWindow)),
    anyJobWindow: (duration) =>
      formatDuration(Math.max(durationMs(duration) / scale, minWindow, 4 * durationMs(SLOWEST_JOB_SCRAPE))),
  };
}
