// A scrape job as declared once for every deployment; a TargetSource resolves its targets.
import type { Targets } from "../targets.ts";

export interface JobSpec {
  job: string;
  metricsPath?: string;
  /** The exporter's own labels win over target labels (kube-state-metrics: the object's namespace). */
  honorLabels?: boolean;
  params?: Record<string, string[]>;
  /**
   * The shortest interval the exporter can be scraped at (also its timeout). When the global scrape
   * interval is shorter (a scaled local run), the job is scraped this often instead.
   */
  minScrapeInterval?: string;
  targets: Targets;
}
