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
import { isSecretReference, type SecretReference } from "../config/secret-reference.ts";
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
  /** Only for a webhook URL given as a reference: a URL given as a value is written inline. */
  defaultWebhookUrl: "default-webhook-url",
  heartbeatUrl: "heartbeat-url",
} as const;

/** Each secret file, and the key whose value (or reference to an existing Secret) it holds. */
const SECRET_FILE_KEYS = {
  [SECRET_FILES.slackWebhookUrl]: "alertmanagerSlackWebhook",
  [SECRET_FILES.pagerdutyRoutingKey]: "alertmanagerPagerdutyKey",
  [SECRET_FILES.defaultWebhookUrl]: "alertmanagerDefaultWebhookUrl",
  [SECRET_FILES.heartbeatUrl]: "alertmanagerHeartbeatUrl",
} as const satisfies Record<string, keyof StackConfig>;

const secretPath = (file: string) => `${mounts.alertmanagerSecrets}/${file}`;

/** Stands in for the PagerDuty key locally: the inbox accepts any, and no real key is written here. */
export const LOCAL_PAGERDUTY_ROUTING_KEY = "local-inbox-stand-in-routing-key";

/**
 * Where each receiver delivers: one entry per receiver that has somewhere to deliver. Slack and
 * PagerDuty secrets are file references in a cluster. Alertmanager 0.25 (the Debian package the
 * local stack and tests run) has no `url_file` for webhooks (added in 0.26), so the default and
 * heartbeat webhook URLs given as values are written inline: alertmanager.yml is therefore kept in a
 * Kubernetes Secret, never a ConfigMap (docs/alerting.md). One given as a reference to an existing
 * Secret cannot be: it is read from a mounted file through `url_file`, which the cluster's pinned
 * Alertmanager (v0.34.0, src/config/images.ts) reads again on every notification
 * (prometheus/alertmanager notify/webhook/webhook.go @v0.34.0), so a rotated Secret needs no reload.
 */
export interface Destinations {
  slack?: Pick<SlackConfig, "api_url" | "api_url_file">;
  pagerduty?: Pick<PagerdutyConfig, "routing_key" | "routing_key_file" | "url">;
  defaultWebhook?: WebhookTarget;
  heartbeatWebhook?: WebhookTarget;
}

type WebhookTarget = Pick<WebhookConfig, "url" | "url_file">;

/** A webhook URL inline when it is a value, from its mounted file when it names a Secret. */
function webhookTarget(value: string | SecretReference, file: string): WebhookTarget | undefined {
  if (isSecretReference(value)) return { url_file: secretPath(file) };
  return value === "" ? undefined : { url: value };
}

/** Drops undefined entries, so an absent destination leaves no key behind. */
function defined<T extends object>(entries: T): T {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as T;
}

export function destinations(config: StackConfig, deployment: Deployment): Destinations {
  if (deployment.kind === "local") {
    const { host, inbox } = deployment.topology;
    const inboxUrl = (receiver: string) => `http://${host}:${inbox}/${receiver}`;
    return {
      slack: { api_url: inboxUrl(RECEIVERS.slack) },
      pagerduty: { routing_key: LOCAL_PAGERDUTY_ROUTING_KEY, url: inboxUrl(RECEIVERS.pagerduty) },
      defaultWebhook: { url: inboxUrl(RECEIVERS.default) },
      heartbeatWebhook: { url: inboxUrl(RECEIVERS.heartbeat) },
    };
  }
  return defined({
    slack: config.alertmanagerSlackWebhook
      ? { api_url_file: secretPath(SECRET_FILES.slackWebhookUrl) }
      : undefined,
    pagerduty: config.alertmanagerPagerdutyKey
      ? { routing_key_file: secretPath(SECRET_FILES.pagerdutyRoutingKey) }
      : undefined,
    defaultWebhook: webhookTarget(config.alertmanagerDefaultWebhookUrl, SECRET_FILES.defaultWebhookUrl),
    heartbeatWebhook: webhookTarget(config.alertmanagerHeartbeatUrl, SECRET_FILES.heartbeatUrl),
  });
}

/**
 * The secret files the cluster's Alertmanager mounts from the Secret the stack generates: file name
 * → value, configured values only. Webhook URLs given as values are inline in alertmanager.yml.
 */
export function alertmanagerSecretFiles(config: StackConfig): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of [SECRET_FILES.slackWebhookUrl, SECRET_FILES.pagerdutyRoutingKey]) {
    const value = config[SECRET_FILE_KEYS[file]];
    if (typeof value === "string" && value !== "") files[file] = value;
  }
  return files;
}

/** The secret files the cluster's Alertmanager mounts from Secrets that already exist: file name → reference. */
export function alertmanagerReferencedFiles(config: StackConfig): Record<string, SecretReference> {
  const files: Record<string, SecretReference> = {};
  for (const [file, key] of Object.entries(SECRET_FILE_KEYS)) {
    const value = config[key];
    if (isSecretReference(value)) files[file] = value;
  }
  return files;
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

const webhook = (target: WebhookTarget, sendResolved: boolean): WebhookConfig => ({
  ...target,
  send_resolved: sendResolved,
});

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
