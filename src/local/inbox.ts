// The notification inbox: every notification Alertmanager sends in the local stack lands here — the
// webhook receivers (default, heartbeat), and stand-ins for Slack and PagerDuty — so tests and people
// can see exactly what would have reached whom.
//
//   POST /<receiver>          Alertmanager webhook payload (version 4), Slack message or PagerDuty
//                             Events API v2 event, told apart by shape
//   GET  /notifications       JSON, newest last; ?receiver=&alertname=&status=&since=&after=
//   DELETE /notifications     forget everything received so far
//   GET  /notifications.txt   the latest notifications as plain text
//   GET  /                    the console (src/local/console/) when the stack serves one, else the
//                             plain text
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ConsoleHandler } from "./console/server.ts";
import { assertPortFree } from "./supervisor.ts";

export type NotificationKind = "webhook" | "slack" | "pagerduty";
export type AlertStatus = "firing" | "resolved";

export interface ReceivedAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  fingerprint?: string;
}

export interface Notification {
  /** Increasing from 1; `?after=<id>` returns only newer ones. */
  id: number;
  receivedAt: string;
  /** The URL path it was posted to, e.g. /slack. */
  path: string;
  kind: NotificationKind;
  /** The Alertmanager receiver: from a webhook payload, else the path's first segment. */
  receiver: string;
  status: AlertStatus;
  alertnames: string[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  /**
   * The alerts, with their labels where the format carries them: webhook payloads always, PagerDuty
   * events through the alert list Alertmanager renders into custom_details; a Slack message carries
   * only its title (the alertname) and text.
   */
  alerts: ReceivedAlert[];
  /** Slack's title and text, PagerDuty's summary: what a person would read. */
  text?: string;
  payload: unknown;
}

export interface NotificationFilter {
  receiver?: string;
  alertname?: string;
  status?: AlertStatus;
  /** Received at or after this time. */
  since?: Date;
  /** With an id greater than this. */
  after?: number;
}

const MAX_KEPT = 10_000;

/** Stores notifications; the HTTP server is a thin layer over it. */
export class NotificationStore {
  private readonly notifications: Notification[] = [];
  private nextId = 1;
  /** PagerDuty's resolve events may omit the alert list: remember it from the trigger. */
  private readonly pagerdutyIncidents = new Map<string, ReceivedAlert[]>();

  add(path: string, payload: unknown, receivedAt = new Date()): Notification {
    const parsed = parseNotification(path, payload, this.pagerdutyIncidents);
    const notification: Notification = {
      id: this.nextId++,
      receivedAt: receivedAt.toISOString(),
      path,
      ...parsed,
    };
    this.notifications.push(notification);
    if (this.notifications.length > MAX_KEPT)
      this.notifications.splice(0, this.notifications.length - MAX_KEPT);
    return notification;
  }

  list(filter: NotificationFilter = {}): Notification[] {
    return this.notifications.filter(
      (notification) =>
        (filter.receiver === undefined || notification.receiver === filter.receiver) &&
        (filter.alertname === undefined || notification.alertnames.includes(filter.alertname)) &&
        (filter.status === undefined || notification.status === filter.status) &&
        (filter.since === undefined || new Date(notification.receivedAt) >= filter.since) &&
        (filter.after === undefined || notification.id > filter.after),
    );
  }

  clear(): void {
    this.notifications.length = 0;
    this.pagerdutyIncidents.clear();
  }
}

type Parsed = Omit<Notification, "id" | "receivedAt" | "path">;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const stringRecord = (value: unknown): Record<string, string> =>
  isRecord(value)
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
      )
    : {};

const asStatus = (value: unknown): AlertStatus => (value === "resolved" ? "resolved" : "firing");

const unique = (values: readonly string[]) => [...new Set(values.filter((value) => value !== ""))];

function receiverFromPath(path: string): string {
  return decodeURIComponent(
    path
      .split("?")[0]
      ?.split("/")
      .find((segment) => segment !== "") ?? "",
  );
}

export class UnrecognizedPayloadError extends Error {
  override name = "UnrecognizedPayloadError";
}

function parseNotification(path: string, payload: unknown, incidents: Map<string, ReceivedAlert[]>): Parsed {
  if (!isRecord(payload)) throw new UnrecognizedPayloadError("expected a JSON object");
  if (Array.isArray(payload.alerts) && typeof payload.status === "string") return parseWebhook(path, payload);
  if (Array.isArray(payload.attachments) || typeof payload.text === "string")
    return parseSlack(path, payload);
  if (typeof payload.event_action === "string") return parsePagerduty(path, payload, incidents);
  throw new UnrecognizedPayloadError(
    "not an Alertmanager webhook payload, a Slack message or a PagerDuty Events API v2 event",
  );
}

function parseWebhook(path: string, payload: Record<string, unknown>): Parsed {
  const alerts: ReceivedAlert[] = (payload.alerts as unknown[]).filter(isRecord).map((alert) => ({
    status: asStatus(alert.status),
    labels: stringRecord(alert.labels),
    annotations: stringRecord(alert.annotations),
    ...(typeof alert.startsAt === "string" ? { startsAt: alert.startsAt } : {}),
    ...(typeof alert.endsAt === "string" ? { endsAt: alert.endsAt } : {}),
    ...(typeof alert.fingerprint === "string" ? { fingerprint: alert.fingerprint } : {}),
  }));
  return {
    kind: "webhook",
    receiver: typeof payload.receiver === "string" ? payload.receiver : receiverFromPath(path),
    status: asStatus(payload.status),
    alertnames: unique(alerts.map((alert) => alert.labels.alertname ?? "")),
    groupLabels: stringRecord(payload.groupLabels),
    commonLabels: stringRecord(payload.commonLabels),
    alerts,
    payload,
  };
}

/**
 * Slack messages as Alertmanager builds them: the configured title (the alertname) and text, and a
 * fallback line "[FIRING:2] <group label values> …" or "[RESOLVED] …" whose prefix gives the status;
 * the colour (danger/good) when there is no fallback.
 */
function parseSlack(path: string, payload: Record<string, unknown>): Parsed {
  const attachments = Array.isArray(payload.attachments) ? payload.attachments.filter(isRecord) : [];
  const first = attachments[0] ?? {};
  const title = typeof first.title === "string" ? first.title.trim() : "";
  const fallback = typeof first.fallback === "string" ? first.fallback : "";
  const prefix = /^\[(FIRING|RESOLVED)/.exec(fallback)?.[1];
  const status: AlertStatus = prefix
    ? asStatus(prefix.toLowerCase())
    : first.color === "good"
      ? "resolved"
      : "firing";
  const alertnames = unique(
    attachments.map((attachment) => (typeof attachment.title === "string" ? attachment.title.trim() : "")),
  );
  const text = [
    title,
    typeof first.text === "string" ? first.text : typeof payload.text === "string" ? payload.text : "",
  ]
    .filter((part) => part !== "")
    .join("\n");
  return {
    kind: "slack",
    receiver: receiverFromPath(path),
    status,
    alertnames,
    groupLabels: {},
    commonLabels: {},
    alerts: alertnames.map((alertname) => ({ status, labels: { alertname }, annotations: {} })),
    text,
    payload,
  };
}

/**
 * PagerDuty Events API v2 events as Alertmanager sends them: event_action trigger/resolve, and in
 * custom_details.firing/resolved the alert list rendered as "Labels:\n - name = value …".
 */
function parsePagerduty(
  path: string,
  payload: Record<string, unknown>,
  incidents: Map<string, ReceivedAlert[]>,
): Parsed {
  const status: AlertStatus = payload.event_action === "resolve" ? "resolved" : "firing";
  const body = isRecord(payload.payload) ? payload.payload : {};
  const details = isRecord(body.custom_details) ? body.custom_details : {};
  const dedupKey = typeof payload.dedup_key === "string" ? payload.dedup_key : "";
  let alerts = [
    ...parseAlertList(typeof details.firing === "string" ? details.firing : "", "firing"),
    ...parseAlertList(typeof details.resolved === "string" ? details.resolved : "", "resolved"),
  ];
  if (alerts.length > 0 && dedupKey) incidents.set(dedupKey, alerts);
  if (alerts.length === 0 && dedupKey) {
    alerts = (incidents.get(dedupKey) ?? []).map((alert) => ({ ...alert, status }));
  }
  const labelSets = alerts.map((alert) => alert.labels);
  const common = labelSets.length
    ? Object.fromEntries(
        Object.entries(labelSets[0] ?? {}).filter(([name, value]) =>
          labelSets.every((set) => set[name] === value),
        ),
      )
    : {};
  return {
    kind: "pagerduty",
    receiver: receiverFromPath(path),
    status,
    alertnames: unique(alerts.map((alert) => alert.labels.alertname ?? "")),
    groupLabels: {},
    commonLabels: common,
    alerts,
    ...(typeof body.summary === "string" ? { text: body.summary } : {}),
    payload,
  };
}

/** Parses Alertmanager's text alert list (the __text_alert_list template). */
export function parseAlertList(text: string, status: AlertStatus): ReceivedAlert[] {
  const alerts: ReceivedAlert[] = [];
  let section: Record<string, string> | undefined;
  let lastName: string | undefined;
  let current: ReceivedAlert | undefined;
  for (const line of text.split("\n")) {
    if (line === "Labels:") {
      current = { status, labels: {}, annotations: {} };
      alerts.push(current);
      section = current.labels;
      lastName = undefined;
    } else if (line === "Annotations:" && current) {
      section = current.annotations;
      lastName = undefined;
    } else if (line.startsWith("Source:")) {
      section = undefined;
    } else if (section) {
      const pair = /^ - ([^=]+?) = (.*)$/.exec(line);
      if (pair?.[1] !== undefined && pair[2] !== undefined) {
        lastName = pair[1];
        section[lastName] = pair[2];
      } else if (lastName !== undefined) {
        // A multi-line value (descriptions often are).
        section[lastName] = `${section[lastName]}\n${line}`;
      }
    }
  }
  return alerts;
}

export function parseFilter(query: URLSearchParams): NotificationFilter {
  const filter: NotificationFilter = {};
  const receiver = query.get("receiver");
  if (receiver) filter.receiver = receiver;
  const alertname = query.get("alertname");
  if (alertname) filter.alertname = alertname;
  const status = query.get("status");
  if (status) {
    if (status !== "firing" && status !== "resolved") throw new Error("status must be firing or resolved");
    filter.status = status;
  }
  const since = query.get("since");
  if (since) {
    const date = /^\d+$/.test(since) ? new Date(Number(since)) : new Date(since);
    if (Number.isNaN(date.getTime()))
      throw new Error("since must be an ISO time or milliseconds since the epoch");
    filter.since = date;
  }
  const after = query.get("after");
  if (after) {
    if (!/^\d+$/.test(after)) throw new Error("after must be a notification id");
    filter.after = Number(after);
  }
  return filter;
}

export function formatNotifications(notifications: readonly Notification[]): string {
  if (notifications.length === 0) return "No notifications yet.\n";
  const lines = notifications.map((notification) => {
    const labels = notification.alerts[0]?.labels ?? {};
    const identifying = Object.entries(labels)
      .filter(([name]) => name !== "alertname")
      .map(([name, value]) => `${name}=${value}`)
      .join(" ");
    const count = notification.alerts.length > 1 ? ` ×${notification.alerts.length}` : "";
    return `${notification.receivedAt}  ${notification.receiver.padEnd(10)} ${notification.status.toUpperCase().padEnd(8)} ${notification.alertnames.join(",")}${count}  ${identifying}`.trimEnd();
  });
  return `${lines.join("\n")}\n`;
}

export interface InboxOptions {
  host: string;
  port: number;
  portFlag?: string;
  /** How many notifications the plain-text view shows. */
  latest?: number;
  /** Serves the console's page and APIs at this address. */
  console?: ConsoleHandler;
}

export interface Inbox {
  readonly url: string;
  readonly store: NotificationStore;
  /** Makes the Slack or PagerDuty stand-in answer 500 (storing nothing), as a notifier that is down. */
  setFailing(receiver: "slack" | "pagerduty", failing: boolean): void;
  close(): Promise<void>;
}

export async function startInbox(options: InboxOptions): Promise<Inbox> {
  await assertPortFree("inbox", {
    host: options.host,
    port: options.port,
    flag: options.portFlag ?? "--inbox-port",
  });
  const store = new NotificationStore();
  const failing = new Set<string>();
  const latest = options.latest ?? 50;
  const server: Server = createServer((request, response) => {
    handle(store, failing, latest, options.console, request, response).catch((error: unknown) => {
      send(response, 500, "text/plain", `${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    url: `http://${options.host}:${options.port}`,
    store,
    setFailing(receiver, fail) {
      if (fail) failing.add(receiver);
      else failing.delete(receiver);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": `${type}; charset=utf-8` });
  response.end(body);
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(
  store: NotificationStore,
  failing: ReadonlySet<string>,
  latest: number,
  serveConsole: ConsoleHandler | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://inbox");
  if (
    request.method === "GET" &&
    (url.pathname === "/notifications.txt" || (url.pathname === "/" && serveConsole === undefined))
  ) {
    send(response, 200, "text/plain", formatNotifications(store.list().slice(-latest)));
    return;
  }
  if (request.method === "GET" && url.pathname === "/healthz") {
    send(response, 200, "text/plain", "ok\n");
    return;
  }
  if (url.pathname === "/notifications") {
    if (request.method === "GET") {
      let filter: NotificationFilter;
      try {
        filter = parseFilter(url.searchParams);
      } catch (error) {
        send(response, 400, "text/plain", `${(error as Error).message}\n`);
        return;
      }
      send(response, 200, "application/json", JSON.stringify(store.list(filter)));
      return;
    }
    if (request.method === "DELETE") {
      store.clear();
      send(response, 204, "text/plain", "");
      return;
    }
  }
  if (serveConsole && (await serveConsole(request, response))) return;
  if (request.method === "POST") {
    const text = await readBody(request);
    if (failing.has(receiverFromPath(url.pathname))) {
      send(response, 500, "text/plain", "the notifier is down\n");
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      send(response, 400, "text/plain", "body is not JSON\n");
      return;
    }
    let notification: Notification;
    try {
      notification = store.add(url.pathname, payload);
    } catch (error) {
      if (!(error instanceof UnrecognizedPayloadError)) throw error;
      send(response, 400, "text/plain", `${error.message}\n`);
      return;
    }
    if (notification.kind === "pagerduty") {
      // What PagerDuty's Events API v2 answers.
      const dedupKey = (payload as { dedup_key?: unknown }).dedup_key;
      send(
        response,
        202,
        "application/json",
        JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedupKey }),
      );
    } else {
      // What Slack's incoming webhooks answer; Alertmanager ignores a webhook's body.
      send(response, 200, "text/plain", "ok");
    }
    return;
  }
  send(response, 404, "text/plain", "not found\n");
}
