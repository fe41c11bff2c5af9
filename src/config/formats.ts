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

export const duration = () =>
  z.string().refine((value) => value !== "" && PROMETHEUS_DURATION.test(value) && durationMs(value) > 0, {
    message:
      "a positive Prometheus duration: a whole number with units y, w, d, h, m, s or ms, largest first (30d, 12h, 1y, 2w3d)",
  });

/** A Kubernetes resource quantity (apimachinery's grammar), strictly positive. */
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

export const quantity = () =>
  z.string().refine((value) => QUANTITY.test(value) && Number.parseFloat(value) > 0, {
    message:
      "a positive Kubernetes quantity: a number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E (50Gi, 500Mi)",
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

export const dnsName = () =>
  z
    .string()
    .refine(
      (value) =>
        value.length <= 253 &&
        value.split(".").length >= 2 &&
        value.split(".").every((label) => DNS_LABEL.test(label) && label.length <= 63),
      { message: "a DNS name of two or more labels, lowercase (plue.dev, monitoring.example.com)" },
    );

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

export const httpsUrl = () => z.string().refine(isHttpsUrl, { message: "an https:// URL" });

/** An https URL, or "" meaning "not configured". */
export const optionalHttpsUrl = () =>
  z.string().refine((value) => value === "" || isHttpsUrl(value), {
    message: 'an https:// URL, or "" to leave it off',
  });

/** PagerDuty Events API v2 integration (routing) keys are 32 characters. */
export const pagerdutyKey = () =>
  z.string().refine((value) => value === "" || /^[A-Za-z0-9]{32}$/.test(value), {
    message: 'a 32-character PagerDuty Events API v2 integration key, or "" to leave PagerDuty off',
  });

export const postgresDsn = () =>
  z.string().refine((value) => value === "" || /^postgres(ql)?:\/\/[^\s]+$/.test(value), {
    message:
      'a PostgreSQL connection URL (postgresql://user:password@host:5432/db?sslmode=require), or "" to deploy no postgres-exporter',
  });

/** An OCI image reference pinned to a tag or digest; never "latest". */
export const pinnedImage = () =>
  z
    .string()
    .refine(
      (value) =>
        /^[a-z0-9.\-_/:]+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(value) && !/:latest$/.test(value),
      {
        message:
          "an image reference pinned to a version tag or sha256 digest (quay.io/prometheus/prometheus:v3.13.2), not :latest",
      },
    );

/** A Prometheus label value for external_labels. */
export const labelValue = () =>
  z.string().refine((value) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value), {
    message: "a non-empty name of letters, digits, '_', '.' and '-'",
  });

export const integerBetween = (min: number, max: number) =>
  z
    .number({ message: `a whole number from ${min} to ${max}` })
    .refine((value) => Number.isInteger(value) && value >= min && value <= max, {
      message: `a whole number from ${min} to ${max}`,
    });
