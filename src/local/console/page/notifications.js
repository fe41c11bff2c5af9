// Notifications: what reached each receiver, drawn the way that receiver shows it — a Slack message
// with its colour bar, title and text; a PagerDuty incident with its summary and severity; a webhook
// payload folded. The Watchdog's heartbeat arrives every few seconds and would bury the rest, so it
// is one line: when the last one came.
import { ago, badge, el, labelChips, replace } from "./dom.js";

/** Notifications kept in the page; the inbox keeps more (GET /notifications). */
const KEPT = 2_000;
/** Drawn at once, newest first. */
const SHOWN = 200;

/** @param {any} notification */
const isHeartbeat = (notification) =>
  notification.receiver === "heartbeat" ||
  (notification.alertnames.length === 1 && notification.alertnames[0] === "Watchdog");

/** @param {HTMLElement} section */
export function createNotifications(section) {
  const body = /** @type {HTMLElement} */ (section.querySelector(".body"));
  const heartbeatLine = /** @type {HTMLElement} */ (section.querySelector(".heartbeat"));
  const filters = /** @type {HTMLFormElement} */ (section.querySelector("form.filters"));
  const select = (/** @type {string} */ name) =>
    /** @type {HTMLSelectElement} */ (filters.elements.namedItem(name));
  /** @type {any[]} */
  let received = [];
  let lastId = 0;
  /** @type {any} */
  let lastHeartbeat;
  let heartbeats = 0;
  /** Which folded payloads are open, by notification id, so a redraw keeps them open. */
  const open = new Set();
  let error = "";

  const draw = () => {
    const receiver = select("receiver").value;
    const alertname = select("alertname").value;
    const status = select("status").value;
    const matching = received.filter(
      (notification) =>
        (receiver === "" || notification.receiver === receiver) &&
        (alertname === "" || notification.alertnames.includes(alertname)) &&
        (status === "" || notification.status === status),
    );
    heartbeatLine.textContent = lastHeartbeat
      ? `Heartbeat (Watchdog → ${lastHeartbeat.receiver}): last ${ago(lastHeartbeat.receivedAt)}, ${heartbeats} received.`
      : "No heartbeat yet: the Watchdog reaches the heartbeat receiver within a group_wait of the start.";
    heartbeatLine.dataset.heartbeats = String(heartbeats);
    replace(
      body,
      error ? el("p", { class: "error" }, error) : "",
      matching.length === 0
        ? el(
            "p",
            { class: "muted" },
            received.length === 0 ? "No notifications yet." : "None match the filter.",
          )
        : "",
      ...matching
        .slice(-SHOWN)
        .reverse()
        .map((notification) => render(notification, open)),
    );
  };

  /** Keeps the filter's choices to what has arrived, and the current choice. */
  const fillOptions = () => {
    for (const [name, values] of [
      ["receiver", received.map((notification) => notification.receiver)],
      ["alertname", received.flatMap((notification) => notification.alertnames)],
    ]) {
      const element = select(/** @type {string} */ (name));
      const choices = [...new Set(/** @type {string[]} */ (values))].sort();
      const present = [...element.options].map((option) => option.value);
      for (const choice of choices)
        if (!present.includes(choice)) element.append(el("option", { value: choice }, choice));
    }
  };

  filters.addEventListener("change", draw);

  return {
    async update() {
      try {
        const response = await fetch(`/notifications?after=${lastId}`);
        if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
        /** @type {any[]} */
        const fresh = await response.json();
        error = "";
        for (const notification of fresh) {
          lastId = Math.max(lastId, notification.id);
          if (isHeartbeat(notification)) {
            lastHeartbeat = notification;
            heartbeats++;
          } else received.push(notification);
        }
        if (received.length > KEPT) received = received.slice(-KEPT);
        if (fresh.length > 0) fillOptions();
      } catch (failure) {
        error = `Inbox: ${failure instanceof Error ? failure.message : String(failure)}`;
      }
      draw();
    },
  };
}

/**
 * @param {any} notification
 * @param {Set<number>} open
 */
function render(notification, open) {
  const content =
    notification.kind === "slack"
      ? slackMessage(notification.payload)
      : notification.kind === "pagerduty"
        ? pagerdutyIncident(notification)
        : webhookPayload(notification, open);
  return el(
    "article",
    {
      class: `notification kind-${notification.kind}`,
      "data-id": notification.id,
      "data-kind": notification.kind,
      "data-receiver": notification.receiver,
      "data-status": notification.status,
      "data-alertnames": notification.alertnames.join(" "),
    },
    el(
      "header",
      {},
      el("strong", {}, notification.receiver),
      " ",
      badge(notification.status),
      " ",
      notification.alertnames.join(", "),
      el("span", { class: "muted when", title: notification.receivedAt }, ago(notification.receivedAt)),
    ),
    content,
  );
}

const SLACK_COLOURS = { danger: "#e01e5a", good: "#2eb67d", warning: "#ecb22e" };

/** As Slack draws an attachment: colour bar, title (a link), text, fields, footer. @param {any} payload */
function slackMessage(payload) {
  const attachments = Array.isArray(payload.attachments) ? payload.attachments : [];
  return el(
    "div",
    { class: "slack" },
    el(
      "div",
      { class: "slack-meta muted" },
      `${payload.channel ?? ""} · ${payload.username ?? "Alertmanager"}`,
    ),
    payload.text ? el("p", { class: "slack-text" }, payload.text) : "",
    ...attachments.map((/** @type {any} */ attachment) =>
      el(
        "div",
        {
          class: "slack-attachment",
          style: `border-left-color: ${SLACK_COLOURS[/** @type {keyof typeof SLACK_COLOURS} */ (attachment.color)] ?? attachment.color ?? "#ccc"}`,
        },
        attachment.pretext ? el("div", {}, attachment.pretext) : "",
        attachment.title
          ? el(
              "div",
              { class: "slack-title" },
              attachment.title_link
                ? el(
                    "a",
                    { href: attachment.title_link, target: "_blank", rel: "noreferrer" },
                    attachment.title,
                  )
                : attachment.title,
            )
          : "",
        attachment.text ? el("div", { class: "slack-text" }, attachment.text) : "",
        ...(Array.isArray(attachment.fields) ? attachment.fields : []).map(
          (/** @type {{ title: string, value: string }} */ field) =>
            el("div", { class: "slack-field" }, el("strong", {}, field.title), el("div", {}, field.value)),
        ),
        attachment.footer ? el("div", { class: "muted" }, attachment.footer) : "",
      ),
    ),
  );
}

/** As PagerDuty shows an incident: severity, summary, source, the alerts it carries. @param {any} notification */
function pagerdutyIncident(notification) {
  const event = notification.payload;
  const body = event.payload ?? {};
  return el(
    "div",
    { class: "pagerduty" },
    el(
      "div",
      { class: "pagerduty-head" },
      badge(
        event.event_action === "resolve" ? "resolved" : "triggered",
        event.event_action === "resolve" ? "resolved" : "firing",
      ),
      body.severity ? badge(body.severity) : "",
      el("span", { class: "pagerduty-summary" }, body.summary ?? notification.text ?? ""),
    ),
    el(
      "div",
      { class: "muted" },
      `source ${body.source ?? "?"} · incident key ${String(event.dedup_key ?? "").slice(0, 12)}…`,
    ),
    el(
      "ul",
      { class: "pagerduty-alerts" },
      ...notification.alerts.map((/** @type {any} */ alert) =>
        el(
          "li",
          {},
          badge(alert.status),
          " ",
          labelChips(alert.labels, []),
          alert.annotations.summary ? el("div", {}, alert.annotations.summary) : "",
        ),
      ),
    ),
  );
}

/**
 * The payload Alertmanager posted, folded: its group labels and alerts on one line, the JSON on
 * demand.
 * @param {any} notification
 * @param {Set<number>} open
 */
function webhookPayload(notification, open) {
  const details = el(
    "details",
    { open: open.has(notification.id) },
    el(
      "summary",
      {},
      `${notification.alerts.length} alert${notification.alerts.length === 1 ? "" : "s"} `,
      labelChips(notification.groupLabels, []),
    ),
    el("pre", {}, JSON.stringify(notification.payload, null, 2)),
  );
  details.addEventListener("toggle", () => {
    if (/** @type {HTMLDetailsElement} */ (details).open) open.add(notification.id);
    else open.delete(notification.id);
  });
  return details;
}
