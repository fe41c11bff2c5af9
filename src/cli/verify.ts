// `plue-monitoring verify`: asks the live Prometheus and Alertmanagers whether every alert the config
// deploys can fire there. The plan and the verdict are pure (src/verify); this file fetches, prints
// and picks the exit code: 0 all can fire and the path works, 1 something blind or broken, 2 bad
// input or a URL that does not answer.
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.ts";
import type { StackConfig } from "../config/schema.ts";
import { cluster, type Deployment } from "../deployment.ts";
import { localBaseValues } from "../local/stack.ts";
import { defaultTopology } from "../local/topology.ts";
import { clusterTiming } from "../rules/timing.ts";
import {
  byJobQuery,
  type LiveAlertmanager,
  type LiveAnswers,
  type LiveGroup,
  type LiveTarget,
  labelKey,
  withLabelQuery,
} from "../verify/answers.ts";
import { assess } from "../verify/assess.ts";
import { type VerifyPlan, verifyPlan } from "../verify/plan.ts";
import { jsonReport, textReport } from "../verify/report.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

const local = (port: number) => `http://${defaultTopology.host}:${port}`;

export const verifyUsage = `Usage: plue-monitoring verify [--prometheus URL] [--alertmanager URL]... [--config FILE] [--set KEY=VALUE]... [--json]

Checks on the live stack that every alert the config deploys can fire: the series each reads, with
the labels it needs, from healthy targets; every rule group loaded without errors; the Watchdog
firing and reaching every Alertmanager, with the configured receivers.
  --prometheus URL    Prometheus' HTTP API (default: ${local(defaultTopology.prometheus)}, the local stack)
  --alertmanager URL  an Alertmanager's HTTP API; repeatable (default: the local stack's, ${defaultTopology.alertmanagers.map(local).join(" and ")})
  --config FILE       plue-monitoring.config.{ts,json,yaml}; default: the one in the working directory
  --set KEY=VALUE     override one key (camelCase or the seed's snake_case name); repeatable
  --json              print the report as JSON
Exit codes: 0 every alert can fire and the alert path works; 1 an alert is blind or something is
broken; 2 bad input or a URL that does not answer.`;

/** A base URL a person gave: http(s) only; credentials in it go in a header and are never printed. */
interface Api {
  base: string;
  display: string;
  authorization?: string;
}

function parseApiUrl(flag: string, value: string): Api {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: not a URL; give http(s)://host:port of the API`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${flag} ${url.protocol}//…: accepted are http:// and https:// URLs`);
  }
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`
      : undefined;
  const hasCredentials = authorization !== undefined;
  url.username = "";
  url.password = "";
  const base = url.toString().replace(/\/+$/, "");
  const display = hasCredentials ? base.replace("://", "://***@") : base;
  return { base, display, ...(authorization ? { authorization } : {}) };
}

/** Socket errors as a person would say them. */
const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "no such host",
  EHOSTUNREACH: "host unreachable",
  ECONNRESET: "connection reset",
};

/** GET a path of an API; a URL that does not answer, or answers an error, is exit 2 naming it. */
async function get(api: Api, path: string, what: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${api.base}${path}`, {
      headers: api.authorization ? { Authorization: api.authorization } : {},
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      error instanceof Error && error.name === "TimeoutError"
        ? "no answer within 15 s"
        : (CONNECT_ERRORS[cause?.code ?? ""] ?? cause?.message ?? String(error));
    throw new UsageError(`cannot reach ${what} at ${api.display}: ${reason}`);
  }
  const body = await response.text();
  if (!response.ok) {
    throw new UsageError(`${what} at ${api.display} answered ${path} with HTTP ${response.status}`);
  }
  return body;
}

async function getJson<T>(api: Api, path: string, what: string): Promise<T> {
  const body = await get(api, path, what);
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new UsageError(
      `${what} at ${api.display} answered ${path} with something other than JSON: is it ${what}?`,
    );
  }
}

type PromResult<T> = { data: T };
type Vector = { metric: Record<string, string>; value: [number, string] }[];

async function query(api: Api, expr: string): Promise<Vector> {
  const body = await getJson<PromResult<{ result: Vector }>>(
    api,
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
    "Prometheus",
  );
  return body.data.result;
}

/** Runs `work` on every item, a few at a time: enough to be quick, few enough to spare Prometheus. */
async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>, width = 16): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    results.push(...(await Promise.all(items.slice(start, start + width).map(work))));
  }
  return results;
}

/** Where the running Prometheus finds its targets: Kubernetes discovery in a cluster, static locally. */
function deploymentOf(prometheusYaml: string, config: StackConfig): Deployment {
  if (prometheusYaml.includes("kubernetes_sd_configs")) return cluster;
  return { kind: "local", topology: defaultTopology, timing: clusterTiming(config), rulesDir: "" };
}

async function fetchSeries(prometheus: Api, plan: VerifyPlan) {
  const needs = [...plan.alerts.flatMap((alert) => alert.needs), ...[...plan.recordings.values()].flat()];
  const queries = [...new Set(needs.map((need) => need.query))];
  const seriesByJob = new Map<string, Record<string, number>>();
  await inBatches(queries, async (presence) => {
    const counts: Record<string, number> = {};
    for (const sample of await query(prometheus, byJobQuery(presence))) {
      counts[sample.metric.job ?? ""] = Number(sample.value[1]);
    }
    seriesByJob.set(presence, counts);
  });
  const labelChecks = [
    ...new Set(
      needs
        .filter((need) => Object.keys(seriesByJob.get(need.query) ?? {}).length > 0)
        .flatMap((need) => need.labels.map((label) => labelKey(need.query, label))),
    ),
  ];
  const seriesWithLabel = new Map<string, number>();
  await inBatches(labelChecks, async (key) => {
    const [presence, label] = [key.slice(0, key.lastIndexOf(" ")), key.slice(key.lastIndexOf(" ") + 1)];
    const result = await query(prometheus, withLabelQuery(presence, label));
    seriesWithLabel.set(key, Number(result[0]?.value[1] ?? 0));
  });
  return { seriesByJob, seriesWithLabel };
}

async function fetchAlertmanager(api: Api): Promise<LiveAlertmanager> {
  const what = "Alertmanager";
  const [alerts, receivers, metrics] = await Promise.all([
    getJson<{ labels: Record<string, string> }[]>(
      api,
      `/api/v2/alerts?filter=${encodeURIComponent('alertname="Watchdog"')}`,
      what,
    ),
    getJson<{ name: string }[]>(api, "/api/v2/receivers", what),
    get(api, "/metrics", what),
  ]);
  const counter = (name: string) => {
    const counts = new Map<string, number>();
    for (const match of metrics.matchAll(new RegExp(`^${name}\\{integration="([^"]+)"\\} (\\S+)$`, "gm"))) {
      counts.set(match[1] as string, Number(match[2]));
    }
    return counts;
  };
  const sent = counter("alertmanager_notifications_total");
  const failed = counter("alertmanager_notifications_failed_total");
  return {
    url: api.display,
    watchdog: alerts.length > 0,
    receivers: receivers.map((receiver) => receiver.name),
    integrations: [...sent].map(([integration, count]) => ({
      integration,
      sent: count,
      failed: failed.get(integration) ?? 0,
    })),
  };
}

export async function verifyCommand(args: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      prometheus: { type: "string" },
      alertmanager: { type: "string", multiple: true },
      config: { type: "string" },
      set: { type: "string", multiple: true },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    context.stdout(verifyUsage);
    return 0;
  }
  const prometheus = parseApiUrl("--prometheus", values.prometheus ?? local(defaultTopology.prometheus));
  const alertmanagers = (values.alertmanager ?? defaultTopology.alertmanagers.map(local)).map((url) =>
    parseApiUrl("--alertmanager", url),
  );
  const config = await loadConfig({
    cwd: context.cwd,
    configFile: values.config,
    env: context.env,
    sets: values.set ?? [],
    // Keys only a cluster needs: verify reads none of them, and the local stack runs without them.
    base: localBaseValues(),
  });

  const what = "Prometheus";
  const [status, targets, rules, alerts] = await Promise.all([
    getJson<PromResult<{ yaml: string }>>(prometheus, "/api/v1/status/config", what),
    getJson<
      PromResult<{
        activeTargets: {
          labels: Record<string, string>;
          health: LiveTarget["health"];
          lastError: string;
          scrapeUrl: string;
        }[];
      }>
    >(prometheus, "/api/v1/targets?state=active", what),
    getJson<PromResult<{ groups: LiveGroup[] }>>(prometheus, "/api/v1/rules", what),
    getJson<PromResult<{ alerts: { labels: Record<string, string>; state: string }[] }>>(
      prometheus,
      "/api/v1/alerts",
      what,
    ),
  ]);
  const plan = verifyPlan(config, deploymentOf(status.data.yaml, config));
  const [series, liveAlertmanagers] = await Promise.all([
    fetchSeries(prometheus, plan),
    Promise.all(alertmanagers.map(fetchAlertmanager)),
  ]);
  const answers: LiveAnswers = {
    prometheusUrl: prometheus.display,
    targets: targets.data.activeTargets.map((target) => ({
      job: target.labels.job ?? "",
      health: target.health,
      lastError: target.lastError,
      scrapeUrl: target.scrapeUrl,
    })),
    groups: rules.data.groups.map((group) => ({
      name: group.name,
      file: group.file,
      rules: group.rules.map((rule) => ({
        name: rule.name,
        health: rule.health,
        ...(rule.lastError ? { lastError: rule.lastError } : {}),
      })),
    })),
    alerts: alerts.data.alerts.map((alert) => ({
      alertname: alert.labels.alertname ?? "",
      state: alert.state,
    })),
    ...series,
    alertmanagers: liveAlertmanagers,
  };
  const assessment = assess(plan, answers);
  context.stdout(values.json ? jsonReport(assessment) : textReport(assessment));
  return assessment.ok ? 0 : 1;
}
