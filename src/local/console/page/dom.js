// Small helpers the console's sections share: building elements, the API with its change header,
// and times as a person reads them.

/**
 * Builds an element: `el("a", { href: "/x", class: "link" }, "text", child)`. Attributes that are
 * undefined, or false (but for data-* ones), are left out; `on<event>` attributes become listeners.
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...(Node | string | number | undefined | null | false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    // data-* attributes say "true" or "false"; others are present or absent (disabled, open).
    if (name.startsWith("data-")) element.setAttribute(name, String(value));
    else if (value === false) continue;
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

/** The header a change must carry (the server refuses POST and DELETE without it). */
const CHANGE_HEADER = { "x-plue-console": "1" };

/**
 * A JSON API call through the console's server; throws with the server's message on failure.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>} the answer's JSON, as the API behind it defines it
 */
export async function api(path, options = {}) {
  const method = options.method ?? "GET";
  const response = await fetch(path, {
    method,
    headers: {
      ...(method === "GET" ? {} : CHANGE_HEADER),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  /** @type {unknown} */
  let body;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message =
      typeof body === "object" && body !== null && "error" in body ? String(body.error) : String(body);
    throw new Error(`${response.status}: ${message.trim()}`);
  }
  return body;
}

/**
 * "12 s ago", "3 min ago", "2 h ago".
 * @param {string | number | Date} time
 * @param {number} [now]
 */
export function ago(time, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - new Date(time).getTime()) / 1000));
  return `${span(seconds)} ago`;
}

/**
 * "in 59 min", or "ended" for a time past.
 * @param {string | number | Date} time
 * @param {number} [now]
 */
export function until(time, now = Date.now()) {
  const seconds = Math.round((new Date(time).getTime() - now) / 1000);
  return seconds <= 0 ? "ended" : `in ${span(seconds)}`;
}

/** @param {number} seconds */
function span(seconds) {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/**
 * Label chips, alertname left out (it heads the row already).
 * @param {Record<string, string>} labels
 * @param {readonly string[]} [omit]
 */
export function labelChips(labels, omit = ["alertname"]) {
  return el(
    "span",
    { class: "labels" },
    ...Object.entries(labels)
      .filter(([name]) => !omit.includes(name))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => el("span", { class: "label" }, `${name}=${value}`)),
  );
}

/**
 * A coloured word: firing, resolved, pending, silenced, inhibited, critical, warning …
 * @param {string} text
 * @param {string} [kind]
 */
export function badge(text, kind = text) {
  return el("span", { class: `badge badge-${kind}` }, text);
}

/**
 * Replaces a container's content.
 * @param {Element} container
 * @param {...(Node | string)} children
 */
export function replace(container, ...children) {
  container.replaceChildren(...children);
}

/**
 * An error line in place of a section's content.
 * @param {string} what
 * @param {unknown} error
 */
export function failure(what, error) {
  return el("p", { class: "error" }, `${what}: ${error instanceof Error ? error.message : String(error)}`);
}
