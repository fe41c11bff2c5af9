// The shape of the sizing measurements (src/sizing/measurements.ts, written by the ingestion bench).

/** The scrape jobs whose series the bench measured at scale. */
export const MEASURED_JOBS = [
  "cadvisor",
  "kubelet",
  "node-exporter",
  "kube-state-metrics",
  "apiserver",
] as const;
export type MeasuredJob = (typeof MEASURED_JOBS)[number];

/** Series a name adds: per cluster (whatever the size), per node, per pod. */
export type Coefficients = readonly [fixed: number, perNode: number, perPod: number];

export interface JobMeasurement {
  /** One target per node, or this many targets in all (kube-state-metrics 1, the apiservers). */
  targets: "per node" | number;
  /** Every series name the job's exporter serves, with what it adds. */
  series: Readonly<Record<string, Coefficients>>;
  /** Series per node counted from a documented figure, not read: stored only when nothing is dropped. */
  unreadPerNode?: number;
}

export interface Measurements {
  /** When, where and with what the numbers were measured. */
  measured: {
    date: string;
    prometheus: string;
    machine: string;
    cluster: string;
  };
  /** Resident memory of a Prometheus that scrapes nothing. */
  idleBytes: number;
  /** Resident memory per series in the head, after a few scrapes. */
  headBytesPerSeries: number;
  /**
   * Resident memory per series scraped each interval, stored or not: parsing, the scrape cache
   * (which remembers dropped series too). With keep-lists it outweighs the head.
   */
  scrapedBytesPerSeries: number;
  /** Write-ahead log bytes per appended sample, once every series is known. */
  walBytesPerSample: number;
  jobs: Readonly<Record<MeasuredJob, JobMeasurement>>;
}
