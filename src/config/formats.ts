// Value formats the config accepts, each as a zod schema whose message says what is accepted.
import { z } from "zod";

/** A Prometheus duration: units y, w, d, h, m, s, ms, largest first, e.g. 30d, 12h, 2w3d, 1h30m. */
export const PROMETHEUS_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** Milliseconds in a Prometheus duration; throws on anything else. */
export function durationMs(duration: string): number {
  if (duration === "" || !PROMETHEUS_DURATION.test(duration)) {
    throw new Error(`not a Prometheus duration: ${JSON.stringify(duration)}`);
  }
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) {
    total += Number(amount) * (UNIT_MS[unit as string] ?? 0);
  }
  return total;
}

/** The shortest Prometheus duration string for a number of milliseconds (whole milliseconds). */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return "0s";
  let out = "";
  for (const unit of ["y", "w", "d", "h", "m", "s", "ms"]) {
    const size = UNIT_MS[unit] as number;
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out;
}

const DURATION_SHAPE =
  "a Prometheus duration: whole numbers with units y, w, d, h, m, s or ms, largest first (30d, 12h, 1y, 2w3d)";

/** A Prometheus duration within [min, max]: each key says what range makes sense for it. */
export const duration = (min: string, max: string, why = "") =>
  z.string().superRefine((value, context) => {
    const ms = value !== "" && PROMETHEUS_DURATION.test(value) ? durationMs(value) : Number.NaN;
    if (Number.isNaN(ms)) {
      context.addIssue({ code: "custom", message: DURATION_SHAPE });
    } else if (ms < durationMs(min) || ms > durationMs(max)) {
      context.addIssue({ code: "custom", message: `a duration from ${min} to ${max}${why}` });
    }
  });

/** A Kubernetes resource quantity (apimachinery's grammar): a number, then a suffix or an exponent. */
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const QUANTITY_FACTOR: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Bytes in a Kubernetes quantity (500Mi, 1.5Gi, 1e9); NaN for anything else. */
export function quantityBytes(quantity: string): number {
  const match = QUANTITY.exec(quantity);
  if (!match) return Number.NaN;
  const [, amount, suffix = ""] = match;
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (QUANTITY_FACTOR[suffix] ?? 1);
  return Number(amount) * factor;
}

/** A volume size: a Kubernetes quantity of at least `min`, at most 1Pi. */
/** What is wrong with a size quantity, if anything: not a Kubernetes quantity, or out of range. */
function sizeProblem(value: string, min: string, why: string): string | undefined {
  const bytes = quantityBytes(value);
  if (Number.isNaN(bytes)) {
    return "a Kubernetes quantity: a number with an optional suffix Ki, Mi, Gi, Ti, Pi, k, M, G, T, P (50Gi, 500Mi)";
  }
  if (bytes < quantityBytes(min) || bytes > quantityBytes("1Pi")) return `a size from ${min} to 1Pi${why}`;
  return undefined;
}

export const storageSize = (min: string, why: string) =>
  z.string().superRefine((value, context) => {
    const problem = sizeProblem(value, min, why);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/** A Kubernetes quantity from `min` to 1Pi, or "" meaning "work it out". */
export const optionalSize = (min: string, why: string) =>
  z.string().superRefine((value, context) => {
    const problem = value === "" ? undefined : sizeProblem(value, min, why);
    if (problem)
      context.addIssue({ code: "custom", message: `${problem}; or "" to size it from clusterSize` });
  });

export const percent = () =>
  z
    .number({ message: "a number (a percent greater than 0 and at most 100)" })
    .refine((value) => Number.isFinite(value) && value > 0 && value <= 100, {
      message: "a percent greater than 0 and at most 100",
    });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = () =>
  z.string().refine((value) => value.length <= 63 && DNS_LABEL.test(value), {
    message:
      "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
  });

/** A DNS-1123 subdomain (StorageClass, ClusterIssuer names), or "" when `optional`. */
export const dnsSubdomain = (what: string) =>
  z
    .string()
    .refine(
      (value) =>
        value === "" || (value.length <= 253 && value.split(".").every((label) => DNS_LABEL.test(label))),
      {
        message: `a ${what} name: lowercase DNS labels (letters, digits, '-') joined by single dots, at most 253 characters; or ""`,
      },
    );

/** A domain that still names hosts under it: grafana.<domain> must stay within DNS's 253 characters. */
export const dnsName = () =>
  z
    .string()
    .refine(
      (value) =>
        value.length <= 245 &&
        value.split(".").length >= 2 &&
        value.split(".").every((label) => DNS_LABEL.test(label) && label.length <= 63),
      {
        message:
          "a DNS name of two or more lowercase labels, at most 245 characters so that grafana.<domain> is one too (plue.dev)",
      },
    );

/** C0 and C1 control characters and DEL: invisible in a terminal, refused or mangled by consumers. */
export function hasControlCharacter(text: string): boolean {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/** Longest URL accepted: far beyond any real endpoint, far below Kubernetes' object size limit. */
export const MAX_URL_LENGTH = 2048;

/**
 * What is wrong with the raw text of an https URL, or undefined. The raw text is what gets written
 * into configs and annotations, so it is checked as written: `new URL()` alone would silently drop
 * a trailing newline or accept `https:host` that Go's parser (Prometheus, Alertmanager) refuses.
 */
export function httpsUrlProblem(text: string): string | undefined {
  if (text.length > MAX_URL_LENGTH) return `at most ${MAX_URL_LENGTH} characters`;
  if (text.includes(" ") || hasControlCharacter(text)) return "no spaces or control characters";
  if (!/^https:\/\//.test(text)) return "starting with https://";
  // RFC 3986's characters; the rest (", <, >, \\, ^, `, {, |, }) must be percent-encoded.
  const bad = text.match(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/);
  if (bad) return `no ${JSON.stringify(bad[0])}: percent-encode it`;
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return "a % only in a %XX escape";
  const authority = text.slice("https://".length).split(/[/?#]/, 1)[0] as string;
  if (authority.includes("@")) return "no user:password@ in it: credentials never go in a URL here";
  try {
    if (new URL(text).hostname === "") return "with a host";
  } catch {
    return "with a host, and a port from 1 to 65535 if any";
  }
  if (authority === "" || authority.startsWith(":")) return "with a host";
  if (/:0*$/.test(authority)) return "with a port from 1 to 65535";
  return undefined;
}

export const httpsUrl = () =>
  z.string().superRefine((value, context) => {
    const problem = httpsUrlProblem(value);
    if (problem) context.addIssue({ code: "custom", message: `an https:// URL: ${problem}` });
  });

/** An https URL, or "" meaning "not configured". */
export const optionalHttpsUrl = () =>
  z.string().superRefine((value, context) => {
    const problem = value === "" ? undefined : httpsUrlProblem(value);
    if (problem) {
      context.addIssue({ code: "custom", message: `an https:// URL: ${problem}; or "" to leave it off` });
    }
  });

/**
 * A base URL that others extend with a path: https://host[:port][/path], no query or fragment, and
 * a path of plain characters only. It is copied into ingress-nginx annotations (oauth2-proxy) and
 * into Go templates and Grafana links (runbooks), where `{`, `$`, quotes or `;` would mean something.
 */
export const baseUrl = (allowEmpty: boolean) =>
  z.string().superRefine((value, context) => {
    if (allowEmpty && value === "") return;
    const or = allowEmpty ? '; or ""' : "";
    const problem = httpsUrlProblem(value);
    if (problem) {
      context.addIssue({ code: "custom", message: `an https:// URL: ${problem}${or}` });
    } else if (!/^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9\-._~%/]*)?$/.test(value)) {
      context.addIssue({
        code: "custom",
        message: `an https://host[:port]/path URL with no query or fragment, its path of letters, digits, -._~%/ only${or}`,
      });
    }
  });

/**
 * A query endpoint Grafana reads instead of the in-cluster pair: http (an in-cluster Service such as
 * http://thanos-query.monitoring.svc:9090) or https, a host, a port and a path; no credentials, query
 * or fragment, which a datasource URL must not carry. "" reads the pair.
 */
export const optionalQueryUrl = () =>
  z.string().refine((value) => value === "" || queryUrlShape(value), {
    message:
      'an http:// or https://host[:port]/path URL with no user:password@, query or fragment, a port up to 65535, its path of letters, digits, -._~%/ only; or "" for the in-cluster Prometheus',
  });

function queryUrlShape(value: string): boolean {
  const match = /^https?:\/\/[A-Za-z0-9.-]+(?::(\d{1,5}))?(\/[A-Za-z0-9\-._~%/]*)?$/.exec(value);
  return value.length <= 2048 && match !== null && Number(match[1] ?? 1) <= 65535;
}

/** PagerDuty Events API v2 integration (routing) keys are 32 characters. */
export const pagerdutyKey = () =>
  z.string().refine((value) => value === "" || /^[A-Za-z0-9]{32}$/.test(value), {
    message: 'a 32-character PagerDuty Events API v2 integration key, or "" to leave PagerDuty off',
  });

export const postgresDsn = () =>
  z
    .string()
    .refine(
      (value) =>
        value === "" ||
        (value.length <= MAX_URL_LENGTH &&
          /^postgres(ql)?:\/\/[\u0021-\u007e]+$/.test(value) &&
          URL.canParse(value) &&
          new URL(value).hostname !== ""),
      {
        message:
          'a PostgreSQL connection URL with a host and no spaces or control characters (postgresql://user:password@host:5432/db?sslmode=require), or "" to deploy no postgres-exporter',
      },
    );

/** A password: printable, no line breaks (a pasted newline would become part of it), at most 256. */
export const password = () =>
  z.string().refine((value) => value.trim() !== "" && value.length <= 256 && !hasControlCharacter(value), {
    message: "a non-empty password of at most 256 characters, without control characters or line breaks",
  });

// distribution/reference's grammar: an optional registry (host[:port]), then path components of
// lowercase alphanumerics joined by ".", "_", "__" or dashes, then a tag or a sha256 digest.
const IMAGE_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REFERENCE = new RegExp(
  `^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d{1,5})?/)?` +
    `${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*(?::[\\w][\\w.-]{0,127}|@sha256:[a-f0-9]{64})$`,
);

/** An OCI image reference pinned to a tag or digest; never "latest". */
export const pinnedImage = () =>
  z
    .string()
    .refine((value) => value.length <= 255 && IMAGE_REFERENCE.test(value) && !/:latest$/.test(value), {
      message:
        "an image reference pinned to a version tag or sha256 digest (quay.io/prometheus/prometheus:v3.13.2), not :latest",
    });

/** A Prometheus label value for external_labels. */
export const labelValue = () =>
  z.string().refine((value) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(value), {
    message: "a name of 1 to 63 letters, digits, '_', '.' and '-', starting with a letter or digit",
  });

export const integerBetween = (min: number, max: number) =>
  z
    .number({ message: `a whole number from ${min} to ${max}` })
    .refine((value) => Number.isInteger(value) && value >= min && value <= max, {
      message: `a whole number from ${min} to ${max}`,
    });
