// Faults: each with its alert, what it breaks, whether it is active, and a button to apply or clear
// it through the control API — what `plue-monitoring fault` does.
import { api, badge, el, failure, replace } from "./dom.js";

/**
 * @param {HTMLElement} section
 * @param {() => void} changed Called after a fault was applied or cleared.
 */
export function createFaults(section, changed) {
  const body = /** @type {HTMLElement} */ (section.querySelector(".body"));
  /** Outcome lines by fault, kept across redraws. @type {Map<string, { text: string, error: boolean }>} */
  const outcomes = new Map();
  /** @type {Set<string>} */
  const busy = new Set();
  /** @type {any} */
  let last;

  /** @param {string} name @param {boolean} apply */
  const act = async (name, apply) => {
    busy.add(name);
    outcomes.set(name, { text: apply ? "applying…" : "clearing…", error: false });
    draw();
    try {
      const outcome = await api(`/api/control/faults/${encodeURIComponent(name)}`, {
        method: apply ? "POST" : "DELETE",
      });
      outcomes.set(name, { text: outcome.message, error: false });
    } catch (error) {
      outcomes.set(name, { text: String(error instanceof Error ? error.message : error), error: true });
    } finally {
      busy.delete(name);
      changed();
    }
  };

  const draw = () => {
    if (!last) return;
    if (!last.ok) {
      replace(body, failure("Faults (control API)", last.error));
      return;
    }
    /** @type {any[]} */
    const list = last.value;
    replace(
      body,
      el(
        "table",
        { class: "faults" },
        el(
          "tbody",
          {},
          ...list.map((fault) => {
            const outcome = outcomes.get(fault.name);
            return el(
              "tr",
              { "data-fault": fault.name, "data-active": fault.active, class: fault.active ? "active" : "" },
              el("td", {}, el("code", {}, fault.name)),
              el(
                "td",
                {},
                el("div", {}, fault.description),
                outcome ? el("div", { class: outcome.error ? "error" : "muted" }, outcome.text) : "",
              ),
              el("td", {}, el("span", { class: "alert-name" }, fault.alert)),
              el(
                "td",
                { class: "fault-state" },
                fault.available
                  ? badge(fault.active ? "active" : "off", fault.active ? "firing" : "off")
                  : badge("unavailable", "off"),
              ),
              el(
                "td",
                {},
                el(
                  "button",
                  {
                    type: "button",
                    class: "small",
                    "data-action": fault.active ? "clear" : "apply",
                    disabled: !fault.available || busy.has(fault.name),
                    title: fault.available
                      ? undefined
                      : `needs the ${fault.area} part of the stack, which is not running`,
                    onclick: () => act(fault.name, !fault.active),
                  },
                  fault.active ? "Clear" : "Apply",
                ),
              ),
            );
          }),
        ),
      ),
    );
  };

  return {
    /** @param {any} state */
    update(state) {
      last = state.faults;
      draw();
    },
  };
}
