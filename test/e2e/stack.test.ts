// The whole local stack end to end, as `plue-monitoring up` runs it on the real binaries at time
// scale 60 (a minute lasts a second): healthy it raises nothing but the Watchdog; every fault (Plue's
// 23, then the monitoring stack's own 7, whose notifier failures arrive through the other notifier)
// raises its alert, which the Alertmanagers deliver to the right receivers with the right
// labels within its `for` plus scrape, evaluation and group_wait (and the windows the expression
// reads), and clearing it delivers the resolution; every dashboard panel answers; the services meet
// the metric contract; an Alertmanager killed mid-incident loses no notification and doubles none;
// and stopping leaves no process and no directory behind. With --remote-write, a receiver outage
// of a real minute (an hour at this scale) raises PrometheusRemoteWriteBehind and loses no sample.
//
// Faults that act on different things run at the same time, in lanes: each lane's faults share a
// target (the api, the certificate, a pod, a node) and run one after the other.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import { main } from "../../src/cli/main.ts";
import { durationMs, formatDuration } from "../../src/config/formats.ts";
import { panelQueries } from "../../src/dashboards/index.ts";
import type { LocalDeployment } from "../../src/deployment.ts";
import { parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { FAULT_NAMES, type FaultName, findFault } from "../../src/local/faults.ts";
import type { Notification } from "../../src/local/inbox.ts";
import { peerTimeout } from "../../src/local/parts/alertmanagers.ts";
import { LOCAL_RECEIVER_NAME, withLocalReceiver } from "../../src/local/parts/receiver.ts";
import { localTiming } from "../../src/local/stack.ts";
import { DEFAULT_RECEIVER_PORT, defaultTopology } from "../../src/local/topology.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { type AlertRule, isAlertRule } from "../../src/rules/types.ts";
import { testConfig } from "../helpers/config.ts";
import { alive } from "../local/processes.ts";
import {
  alertmanagerAlerts,
  applyFault,
  clearFault,
  getJson,
  instantQuery,
  notifications,
  prometheusAlerts,
  type RunningStack,
  settled,
  stackStatus,
  startStack,
} from "./local-stack.ts";

const SCALE = 60;
const config = testConfig();
const timing = localTiming(config, SCALE);
// The stack runs with --remote-write: its rules include those of the receiver's queue.
const alertRules = ruleFiles(
  withLocalReceiver(config, { ...defaultTopology, receiver: DEFAULT_RECEIVER_PORT }),
  timing,
)
  .flatMap((file) => file.groups.flatMap((group) => group.rules))
  .filter(isAlertRule);

/**
 * The rule of `alert` that applies to a target: TargetDown has one rule per job that feeds alerts
 * (`job="…"`) and one for every other job.
 */
function ruleOf(alert: string, labels: Record<string, string> = {}): AlertRule {
  const candidates = alertRules.filter((rule) => rule.alert === alert);
  const own = candidates.find((rule) => labels.job && rule.expr.includes(`job="${labels.job}"`));
  const rule = own ?? candidates.find((rule) => !/job="/.test(rule.expr)) ?? candidates[0];
  if (!rule) throw new Error(`no rule ${alert}`);
  return rule;
}
// Only the timings of the local alertmanager.yml matter here, not its ports.
const route = alertmanagerConfig(config, {
  kind: "local",
  topology: defaultTopology,
  timing,
  rulesDir: "/",
} satisfies LocalDeployment).route;

const ms = (duration: string | undefined) => (duration ? durationMs(duration) : 0);
const scaled = (duration: string) => ms(timing.duration(duration));
const SCRAPE_MS = ms(timing.duration(config.scrapeInterval));
const EVALUATION_MS = ms(timing.duration(config.evaluationInterval));
const GROUP_WAIT_MS = ms(route.group_wait);
const GROUP_INTERVAL_MS = ms(route.group_interval);
/** Real seconds for what the bounds do not count: a loaded machine, HTTP round trips, polling. */
const MARGIN_MS = 5_000;

/**
 * What a fault's alert takes beyond `for`, in simulated time: the window its expression must fill
 * before it crosses the threshold (leadIn) and must drain before it falls back (leadOut); realMs for
 * what does not scale (a 3s slower response is recorded when it ends, 3 real seconds later).
 */
const DELAYS: Partial<Record<FaultName, { leadIn?: string; leadOut?: string; realMs?: number }>> = {
  "api-errors": { leadIn: "5m", leadOut: "5m" },
  "api-errors-critical": { leadIn: "5m", leadOut: "5m" },
  "api-slow": { leadIn: "5m", leadOut: "5m", realMs: 3_000 },
  "cpu-high": { leadIn: "5m", leadOut: "5m" },
  "cpu-critical": { leadIn: "5m", leadOut: "5m" },
  "pod-crashloop": { leadOut: "5m" },
  // Six restarts, five minutes apart, before "more than 5 in the last hour"; an hour to forget them.
  "pod-restarts": { leadIn: "25m", leadOut: "1h" },
  // The updated replica count must not have moved for 10 minutes.
  "deployment-stuck": { leadIn: "10m" },
  // Most probes of the last 5 minutes must have failed, then succeeded again.
  "endpoint-down": { leadIn: "5m", leadOut: "5m" },
  // The stack's own faults. A reload of Prometheus drops its Alertmanagers until discovery finds
  // them again (up to 5 real seconds): alerts in between are resent after. Failed evaluations stay
  // in a 5-minute window; a failed reload must fill one (max_over_time == 0).
  "rule-failure": { leadOut: "5m", realMs: 5_000 },
  "prometheus-bad-config": { leadIn: "5m", realMs: 5_000 },
  "alertmanager-bad-config": { leadIn: "5m" },
  // Most scrapes of 5 minutes must have failed (TargetDown), then succeeded again.
  "ksm-down": { leadIn: "5m", leadOut: "5m" },
  "alertmanager-down": { leadIn: "5m", leadOut: "5m" },
  // The delivered sample must fall 2 minutes behind the newest; once the receiver is back, it
  // restarts (a WAL replay) and the queue's next retry (at most 1s later) sends the backlog.
  "receiver-down": { leadIn: "2m", realMs: 5_000 },
  // A notification must first fail: CriticalMemoryUsage fires alongside (no window, its 5m `for`,
  // group_wait), Alertmanager's sends fail and retry, and the failed share shows once two scrapes of
  // its counters differ (measured 13 to 24 s in all); after, the failed share of 15 minutes drains.
  "slack-down": { leadIn: "20m", leadOut: "15m" },
  "pagerduty-down": { leadIn: "20m", leadOut: "15m" },
};

/** The target labels of faults whose alert has a rule per target (TargetDown has one per job). */
const FAULT_TARGETS: Partial<Record<FaultName, Record<string, string>>> = {
  "ksm-down": { job: "kube-state-metrics" },
  "alertmanager-down": { job: "alertmanager" },
};

/** The faults of the monitoring stack itself, exercised after Plue's. */
const STACK_FAULTS: readonly FaultName[] = [
  "rule-failure",
  "prometheus-bad-config",
  "ksm-down",
  "alertmanager-bad-config",
  "alertmanager-down",
  "slack-down",
  "pagerduty-down",
];

/**
 * A delivery failure is routed to another notifier than the one that failed (src/alertmanager/routes.ts):
 * Slack's to PagerDuty, PagerDuty's to Slack.
 */
const FAILOVER: Partial<Record<FaultName, string[]>> = {
  "slack-down": ["pagerduty"],
  "pagerduty-down": ["slack"],
};

/**
 * Notifier faults need a notification to fail: a critical alert (to both notifiers) alongside, one
 * that reads a gauge, so it fires again as soon as its `for` allows.
 */
const ALONGSIDE: Partial<Record<FaultName, FaultName>> = {
  "slack-down": "memory-critical",
  "pagerduty-down": "memory-critical",
};

function firingBoundMs(fault: FaultName): number {
  const delays = DELAYS[fault] ?? {};
  const rule = ruleOf(findFault(fault).alert, FAULT_TARGETS[fault]);
  return (
    scaled(delays.leadIn ?? "0s") +
    ms(rule.for) +
    (delays.realMs ?? 0) +
    SCRAPE_MS +
    EVALUATION_MS +
    GROUP_WAIT_MS +
    MARGIN_MS
  );
}

/** A resolution goes out with the group's next flush, up to a group_interval after it is seen. */
function resolvedBoundMs(fault: FaultName): number {
  const delays = DELAYS[fault] ?? {};
  return (
    scaled(delays.leadOut ?? "0s") +
    (delays.realMs ?? 0) +
    SCRAPE_MS +
    EVALUATION_MS +
    GROUP_INTERVAL_MS +
    MARGIN_MS
  );
}

const receiversOf = (severity: string | undefined) =>
  severity === "critical" ? ["pagerduty", "slack"] : severity === "warning" ? ["slack"] : ["default"];

/**
 * Whether a notification is about this alert on this target: PagerDuty and webhook notifications
 * carry the alerts' labels; a Slack message carries the alertname as its title and, in its text, the
 * summary and description naming the target (every label value but `job`, which no summary names).
 */
function about(notification: Notification, alert: string, labels: Record<string, string>): boolean {
  if (!notification.alertnames.includes(alert)) return false;
  if (notification.kind === "slack") {
    return Object.entries(labels)
      .filter(([name]) => name !== "job")
      .every(([, value]) => notification.text?.includes(value));
  }
  return notification.alerts.some((received) =>
    Object.entries({ alertname: alert, ...labels }).every(([name, value]) => received.labels[name] === value),
  );
}

async function poll<T>(
  what: string,
  get: () => Promise<T | undefined>,
  timeoutMs: number,
  explain: () => Promise<string>,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${formatDuration(timeoutMs)}\n${await explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let stack: RunningStack;
let startupMs = 0;
const measured: {
  fault: FaultName;
  alert: string;
  firingMs: number;
  boundMs: number;
  resolvedMs: number;
  resolvedBoundMs: number;
}[] = [];

beforeAll(async () => {
  const began = Date.now();
  stack = await startStack({ timeScale: SCALE, extraArgs: ["--remote-write"] });
  startupMs = Date.now() - began;
});

afterAll(async () => {
  await stack?.stop();
  if (remoteWriteCounts) {
    const { source, receiver, rangeS } = remoteWriteCounts;
    console.log(
      `receiver outage of ${OUTAGE_MS / 1000}s, samples over ${rangeS}s: source ${source}, receiver ${receiver} (${((100 * receiver) / source).toFixed(2)}%)`,
    );
  }
  if (measured.length > 0) {
    console.log(
      [
        `startup ${(startupMs / 1000).toFixed(1)}s; fault → alert: delivered (bound) / resolved (bound), seconds`,
        ...measured.map(
          (m) =>
            `  ${m.fault.padEnd(21)} ${m.alert.padEnd(30)} ${(m.firingMs / 1000).toFixed(1).padStart(5)} (${(m.boundMs / 1000).toFixed(1)}) / ${(m.resolvedMs / 1000).toFixed(1).padStart(5)} (${(m.resolvedBoundMs / 1000).toFixed(1)})`,
        ),
      ].join("\n"),
    );
  }
});

async function explainAlert(alert: string, since: number): Promise<string> {
  const [inProm, inAm, inbox] = await Promise.all([
    prometheusAlerts(stack).catch((error) => String(error)),
    alertmanagerAlerts(stack).catch((error) => String(error)),
    notifications(stack).catch(() => [] as Notification[]),
  ]);
  const pick = (list: unknown) =>
    Array.isArray(list) ? list.filter((entry) => entry.labels?.alertname === alert) : list;
  return [
    `Prometheus: ${JSON.stringify(pick(inProm))}`,
    `Alertmanager: ${JSON.stringify(pick(inAm))}`,
    `Inbox since: ${JSON.stringify(
      inbox
        .filter((n) => n.id > since && n.receiver !== "heartbeat")
        .map((n) => ({
          receiver: n.receiver,
          status: n.status,
          alertnames: n.alertnames,
          text: n.text,
          labels: n.alerts.map((a) => a.labels),
        })),
    )}`,
  ].join("\n");
}

/** Applies a fault and waits for its alert at every receiver its severity routes to; then clears it. */
async function exercise(fault: FaultName): Promise<void> {
  try {
    await exerciseOnce(fault);
  } catch (error) {
    // Leave the stack healthy for the tests after this one, whatever went wrong.
    const active = (await stackStatus(stack)).activeFaults;
    for (const name of active) await clearFault(stack, name).catch(() => {});
    throw error;
  }
}

async function exerciseOnce(fault: FaultName): Promise<void> {
  const { alert } = findFault(fault);
  const rule = ruleOf(alert, FAULT_TARGETS[fault]);
  const receivers = FAILOVER[fault] ?? receiversOf(rule.labels.severity);
  const before = Math.max(0, ...(await notifications(stack)).map((n) => n.id));
  const applied = Date.now();
  const outcome = await applyFault(stack, fault);
  const alongside = ALONGSIDE[fault];
  if (alongside) await applyFault(stack, alongside);
  const labels = outcome.labels;
  const boundMs = firingBoundMs(fault);

  const arrivedFor = async (status: "firing" | "resolved", after: number) => {
    const inbox = (await notifications(stack)).filter((n) => n.id > after && n.status === status);
    const found = receivers.map((receiver) =>
      inbox.find((n) => n.receiver === receiver && about(n, alert, labels)),
    );
    return found.every((n) => n !== undefined) ? (found as Notification[]) : undefined;
  };
  const firing = await poll(
    `${fault}: ${alert}${JSON.stringify(labels)} firing at ${receivers.join(" and ")}`,
    () => arrivedFor("firing", before),
    boundMs,
    () => explainAlert(alert, before),
  );
  const firingMs = Math.max(...firing.map((n) => Date.parse(n.receivedAt))) - applied;

  // The Alertmanagers hold it, with the labels the fault promised and the rule's severity.
  const active = (await alertmanagerAlerts(stack)).filter(
    (candidate) =>
      candidate.labels.alertname === alert &&
      Object.entries(labels).every(([name, value]) => candidate.labels[name] === value),
  );
  expect(active.map((candidate) => candidate.labels.severity)).toContain(rule.labels.severity);

  const lastFiring = Math.max(...firing.map((n) => n.id));
  const cleared = Date.now();
  await clearFault(stack, fault);
  if (alongside) await clearFault(stack, alongside);
  const resolvedBound = resolvedBoundMs(fault);
  const resolved = await poll(
    `${fault}: ${alert}${JSON.stringify(labels)} resolved at ${receivers.join(" and ")}`,
    () => arrivedFor("resolved", lastFiring),
    resolvedBound,
    () => explainAlert(alert, lastFiring),
  );
  const resolvedMs = Math.max(...resolved.map((n) => Date.parse(n.receivedAt))) - cleared;

  // Routing: nothing about it reached a receiver its severity does not route to.
  const elsewhere = (await notifications(stack)).filter(
    (n) => n.id > before && n.alertnames.includes(alert) && !receivers.includes(n.receiver),
  );
  expect(elsewhere.map((n) => `${n.receiver} ${n.status}`)).toEqual([]);
  measured.push({ fault, alert, firingMs, boundMs, resolvedMs, resolvedBoundMs: resolvedBound });
}

/** A real minute: an hour at time scale 60. */
const OUTAGE_MS = 60_000;
/** What the receiver outage measured, printed after the run. */
let remoteWriteCounts: { source: number; receiver: number; rangeS: number } | undefined;

/**
 * receiver-down for OUTAGE_MS: PrometheusRemoteWriteBehind reaches its receivers during the outage and
 * resolves after it; then, once the queue has delivered past a chosen instant, the receiver holds as
 * many samples of the outage (and a margin on either side) as the source.
 */
async function receiverOutage(): Promise<void> {
  const fault = "receiver-down";
  const alert = findFault(fault).alert;
  const rule = ruleOf(alert);
  const receivers = receiversOf(rule.labels.severity);
  const before = Math.max(0, ...(await notifications(stack)).map((n) => n.id));
  const applied = Date.now();
  const { labels } = await applyFault(stack, fault);
  expect(labels).toEqual({ remote_name: LOCAL_RECEIVER_NAME });
  try {
    const arrivedFor = async (status: "firing" | "resolved", after: number) => {
      const inbox = (await notifications(stack)).filter((n) => n.id > after && n.status === status);
      const found = receivers.map((receiver) =>
        inbox.find((n) => n.receiver === receiver && about(n, alert, labels)),
      );
      return found.every((n) => n !== undefined) ? (found as Notification[]) : undefined;
    };
    const boundMs = firingBoundMs(fault);
    expect(boundMs).toBeLessThan(OUTAGE_MS);
    const firing = await poll(
      `${fault}: ${alert} firing at ${receivers.join(" and ")}`,
      () => arrivedFor("firing", before),
      boundMs,
      () => explainAlert(alert, before),
    );
    const firingMs = Math.max(...firing.map((n) => Date.parse(n.receivedAt))) - applied;
    const inProm = (await prometheusAlerts(stack)).filter((a) => a.labels.alertname === alert);
    expect(inProm.map((a) => `${a.labels.remote_name} ${a.state}`)).toEqual([
      `${LOCAL_RECEIVER_NAME} firing`,
    ]);

    await new Promise((resolve) => setTimeout(resolve, applied + OUTAGE_MS - Date.now()));
    const cleared = Date.now();
    await clearFault(stack, fault);
    const resolvedBound = resolvedBoundMs(fault);
    const resolved = await poll(
      `${fault}: ${alert} resolved at ${receivers.join(" and ")}`,
      () => arrivedFor("resolved", Math.max(...firing.map((n) => n.id))),
      resolvedBound,
      () => explainAlert(alert, before),
    );
    const resolvedMs = Math.max(...resolved.map((n) => Date.parse(n.receivedAt))) - cleared;
    measured.push({ fault, alert, firingMs, boundMs, resolvedMs, resolvedBoundMs: resolvedBound });

    // Compare at an instant after the outage that the queue has delivered past.
    const at = Math.ceil(cleared / 1000) + 5;
    const sent = `max(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{remote_name="${LOCAL_RECEIVER_NAME}"})`;
    await poll(
      `remote write delivered past ${at}`,
      async () => {
        const [result] = await instantQuery(stack, sent);
        return Date.now() / 1000 > at + 1 && Number(result?.value[1]) >= at + 1 ? true : undefined;
      },
      60_000,
      async () => JSON.stringify(await instantQuery(stack, sent)),
    );
    // The outage and 15s on either side: every sample of `up` (each target of every job) and of a
    // few families of many series each. One sum per metric name: count_over_time drops the name, and
    // Prometheus 2.42 refuses a range over several names whose series then share a label set.
    const rangeS = at - Math.floor(applied / 1000) + 15;
    const counted = [
      "up",
      "scrape_samples_scraped",
      "kube_pod_info",
      "kube_pod_status_phase",
      "prometheus_tsdb_head_series",
      "http_server_request_duration_seconds_bucket",
    ];
    const samples = async (on: "prometheus" | "receiver") => {
      const [result] = await instantQuery(
        stack,
        counted.map((name) => `(sum(count_over_time(${name}[${rangeS}s])) or vector(0))`).join(" + "),
        { at, on },
      );
      return Number(result?.value[1] ?? 0);
    };
    const [source, received] = await Promise.all([samples("prometheus"), samples("receiver")]);
    remoteWriteCounts = { source, receiver: received, rangeS };
    expect(source).toBeGreaterThan(0);
    expect(received / source).toBeGreaterThanOrEqual(0.98);
  } finally {
    if ((await stackStatus(stack)).activeFaults.includes(fault))
      await clearFault(stack, fault).catch(() => {});
  }
}

describe(`the local stack at time scale ${SCALE}, on the real binaries`, () => {
  it("prints progress, every URL and a healthy summary", () => {
    const out = stack.output.stdout;
    expect(out).toMatch(/^Starting the local stack at time scale 60/);
    expect(out).toMatch(/prometheus: scraping every target; \d+ rule groups loaded/);
    expect(out).toMatch(/alertmanagers: a settled cluster of 2/);
    expect(out).toMatch(/prometheus: the Watchdog reached 2 Alertmanagers/);
    for (const url of [
      `${stack.url("prometheus")}/classic/graph`,
      `${stack.url("prometheus")}/classic/alerts`,
      `http://127.0.0.1:${stack.alertmanagerPorts[0]}/api/v2/alerts`,
      `http://127.0.0.1:${stack.alertmanagerPorts[1]}/api/v2/alerts`,
      `${stack.url("inbox")}/`,
      `${stack.url("api")}/api/repos`,
      `${stack.url("web")}/`,
      `${stack.url("electric")}/v1/shape?table=repositories`,
      `${stack.url("control")}/faults`,
      `${stack.url("receiver")}/classic/graph`,
    ]) {
      expect(out).toContain(url);
    }
    // Every target up (the count is prometheus.yml's), and only the Watchdog firing.
    expect(out).toMatch(/^healthy: all 16 components ready; (\d+)\/\1 targets up; firing: Watchdog$/m);
    expect(stack.output.stderr).toBe("");
  });

  it("raises nothing but the Watchdog while healthy, over 20 evaluation cycles", async () => {
    const cycles = 20;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const [inProm, inAm] = await Promise.all([
        prometheusAlerts(stack),
        alertmanagerAlerts(stack, cycle % 2),
      ]);
      // Not even pending: a rule about to fire on a healthy stack is as wrong as one firing.
      expect(inProm.map((a) => `${a.labels.alertname} ${a.state}`)).toEqual(["Watchdog firing"]);
      expect(inAm.map((a) => a.labels.alertname)).toEqual(["Watchdog"]);
      await new Promise((resolve) => setTimeout(resolve, EVALUATION_MS));
    }
    const inbox = await notifications(stack);
    expect(new Set(inbox.map((n) => n.receiver))).toEqual(new Set(["heartbeat"]));
    // The Watchdog reached the heartbeat receiver, from one Alertmanager at a time.
    expect(inbox.length).toBeGreaterThan(0);
  });

  it("answers every dashboard panel query with data", async () => {
    // Rates need a window of samples after the rules are loaded: ask again until then.
    let empty: string[] = [];
    const deadline = Date.now() + scaled("5m") + 10 * EVALUATION_MS + MARGIN_MS;
    for (;;) {
      empty = [];
      for (const query of panelQueries(config)) {
        const result = await instantQuery(stack, query.expr);
        if (result.length === 0) empty.push(`${query.dashboardTitle} / ${query.source}: ${query.expr}`);
      }
      if (empty.length === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, EVALUATION_MS));
    }
    expect(empty).toEqual([]);
  });

  it("serves metrics from the three services that meet the contract (check-metrics)", async () => {
    const lines: string[] = [];
    const context = {
      cwd: process.cwd(),
      env: {},
      stdout: (line: string) => lines.push(line),
      stderr: (line: string) => lines.push(line),
    };
    const check = (args: string[]) => main(["check-metrics", ...args], context);
    expect(
      await check([`${stack.url("api")}/metrics`, `${stack.url("web")}/metrics`]),
      lines.join("\n"),
    ).toBe(0);
    expect(await check(["--skip", "db_client_*", `${stack.url("electric")}/metrics`]), lines.join("\n")).toBe(
      0,
    );
    // electric has no database: without the skip its missing pool metrics are findings.
    expect(await check([`${stack.url("electric")}/metrics`])).toBe(1);
  });

  it("raises every fault's alert at the right receivers with the right labels in time, and resolves it", async () => {
    let apiSlowDone: () => void = () => {};
    const apiSlowFinished = new Promise<void>((resolve) => {
      apiSlowDone = resolve;
    });
    const lane = async (faults: FaultName[], before?: Promise<void>) => {
      await before;
      for (const fault of faults) await exercise(fault);
    };
    const lanes = [
      // The api: one kind of trouble at a time. PostgreSQL stopping makes the api's queries fail
      // (503), so db-down waits until the api's error and latency faults are done, then runs
      // beside api-down.
      (async () => {
        await lane(["api-errors", "api-errors-critical", "api-slow"]);
        apiSlowDone();
        await exercise("api-down");
      })(),
      lane(["db-saturated"]).then(() => lane(["db-down"], apiSlowFinished)),
      lane(["cert-expiring", "cert-critical", "endpoint-down"]),
      lane(["cpu-high", "cpu-critical"]),
      lane(["memory-high", "memory-critical"]),
      lane(["pv-filling", "pv-critical"]),
      lane(["pod-crashloop"]),
      lane(["pod-pending"]),
      // NodeNotReady on the last node silences the alerts of pods on it, the restarting one too.
      lane(["pod-restarts", "node-not-ready"]),
      lane(["node-memory-pressure", "node-disk-pressure"]),
      lane(["deployment-stuck"]),
      lane(["rollout-unobserved"]),
      // The remote-write receiver: nothing else touches it.
      receiverOutage(),
    ];
    const results = await Promise.allSettled(lanes);
    const failures = results.flatMap((result) =>
      result.status === "rejected" ? [String(result.reason)] : [],
    );
    expect(failures).toEqual([]);
    expect(measured.map((m) => m.fault).sort()).toEqual(
      FAULT_NAMES.filter((name) => !STACK_FAULTS.includes(name)).sort(),
    );
    expect((await stackStatus(stack)).activeFaults).toEqual([]);
  }, 360_000);

  it("raises the stack's own alerts for its own faults, a notifier's failure through the other notifier", async () => {
    // One at a time: a reload of Prometheus delays every alert for a few seconds, TargetDown fires
    // for two of them, and a notifier down fails everything sent to it.
    await exercise("rule-failure");
    await exercise("prometheus-bad-config");
    await exercise("ksm-down");
    await exercise("alertmanager-bad-config");
    await exercise("alertmanager-down");
    await settled(stack);
    await exercise("slack-down");
    await exercise("pagerduty-down");
    expect(measured.map((m) => m.fault).sort()).toEqual([...FAULT_NAMES].sort());
    expect((await stackStatus(stack)).activeFaults).toEqual([]);
  }, 360_000);

  it("delivers every notification exactly once when an Alertmanager dies mid-incident", async () => {
    const before = Math.max(0, ...(await notifications(stack)).map((n) => n.id));
    const countOf = async (alert: string, receiver: string, status: string) =>
      (await notifications(stack)).filter(
        (n) =>
          n.id > before && n.receiver === receiver && n.status === status && n.alertnames.includes(alert),
      ).length;
    const waitCount = (alert: string, status: string, timeoutMs: number) =>
      poll(
        `${alert} ${status} at pagerduty and slack`,
        async () =>
          (await countOf(alert, "pagerduty", status)) > 0 && (await countOf(alert, "slack", status)) > 0
            ? true
            : undefined,
        timeoutMs,
        () => explainAlert(alert, before),
      );

    // Alertmanager orders the replicas by name; the first one sends, the others stand by.
    const statuses = await Promise.all(
      stack.alertmanagerPorts.map((port) =>
        getJson<{ cluster: { name: string; peers: { name: string }[] } }>(
          `http://127.0.0.1:${port}/api/v2/status`,
        ),
      ),
    );
    const first = [...(statuses[0]?.cluster.peers ?? [])].map((peer) => peer.name).sort()[0];
    const sender = statuses.findIndex((status) => status.cluster.name === first);
    const survivor = 1 - sender;
    // Each replica counts the notifications it sends, and each notification-log entry it learns from
    // a peer (prometheus/alertmanager notify/notify.go and nflog/nflog.go Merge, v0.25.0). Every
    // notification sent, the heartbeat's included, is one entry.
    const countsOf = async (index: number) => {
      const port = stack.alertmanagerPorts[index] as number;
      const families = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      const sum = (family: string, integrations?: readonly string[]) =>
        (families.get(family)?.samples ?? [])
          .filter((sample) => !integrations || integrations.includes(sample.labels.integration ?? ""))
          .reduce((total, sample) => total + sample.value, 0);
      return {
        learned: sum("alertmanager_nflog_gossip_messages_propagated_total"),
        sent: sum("alertmanager_notifications_total"),
        paged: sum("alertmanager_notifications_total", ["pagerduty", "slack"]),
      };
    };
    const senderBefore = await countsOf(sender);
    const survivorBefore = await countsOf(survivor);

    // An incident: a volume nearly full, notified by the sender.
    await applyFault(stack, "pv-critical");
    await waitCount("PersistentVolumeSpaceCritical", "firing", firingBoundMs("pv-critical"));
    // The sender logs each notification and gossips the entry; it dies only once the survivor has
    // learned all it sent, or the survivor would resend. Gossip takes a few 50 ms rounds, but on a
    // 2-core machine busy with the stack it has taken over 3 s.
    const gossip = async () => {
      const sent = (await countsOf(sender)).sent - senderBefore.sent;
      const learned = (await countsOf(survivor)).learned - survivorBefore.learned;
      return { sent, learned };
    };
    await poll(
      "the survivor learning every notification the sender sent",
      async () => {
        const { sent, learned } = await gossip();
        return learned >= sent ? true : undefined;
      },
      30_000,
      async () => JSON.stringify(await gossip()),
    );
    // Had gossip been slower than the peer timeout, the survivor would have sent copies of its own
    // (Alertmanager delivers at least once): say so rather than fail later on a count.
    expect((await countsOf(survivor)).paged - survivorBefore.paged, "pages the survivor sent itself").toBe(0);
    const pid = (await stackStatus(stack)).components.find((c) => c.name === `alertmanager-${sender}`)?.pid;
    expect(pid).toBeDefined();
    process.kill(pid as number, "SIGKILL");

    // During the incident, a second alert: only the survivor is left to send it.
    const peerTimeoutMs = ms(peerTimeout(SCALE));
    await applyFault(stack, "cpu-critical");
    await waitCount("CriticalCPUUsage", "firing", firingBoundMs("cpu-critical") + peerTimeoutMs);
    expect((await alertmanagerAlerts(stack, survivor)).map((a) => a.labels.alertname)).toContain(
      "CriticalCPUUsage",
    );
    await clearFault(stack, "pv-critical");
    await clearFault(stack, "cpu-critical");
    await waitCount(
      "PersistentVolumeSpaceCritical",
      "resolved",
      resolvedBoundMs("pv-critical") + peerTimeoutMs,
    );
    await waitCount("CriticalCPUUsage", "resolved", resolvedBoundMs("cpu-critical") + peerTimeoutMs);
    // Time for a duplicate to show up, had the survivor not known what its dead peer sent.
    await new Promise((resolve) => setTimeout(resolve, GROUP_INTERVAL_MS + peerTimeoutMs + 2_000));

    for (const alert of ["PersistentVolumeSpaceCritical", "CriticalCPUUsage"]) {
      for (const receiver of ["pagerduty", "slack"]) {
        for (const status of ["firing", "resolved"]) {
          expect(`${alert} ${receiver} ${status}: ${await countOf(alert, receiver, status)}`).toBe(
            `${alert} ${receiver} ${status}: 1`,
          );
        }
      }
    }
    // The supervisor reports the dead replica, and does not restart it.
    expect(stack.output.stderr).toContain(`alertmanager-${sender} was killed by SIGKILL`);
    const component = (await stackStatus(stack)).components.find((c) => c.name === `alertmanager-${sender}`);
    expect(component?.state).toBe("crashed");
  });

  // SIGTERM is up.test.ts's; here Ctrl-C.
  it("stops on SIGINT leaving no process and no temporary directory", async () => {
    const status = await stackStatus(stack);
    const root = join(status.logs, "..");
    const pids = status.components.flatMap((component) => (component.pid ? [component.pid] : []));
    expect(pids.length).toBeGreaterThanOrEqual(7);
    expect(existsSync(root)).toBe(true);
    stack.child.kill("SIGINT");
    expect(await stack.exited).toBe(130);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(root)).toBe(false);
    // Nothing anywhere still runs from the stack's directory (initdb, a forked helper …).
    const leftovers = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(root);
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
  });
});
