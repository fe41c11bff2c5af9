// Prometheus' size for a cluster of N nodes and M pods: head series per job, memory, disk. The series
// come from the measured per-name figures (measurements.ts) filtered by exactly what this config's
// synthesized stack keeps (keep.ts); memory and the write-ahead log from what the bench measured on a
// real Prometheus; blocks from Prometheus' documented bytes per sample. docs/sizing.md explains each.
import { durationMs } from "../config/formats.ts";
import type { StackConfig } from "../config/schema.ts";
import { cluster } from "../deployment.ts";
import { scrapeConfigs } from "../prometheus/index.ts";
import { jobKeeps } from "./keep.ts";
import { measurements as measured } from "./measurements.ts";
import { REFERENCE_SERVICES, seriesPerServicePod } from "./services.ts";
import { MEASURED_JOBS, type MeasuredJob, type Measurements } from "./types.ts";

/**
 * Bytes per sample in a compacted block: prometheus/prometheus docs/storage.md ("Operational aspects",
 * v3.13.2): "On average, Prometheus uses only around 1-2 bytes per sample." The upper end, since the
 * bench runs too briefly to compact a block of its own.
 */
export const BLOCK_BYTES_PER_SAMPLE = 2;

/**
 * The write-ahead log keeps at least the head's samples: up to 3h of them before a compaction
 * truncates it (docs/storage.md: "keep at least two hours of raw data"; prometheus/prometheus
 * tsdb/head.go compactable(): the head is compacted once it spans 1.5× the 2h block range).
 */
const WAL_HOURS = 3;

/**
 * Room for compaction on disk: a new block is written before the blocks it replaces are deleted, and
 * the largest spans 10% of the retention (docs/storage.md "Compaction").
 */
const COMPACTION_HEADROOM = 0.1;

/**
 * Samples a head series holds in memory: its open chunk, cut at 120 samples (prometheus/prometheus
 * tsdb/head.go DefaultSamplesPerChunk). The bench measures after a few scrapes, when chunks are
 * nearly empty; this allows for them full, at BLOCK_BYTES_PER_SAMPLE.
 */
const OPEN_CHUNK_BYTES = 120 * BLOCK_BYTES_PER_SAMPLE;

/**
 * Limit over request: the working set measured is steady ingestion; every 2h compaction reads the
 * head into a block, and rules and dashboards allocate per series they read. Twice the working set
 * is this project's margin for both, not a measurement.
 */
export const LIMIT_OVER_REQUEST = 2;

export interface ClusterSize {
  nodes: number;
  pods: number;
  /** Of the pods, those of api, web and electric; REFERENCE_SERVICES.pods (at most `pods`) when not given. */
  servicePods?: number;
}

/** Plue's own services: every series they serve is stored. */
export interface ServicesEstimate {
  pods: number;
  seriesPerPod: number;
  kept: number;
  intervalSeconds: number;
}

export interface JobEstimate {
  job: MeasuredJob;
  targets: number;
  /** Series the exporters serve per scrape. */
  exposed: number;
  /** Series Prometheus parses per scrape: what kube-state-metrics builds after its allowlist. */
  scraped: number;
  /** Series stored: the head series. */
  kept: number;
  /** How often the job is scraped. */
  intervalSeconds: number;
}

export interface SizeEstimate {
  size: ClusterSize;
  /** Whether any measured job keeps only some names (the ingestion keep-lists are on). */
  keepLists: boolean;
  jobs: JobEstimate[];
  services: ServicesEstimate;
  headSeries: number;
  samplesPerSecond: number;
  memory: { workingSetBytes: number; requestBytes: number; limitBytes: number };
  disk: { retention: string; blocksBytes: number; walBytes: number; totalBytes: number };
}

export function estimateSize(
  config: StackConfig,
  size: ClusterSize,
  from: Measurements = measured,
): SizeEstimate {
  const keeps = jobKeeps(config, MEASURED_JOBS);
  const configs = scrapeConfigs(config, cluster);
  const globalInterval = durationMs(config.scrapeInterval) / 1000;
  const jobs = MEASURED_JOBS.filter((job) => keeps[job].scraped).map((job): JobEstimate => {
    const { series, targets, unreadPerNode = 0 } = from.jobs[job];
    const { served, stored, rules } = keeps[job];
    const count = ([fixed, perNode, perPod]: readonly number[]) =>
      (fixed ?? 0) + (perNode ?? 0) * size.nodes + (perPod ?? 0) * size.pods;
    let exposed = unreadPerNode * size.nodes;
    let scraped = exposed;
    // Series nobody could read are kept only where nothing is dropped.
    let kept = rules.length === 0 ? exposed : 0;
    for (const [name, coefficients] of Object.entries(series)) {
      const n = count(coefficients);
      exposed += n;
      if (!served(name)) continue;
      scraped += n;
      if (stored(name)) kept += n;
    }
    const interval = configs.find((c) => c.job_name === job)?.scrape_interval;
    return {
      job,
      targets: targets === "per node" ? size.nodes : targets,
      exposed: Math.round(exposed),
      scraped: Math.round(scraped),
      kept: Math.round(kept),
      intervalSeconds: interval ? durationMs(interval) / 1000 : globalInterval,
    };
  });

  const servicePods = size.servicePods ?? Math.min(REFERENCE_SERVICES.pods, size.pods);
  const seriesPerPod = seriesPerServicePod();
  const services: ServicesEstimate = {
    pods: servicePods,
    seriesPerPod,
    kept: servicePods * seriesPerPod,
    intervalSeconds: globalInterval,
  };

  const headSeries = jobs.reduce((sum, job) => sum + job.kept, services.kept);
  const scrapedSeries = jobs.reduce((sum, job) => sum + job.scraped, services.kept);
  const samplesPerSecond = jobs.reduce(
    (sum, job) => sum + job.kept / job.intervalSeconds,
    services.kept / services.intervalSeconds,
  );

  const workingSetBytes =
    from.idleBytes +
    headSeries * (from.headBytesPerSeries + OPEN_CHUNK_BYTES) +
    scrapedSeries * from.scrapedBytesPerSeries;
  const retentionSeconds = durationMs(config.prometheusRetention) / 1000;
  const blocksBytes =
    samplesPerSecond * retentionSeconds * BLOCK_BYTES_PER_SAMPLE * (1 + COMPACTION_HEADROOM);
  const walBytes = samplesPerSecond * WAL_HOURS * 3600 * from.walBytesPerSample;

  return {
    size,
    keepLists: MEASURED_JOBS.some((job) => keeps[job].rules.length > 0),
    jobs,
    services,
    headSeries,
    samplesPerSecond,
    memory: {
      workingSetBytes,
      requestBytes: workingSetBytes,
      limitBytes: workingSetBytes * LIMIT_OVER_REQUEST,
    },
    disk: {
      retention: config.prometheusRetention,
      blocksBytes,
      walBytes,
      totalBytes: blocksBytes + walBytes,
    },
  };
}
