// Health: every component the stack runs with its state, every scrape target grouped by job (the
// error of each one down, verbatim), the Alertmanagers' cluster and any rule group in error.
import { badge, el, failure, replace } from "./dom.js";

/** @param {HTMLElement} section */
export function createHealth(section) {
  const body = /** @type {HTMLElement} */ (section.querySelector(".body"));
  return {
    /** @param {any} state */
    update(state) {
      replace(
        body,
        components(state.status),
        targets(state.targets),
        alertmanagers(state.cluster),
        rules(state.rules),
      );
    },
  };
}

/** @param {import("./console.js").Read} status */
function components(status) {
  if (!status.ok) return failure("Components (control API)", status.error);
  /** @type {{ name: string, state: string, pid?: number }[]} */
  const list = status.value.components ?? [];
  const unwell = list.filter((component) => component.state !== "ready");
  return el(
    "div",
    { class: "health-block" },
    el(
      "h3",
      {},
      "Components ",
      badge(
        unwell.length === 0 ? `all ${list.length} ready` : `${unwell.length} of ${list.length} not ready`,
        unwell.length === 0 ? "ok" : "firing",
      ),
    ),
    el(
      "ul",
      { class: "chips" },
      ...list.map((component) =>
        el(
          "li",
          {
            class: `chip state-${component.state}`,
            "data-component": component.name,
            "data-state": component.state,
            title: component.pid ? `pid ${component.pid}` : "in process",
          },
          `${component.name} `,
          el("span", { class: "muted" }, component.state),
        ),
      ),
    ),
  );
}

/** @param {import("./console.js").Read} read */
function targets(read) {
  if (!read.ok) return failure("Targets (Prometheus)", read.error);
  /** @type {Map<string, any[]>} */
  const byJob = new Map();
  for (const target of read.value) {
    const job = target.labels?.job ?? target.scrapePool;
    byJob.set(job, [...(byJob.get(job) ?? []), target]);
  }
  const rows = [...byJob.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([job, list]) => {
      const down = list.filter((target) => target.health !== "up");
      return el(
        "tr",
        { "data-job": job, "data-up": list.length - down.length, "data-total": list.length },
        el("td", {}, job),
        el(
          "td",
          {},
          badge(`${list.length - down.length}/${list.length} up`, down.length === 0 ? "ok" : "firing"),
        ),
        el(
          "td",
          {},
          ...down.map((target) =>
            el(
              "div",
              { class: "target-error" },
              `${target.labels?.instance ?? target.scrapeUrl}: ${target.lastError || target.health}`,
            ),
          ),
        ),
      );
    });
  return el(
    "div",
    { class: "health-block" },
    el("h3", {}, "Scrape targets"),
    el("table", { class: "targets" }, el("tbody", {}, ...rows)),
  );
}

/** @param {import("./console.js").Read} read */
function alertmanagers(read) {
  if (!read.ok) return failure("Alertmanagers", read.error);
  const cluster = read.value.cluster ?? {};
  const peers = cluster.peers ?? [];
  return el(
    "p",
    { class: "health-block" },
    "Alertmanager cluster ",
    badge(cluster.status ?? "unknown", cluster.status === "ready" ? "ok" : "firing"),
    ` ${peers.length} peer${peers.length === 1 ? "" : "s"}, version ${read.value.versionInfo?.version ?? "?"}`,
  );
}

/** @param {import("./console.js").Read} read */
function rules(read) {
  if (!read.ok) return failure("Rules (Prometheus)", read.error);
  /** @type {{ name: string, rules: { name: string, health: string, lastError?: string }[] }[]} */
  const groups = read.value;
  const count = groups.reduce((sum, group) => sum + group.rules.length, 0);
  const broken = groups.flatMap((group) =>
    group.rules
      .filter((rule) => rule.health !== "ok" && rule.health !== "unknown")
      .map((rule) => ({ group: group.name, rule })),
  );
  return el(
    "div",
    { class: "health-block" },
    el(
      "p",
      {},
      `Rules: ${count} in ${groups.length} groups `,
      badge(
        broken.length === 0 ? "none in error" : `${broken.length} in error`,
        broken.length === 0 ? "ok" : "firing",
      ),
    ),
    ...broken.map(({ group, rule }) =>
      el("div", { class: "target-error" }, `${group} / ${rule.name}: ${rule.lastError}`),
    ),
  );
}
