// Silences: the active and pending ones with their matchers, a form to create one and a button to
// expire each, all through Alertmanager's v2 API (any replica; they share silences).
import { api, badge, el, failure, replace, until } from "./dom.js";

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^,"]*?))\s*$/;

/**
 * Parses `name="value", name=~"regex", name!=value` into Alertmanager's matchers; every problem is
 * named at once.
 * @param {string} text
 * @returns {{ matchers: { name: string, value: string, isRegex: boolean, isEqual: boolean }[], problems: string[] }}
 */
export function parseMatchers(text) {
  const matchers = [];
  const problems = [];
  for (const part of splitMatchers(text)) {
    const match = MATCHER.exec(part);
    if (!match) {
      problems.push(
        `${JSON.stringify(part.trim())} is not name=value, name!=value, name=~regex or name!~regex`,
      );
      continue;
    }
    const [, name, operator, quoted, bare] = match;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : (bare ?? "");
    matchers.push({ name, value, isRegex: operator.includes("~"), isEqual: !operator.startsWith("!") });
  }
  if (matchers.length === 0 && problems.length === 0)
    problems.push('give at least one matcher, e.g. alertname="ServiceDown"');
  if (matchers.length > 0 && matchers.every((matcher) => !matcher.isEqual || matcher.value === ""))
    problems.push("at least one matcher must match something (name=value with a value)");
  return { matchers, problems };
}

/** Splits on commas outside quotes. @param {string} text */
function splitMatchers(text) {
  const parts = [];
  let current = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "\\" && quoted) {
      current += char + (text[index + 1] ?? "");
      index++;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === "," && !quoted) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  if (current.trim() !== "") parts.push(current);
  return parts.filter((part) => part.trim() !== "");
}

/** "90s", "30m", "2h", "1d" → milliseconds; undefined when it is none of those. @param {string} text */
export function durationMs(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/.exec(text);
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    /** @type {"s"|"m"|"h"|"d"} */ (match[2])
  ];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : undefined;
}

/** @param {{ name: string, value: string, isRegex: boolean, isEqual?: boolean }} matcher */
const formatMatcher = (matcher) =>
  `${matcher.name}${matcher.isEqual === false ? "!" : ""}${matcher.isRegex ? "~" : "="}${JSON.stringify(matcher.value)}`;

/**
 * @param {HTMLElement} section
 * @param {() => void} changed Called after a silence was created or expired.
 */
export function createSilences(section, changed) {
  const body = /** @type {HTMLElement} */ (section.querySelector(".body"));
  const form = /** @type {HTMLFormElement} */ (section.querySelector("form.silence-form"));
  const formError = /** @type {HTMLElement} */ (form.querySelector(".form-error"));
  const field = (/** @type {string} */ name) =>
    /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  let showExpired = false;
  /** @type {any} */
  let last;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { matchers, problems } = parseMatchers(field("matchers").value);
    const duration = durationMs(field("duration").value);
    if (duration === undefined)
      problems.push(`duration ${JSON.stringify(field("duration").value)} is not a number with s, m, h or d`);
    if (field("comment").value.trim() === "") problems.push("say why in the comment");
    if (field("createdBy").value.trim() === "") problems.push("say who creates it");
    if (problems.length > 0) {
      formError.textContent = problems.join("; ");
      return;
    }
    formError.textContent = "";
    const now = Date.now();
    try {
      await api("/api/alertmanager/api/v2/silences", {
        method: "POST",
        body: {
          matchers,
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + (duration ?? 0)).toISOString(),
          createdBy: field("createdBy").value.trim(),
          comment: field("comment").value.trim(),
        },
      });
      field("matchers").value = "";
      field("comment").value = "";
      changed();
    } catch (error) {
      formError.textContent = String(error instanceof Error ? error.message : error);
    }
  });

  /** @param {string} id */
  const expire = async (id) => {
    try {
      await api(`/api/alertmanager/api/v2/silence/${encodeURIComponent(id)}`, { method: "DELETE" });
    } catch (error) {
      formError.textContent = String(error instanceof Error ? error.message : error);
    }
    changed();
  };

  const draw = () => {
    if (!last) return;
    if (!last.ok) {
      replace(body, failure("Silences (Alertmanager)", last.error));
      return;
    }
    /** @type {any[]} */
    const all = last.value;
    const expired = all.filter((silence) => silence.status.state === "expired");
    const shown = all
      .filter((silence) => showExpired || silence.status.state !== "expired")
      .sort((a, b) => b.startsAt.localeCompare(a.startsAt));
    replace(
      body,
      shown.length === 0 ? el("p", { class: "muted" }, "No active silences.") : "",
      el(
        "ul",
        { class: "silences" },
        ...shown.map((silence) =>
          el(
            "li",
            { "data-silence": silence.id, "data-state": silence.status.state },
            badge(silence.status.state, silence.status.state === "active" ? "silenced" : "off"),
            " ",
            el("code", {}, silence.matchers.map(formatMatcher).join(", ")),
            el(
              "div",
              { class: "muted" },
              `${silence.comment} — ${silence.createdBy}, ${silence.status.state === "expired" ? "expired" : `ends ${until(silence.endsAt)}`}`,
            ),
            silence.status.state === "expired"
              ? ""
              : el(
                  "button",
                  {
                    type: "button",
                    class: "small",
                    "data-action": "expire",
                    onclick: () => expire(silence.id),
                  },
                  "Expire",
                ),
          ),
        ),
      ),
      expired.length > 0
        ? el(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => {
                showExpired = !showExpired;
                draw();
              },
            },
            showExpired ? "hide expired" : `show ${expired.length} expired`,
          )
        : "",
    );
  };

  return {
    /** @param {any} state */
    update(state) {
      last = state.silences;
      draw();
    },
    /** Fills the form's matchers and brings it into view. @param {string} matchers */
    prefill(matchers) {
      field("matchers").value = matchers;
      field("comment").focus();
      section.scrollIntoView({ behavior: "smooth" });
    },
  };
}
