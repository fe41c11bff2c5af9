// The console page: every two seconds it reads the stack's state through the console's server and
// hands each section what it shows. Sections keep their own forms and folded details between
// updates; only their lists are redrawn.

import { createAlerts } from "./alerts.js";
import { api, failure } from "./dom.js";
import { createFaults } from "./faults.js";
import { createHealth } from "./health.js";
import { createNotifications } from "./notifications.js";
import { createSilences } from "./silences.js";

const POLL_MS = 2_000;

/** @param {string} id */
const section = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * The state the sections draw from, each part either its value or the error reading it, so that a
 * component that is down (on purpose, under a fault) blanks only what depends on it.
 * @typedef {{ ok: true, value: any } | { ok: false, error: Error }} Read
 */

/** @param {Promise<unknown>} promise @returns {Promise<Read>} */
const settle = (promise) =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error }),
  );

async function readState() {
  const [status, faults, targets, rules, prometheusAlerts, alertmanagerAlerts, silences, cluster] =
    await Promise.all([
      settle(api("/api/control/status")),
      settle(api("/api/control/faults")),
      settle(api("/api/prometheus/api/v1/targets?state=active").then((body) => body.data.activeTargets)),
      settle(api("/api/prometheus/api/v1/rules").then((body) => body.data.groups)),
      settle(api("/api/prometheus/api/v1/alerts").then((body) => body.data.alerts)),
      settle(api("/api/alertmanager/api/v2/alerts")),
      settle(api("/api/alertmanager/api/v2/silences")),
      settle(api("/api/alertmanager/api/v2/status")),
    ]);
  return { status, faults, targets, rules, prometheusAlerts, alertmanagerAlerts, silences, cluster };
}

async function main() {
  const info = await api("/api/console");
  const stackInfo = section("stack-info");
  stackInfo.textContent =
    info.timeScale === 1
      ? "Real time."
      : `Time scale ${info.timeScale}: a simulated minute lasts ${(60 / info.timeScale).toFixed(1)} s.`;

  let refreshSoon = () => {};
  const health = createHealth(section("health"));
  const silences = createSilences(section("silences"), () => refreshSoon());
  const alerts = createAlerts(section("alerts"), (matchers) => silences.prefill(matchers));
  const faults = createFaults(section("faults"), () => refreshSoon());
  const notifications = createNotifications(section("notifications"));
  // Loaded apart: should the preview fail, the rest of the console still works.
  const dashboards = /** @type {HTMLElement} */ (section("dashboards").querySelector(".body"));
  import("./dashboards.js")
    .then((module) => module.mountDashboards(dashboards))
    .catch((error) => dashboards.replaceChildren(failure("Dashboards preview", error)));

  let timer = 0;
  let running = false;
  const refresh = async () => {
    if (running) return;
    running = true;
    window.clearTimeout(timer);
    try {
      const state = await readState();
      health.update(state);
      faults.update(state);
      alerts.update(state);
      silences.update(state);
      await notifications.update();
      document.body.dataset.updated = new Date().toISOString();
    } finally {
      running = false;
      timer = window.setTimeout(refresh, POLL_MS);
    }
  };
  refreshSoon = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 100);
  };
  await refresh();
}

main().catch((error) => {
  document.body.prepend(
    Object.assign(document.createElement("p"), { className: "error", textContent: String(error) }),
  );
});
