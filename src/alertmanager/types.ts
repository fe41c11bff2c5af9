// The parts of alertmanager.yml this stack writes, as Alertmanager 0.25 and 0.28 read them.

export interface SlackConfig {
  api_url?: string;
  api_url_file?: string;
  channel: string;
  title: string;
  text: string;
  send_resolved: boolean;
}

export interface PagerdutyConfig {
  routing_key?: string;
  routing_key_file?: string;
  /** The Events API v2 endpoint; only set locally, where the inbox stands in for PagerDuty. */
  url?: string;
  description: string;
  severity: string;
  send_resolved: boolean;
}

export interface WebhookConfig {
  url?: string;
  /**
   * A file holding the URL, read on every notification: Alertmanager 0.26 and later
   * (prometheus/alertmanager notify/webhook/config.go and webhook.go @v0.34.0); 0.25 refuses it.
   */
  url_file?: string;
  send_resolved: boolean;
}

export interface Receiver {
  name: string;
  slack_configs?: SlackConfig[];
  pagerduty_configs?: PagerdutyConfig[];
  webhook_configs?: WebhookConfig[];
}

export interface Route {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  routes?: Route[];
}

export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}

export type AlertmanagerConfig = {
  route: Route;
  receivers: Receiver[];
  inhibit_rules: InhibitRule[];
};
