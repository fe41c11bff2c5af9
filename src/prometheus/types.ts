// The parts of prometheus.yml this stack writes, as Prometheus 2.42 and 3.x read them.

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop" | "labelmap" | "labeldrop" | "labelkeep";
}

export interface StaticConfig {
  targets: string[];
  labels?: Record<string, string>;
}

export interface KubernetesSdConfig {
  role: "node" | "pod" | "endpointslice";
  namespaces?: { names: string[] };
}

export interface TlsConfig {
  ca_file?: string;
  insecure_skip_verify?: boolean;
}

export interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  scrape_timeout?: string;
  scheme?: "http" | "https";
  metrics_path?: string;
  honor_labels?: boolean;
  params?: Record<string, string[]>;
  authorization?: { credentials_file: string };
  tls_config?: TlsConfig;
  kubernetes_sd_configs?: KubernetesSdConfig[];
  static_configs?: StaticConfig[];
  relabel_configs?: RelabelConfig[];
  /** Applied to each scraped sample before it is stored: the ingestion keep-lists. */
  metric_relabel_configs?: RelabelConfig[];
}

/** Where a job's targets come from: discovery and the relabeling that shapes them, or a static list. */
export type TargetsPart = Pick<ScrapeConfig, "kubernetes_sd_configs" | "static_configs" | "relabel_configs">;
