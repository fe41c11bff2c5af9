// Receivers and where they deliver. In a cluster a receiver exists only when configured, and secret
// values stay in files mounted from a Kubernetes Secret; locally every receiver delivers to the
// notification inbox, so the local stack exercises the whole routing tree without real secrets.
//
// Local inbox contract (src/local, the notification inbox): Alertmanager POSTs to
//   http://<topology.host>:<topology.inbox>/<receiver name>
//     /heartbeat  webhook payload (version 4): the Watchdog
//     /default    webhook payload (version 4): alerts that are neither critical nor warning, and
//                 delivery failures that have no other receiver left (routes.ts)
//     /slack      Slack incoming-webhook message: { channel, attachments: [{ title, text, ... }] }
//     /pagerduty  PagerDuty Events API v2 event: { routing_key, event_action, dedup_key, payload }
import { mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import type { Deployment } from "../deployment.ts";
import type { PagerdutyConfig, Receiver, SlackConfig, WebhookConfig } from "./types.ts";

export const RECEIVERS = {
  /** Every alert that no other route takes. */
  default: "default",
  /** The always-firing Watchdog, for an external dead man's switch. */
  heartbeat: "heartbeat",
  /** Critical alerts page through PagerDuty's Events API v2; so does a failure to deliver to Slack. */
  pagerduty: "pagerduty",
  /** Critical and warning alerts are posted to Slack; so are failures to deliver to PagerDuty or a webhook. */
  slack: "slack",
} as const;

/** Secret files under mounts.alertmanagerSecrets, each holding one value. */
export const SECRET_FILES = {
  slackWebhookUrl: "slack-webhook-url",
  pagerdutyRoutingKey: "pagerduty-routing-key",
} as const;

const secretPath = (file: string) => `${mounts.alertmanagerSecrets}/${file}`;

/** Stands in for the PagerDuty key locally: the inbox accepts any, and no real key is written here. */
export const LOCAL_PAGERDUTY_ROUTING_KEY = "local-inbox-stand-in-routing-key";

/**
 * Where each receiver delivers: one entry per receiver that has somewhere to deliver. Slack and
 * PagerDuty secrets are file references in a cluster. Alertmanager 0.25 (the Debian package the
 * local stack and tests run) has no `url_file` for webhooks (added in 0.26), so the default and
 * heartbeat webhook URLs are written inline: alertmanager.yml is therefore kept in a Kubernetes
 * Secret, never a ConfigMap (docs/alerting.md).
 */
export interface Destinations {
  slack?: Pick<SlackConfig, "api_url" | "api_url_file">;
  pagerduty?: Pick<PagerdutyConfig, "routing_key" | "routing_key_file" | "url">;
  defaultWebhook?: string;
  heartbeatWebhook?: string;
}

export function destinations(config: StackConfig, deployment: Deployment): Destinations {
  if (deployment.kind === "local") {
    const { host, inbox } = deployment.topology;
    const inboxUrl = (receiver: string) => `http://${host}:${inbox}/${receiver}`;
    return {
      slack: { api_url: inboxUrl(RECEIVERS.slack) },
      pagerduty: { routing_key: LOCAL_PAGERDUTY_ROUTING_KEY, url: inboxUrl(RECEIVERS.pagerduty) },
      defaultWebhook: inboxUrl(RECEIVERS.default),
      heartbeatWebhook: inboxUrl(RECEIVERS.heartbeat),
    };
  }
  return {
    ...(config.alertmanagerSlackWebhook
      ? { slack: { api_url_file: secretPath(SECRET_FILES.slackWebhookUrl) } }
      : {}),
    ...(config.alertmanagerPagerdutyKey
      ? { pagerduty: { routing_key_file: secretPath(SECRET_FILES.pagerdutyRoutingKey) } }
      : {}),
    ...(config.alertmanagerDefaultWebhookUrl ? { defaultWebhook: config.alertmanagerDefaultWebhookUrl } : {}),
    ...(config.alertmanagerHeartbeatUrl ? { heartbeatWebhook: config.alertmanagerHeartbeatUrl } : {}),
  };
}

/** The secret files the cluster's Alertmanager mounts: file name → value, configured ones only. */
export function alertmanagerSecretFiles(config: StackConfig): Record<string, string> {
  return {
    ...(config.alertmanagerSlackWebhook
      ? { [SECRET_FILES.slackWebhookUrl]: config.alertmanagerSlackWebhook }
      : {}),
    ...(config.alertmanagerPagerdutyKey
      ? { [SECRET_FILES.pagerdutyRoutingKey]: config.alertmanagerPagerdutyKey }
      : {}),
  };
}

/**
 * The text of a Slack message: every alert of the group, its summary and description. A group often
 * holds several alerts (two deployments of one namespace): their annotations differ, so the
 * group's CommonAnnotations would be empty and the message say nothing.
 */
export const SLACK_TEXT =
  "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}";

/** The incident's title: the alerts' shared summary, else the alertname and how many there are. */
export const PAGERDUTY_DESCRIPTION =
  "{{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ .GroupLabels.alertname }}: {{ len .Alerts }} alerts{{ end }}";

const webhook = (url: string, sendResolved: boolean): WebhookConfig => ({ url, send_resolved: sendResolved });

/** The receivers for these destinations: default and heartbeat always (empty ones drop), the others when set. */
export function receivers(config: StackConfig, to: Destinations): Receiver[] {
  const list: Receiver[] = [
    {
      name: RECEIVERS.default,
      ...(to.defaultWebhook ? { webhook_configs: [webhook(to.defaultWebhook, true)] } : {}),
    },
    {
      name: RECEIVERS.heartbeat,
      // The Watchdog never resolves: only firing notifications are heartbeats.
      ...(to.heartbeatWebhook ? { webhook_configs: [webhook(to.heartbeatWebhook, false)] } : {}),
    },
  ];
  if (to.pagerduty) {
    list.push({
      name: RECEIVERS.pagerduty,
      pagerduty_configs: [
        {
          ...to.pagerduty,
          description: PAGERDUTY_DESCRIPTION,
          severity: "{{ .CommonLabels.severity }}",
          send_resolved: true,
        },
      ],
    });
  }
  if (to.slack) {
    list.push({
      name: RECEIVERS.slack,
      slack_configs: [
        {
          ...to.slack,
          channel: config.alertmanagerSlackChannel,
          title: "{{ .GroupLabels.alertname }}",
          text: SLACK_TEXT,
          send_resolved: true,
        },
      ],
    });
  }
  return list;
}
