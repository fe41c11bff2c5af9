// What `verify` learns from the live Prometheus and Alertmanagers, reduced to what the assessment
// reads. src/cli/verify.ts fetches and fills it in; tests write it by hand.

/** One active target of /api/v1/targets. */
export interface LiveTarget {
  job: string;
  health: "up" | "down" | "unknown";
  /** The scrape error as Prometheus reports it, "" when the last scrape succeeded. */
  lastError: string;
  scrapeUrl: string;
}

/** One rule group of /api/v1/rules. */
export interface LiveGroup {
  name: string;
  file: string;
  rules: { name: string; health: string; lastError?: string }[];
}

/** One Alertmanager, as its API and its own metrics show it. */
export interface LiveAlertmanager {
  url: string;
  /** The Watchdog is among its active alerts. */
  watchdog: boolean;
  /** Receiver names of the running config (/api/v2/receivers). */
  receivers: string[];
  /** alertmanager_notifications_total and _failed_total per integration, since it started. */
  integrations: { integration: string; sent: number; failed: number }[];
}

export interface LiveAnswers {
  prometheusUrl: string;
  targets: LiveTarget[];
  groups: LiveGroup[];
  /** Alerts Prometheus has firing or pending, by name and state. */
  alerts: { alertname: string; state: string }[];
  /** For each presence query of the plan: its series count by job (the "" key: series without job). */
  seriesByJob: Map<string, Record<string, number>>;
  /** For each presence query and label (`query label`): how many of its series carry the label. */
  seriesWithLabel: Map<string, number>;
  alertmanagers: LiveAlertmanager[];
}

/** The key of seriesWithLabel. */
export const labelKey = (query: string, label: string) => `${query} ${label}`;

/** The query counting a presence query's series that carry a label. */
export const withLabelQuery = (query: string, label: string) => `count(${query.slice(0, -1)}, ${label}!=""})`;

/** The query counting a presence query's series by job. */
export const byJobQuery = (query: string) => `count by (job) (${query})`;
