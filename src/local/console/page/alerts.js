// Alerts: what Prometheus has firing or pending, grouped by alertname, each joined to what the
// Alertmanagers know of it — whether a silence or an inhibition holds its notifications back, and
// which receivers it goes to.
import { ago, badge, el, failure, labelChips, replace } from "./dom.js";

/** Labels that tell one alert from another of its group; the rest (severity …) describe it. */
const DESCRIPTIVE = ["alertname", "severity", "prometheus", "cluster"];

/**
 * @param {HTMLElement} section
 * @param {(matchers: string) => void} silence Opens the silence form for these matchers.
 */
export function createAlerts(section, silence) {
  const body = /** @type {HTMLElement} */ (section.querySelector(".body"));
  return {
    /** @param {any} state */
    update(state) {
      if (!state.prometheusAlerts.ok) {
        replace(body, failure("Alerts (Prometheus)", state.prometheusAlerts.error));
        return;
      }
      const managed = state.alertmanagerAlerts.ok ? state.alertmanagerAlerts.value : [];
      const silences = state.silences.ok ? state.silences.value : [];
      /** @type {any[]} */
      const alerts = state.prometheusAlerts.value;
      const groups = new Map();
      for (const alert of alerts) {
        const name = alert.labels.alertname;
        groups.set(name, [...(groups.get(name) ?? []), alert]);
      }
      const order = [...groups.keys()].sort(
        (a, b) => rank(groups.get(a)) - rank(groups.get(b)) || a.localeCompare(b),
      );
      replace(
        body,
        state.alertmanagerAlerts.ok
          ? ""
          : failure("Silenced and inhibited state (Alertmanager)", state.alertmanagerAlerts.error),
        alerts.length === 0
          ? el("p", { class: "muted" }, "Nothing firing or pending.")
          : el("div", {}, ...order.map((name) => group(name, groups.get(name), managed, silences, silence))),
      );
    },
  };
}

/** Firing critical first, pending last. @param {any[]} alerts */
function rank(alerts) {
  const firing = alerts.some((alert) => alert.state === "firing");
  const critical = alerts.some((alert) => alert.labels.severity === "critical");
  return (firing ? 0 : 2) + (critical ? 0 : 1);
}

/**
 * The Alertmanager alert for a Prometheus one: the same labels, plus the external labels Prometheus
 * adds when it sends.
 * @param {any} alert
 * @param {any[]} managed
 */
function managedAlert(alert, managed) {
  return managed.find((candidate) =>
    Object.entries(alert.labels).every(([name, value]) => candidate.labels[name] === value),
  );
}

/**
 * @param {string} name
 * @param {any[]} alerts
 * @param {any[]} managed
 * @param {any[]} silences
 * @param {(matchers: string) => void} silence
 */
function group(name, alerts, managed, silences, silence) {
  const firing = alerts.filter((alert) => alert.state === "firing").length;
  const first = alerts[0];
  const runbook = first.annotations?.runbook_url;
  return el(
    "article",
    { class: "alert-group", "data-alertname": name },
    el(
      "h3",
      {},
      name,
      " ",
      badge(
        firing > 0 ? `firing ×${firing}` : `pending ×${alerts.length}`,
        firing > 0 ? "firing" : "pending",
      ),
      first.labels.severity ? badge(first.labels.severity) : "",
      runbook
        ? el("a", { href: runbook, target: "_blank", rel: "noreferrer", class: "runbook" }, "runbook")
        : "",
    ),
    el(
      "table",
      { class: "alerts" },
      el(
        "tbody",
        {},
        ...alerts.map((alert) => row(alert, managedAlert(alert, managed), managed, silences, silence)),
      ),
    ),
  );
}

/**
 * @param {any} alert
 * @param {any} managed Alertmanager's view of this alert.
 * @param {any[]} allManaged Every alert Alertmanager holds: the inhibiting ones among them.
 * @param {any[]} silences
 * @param {(matchers: string) => void} silence
 */
function row(alert, managed, allManaged, silences, silence) {
  const silencedBy = managed?.status?.silencedBy ?? [];
  const inhibitedBy = managed?.status?.inhibitedBy ?? [];
  const comments = silencedBy.map(
    (/** @type {string} */ id) => silences.find((candidate) => candidate.id === id)?.comment ?? id,
  );
  const identifying = Object.entries(alert.labels).filter(([label]) => !DESCRIPTIVE.includes(label));
  const matchers = [["alertname", alert.labels.alertname], ...identifying]
    .map(([label, value]) => `${label}=${JSON.stringify(value)}`)
    .join(", ");
  return el(
    "tr",
    {
      class: "alert",
      "data-alertname": alert.labels.alertname,
      "data-state": alert.state,
      "data-silenced": silencedBy.length > 0,
      "data-inhibited": inhibitedBy.length > 0,
    },
    el(
      "td",
      { class: "state" },
      badge(alert.state),
      silencedBy.length > 0 ? badge("silenced") : "",
      inhibitedBy.length > 0 ? badge("inhibited") : "",
    ),
    el(
      "td",
      {},
      labelChips(alert.labels, ["alertname", "severity"]),
      alert.annotations?.summary ? el("div", { class: "summary" }, alert.annotations.summary) : "",
      alert.annotations?.description && alert.annotations.description !== alert.annotations.summary
        ? el(
            "details",
            {},
            el("summary", {}, "description"),
            el("p", { class: "description" }, alert.annotations.description),
          )
        : "",
      silencedBy.length > 0 ? el("div", { class: "muted" }, `silenced: ${comments.join("; ")}`) : "",
      inhibitedBy.length > 0
        ? el(
            "div",
            { class: "muted" },
            // Alertmanager names the inhibiting alerts by fingerprint.
            `inhibited by ${inhibitedBy
              .map(
                (/** @type {string} */ fingerprint) =>
                  allManaged.find((candidate) => candidate.fingerprint === fingerprint)?.labels.alertname ??
                  fingerprint,
              )
              .join(", ")}`,
          )
        : "",
    ),
    el(
      "td",
      { class: "when" },
      alert.activeAt ? `since ${ago(alert.activeAt)}` : "",
      managed
        ? el(
            "div",
            { class: "muted" },
            `to ${managed.receivers.map((/** @type {{ name: string }} */ receiver) => receiver.name).join(", ")}`,
          )
        : "",
    ),
    el(
      "td",
      {},
      silencedBy.length === 0 && alert.state === "firing"
        ? el("button", { type: "button", class: "small", onclick: () => silence(matchers) }, "Silence…")
        : "",
    ),
  );
}
