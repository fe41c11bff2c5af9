// Inhibitions and grouping on the real Alertmanager: alerts are posted to its API and its own view of
// each alert (inhibitedBy) and of its groups (labels, receiver) is read back. The local config is used so notifications only ever go to loopback.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import { toYaml } from "../../src/render.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { localDeployment } from "../prometheus/fixtures.ts";
import { ALERTMANAGER, eventually, type RunningBinary, startBinary } from "../prometheus/processes.ts";

const dir = tempDir("plue-alertmanager-inhibit-");
let alertmanager: RunningBinary | undefined;
let api = "";

type Labels = Record<string, string>;

/** One Alertmanager replica failing to deliver through an integration, as its meta-alert labels it. */
function replicaFailure(integration: string, pod: string, namespace: string): Labels {
  return {
    alertname: "AlertmanagerFailedToSendAlerts",
    severity: "warning",
    integration,
    job: "alertmanager",
    namespace,
    pod,
    service: "alertmanager",
    instance: `${pod}.alertmanager:9093`,
  };
}

function membersInconsistent(namespace: string): Labels {
  return {
    alertname: "AlertmanagerMembersInconsistent",
    severity: "warning",
    job: "alertmanager",
    namespace,
    pod: "alertmanager-1",
    service: "alertmanager",
    instance: "alertmanager-1.alertmanager:9093",
  };
}
const posted: Record<string, Labels> = {
  criticalCpuApi1: {
    alertname: "CriticalCPUUsage",
    severity: "critical",
    pair: "cpu",
    namespace: "plue",
    pod: "api-1",
  },
  warningCpuApi1: {
    alertname: "HighCPUUsage",
    severity: "warning",
    pair: "cpu",
    namespace: "plue",
    pod: "api-1",
  },
  warningCpuApi2: {
    alertname: "HighCPUUsage",
    severity: "warning",
    pair: "cpu",
    namespace: "plue",
    pod: "api-2",
  },
  warningMemoryApi1: {
    alertname: "HighMemoryUsage",
    severity: "warning",
    pair: "memory",
    namespace: "plue",
    pod: "api-1",
  },
  criticalVolume: {
    alertname: "PersistentVolumeSpaceCritical",
    severity: "critical",
    pair: "volume-space",
    namespace: "plue",
    persistentvolumeclaim: "data-postgres-0",
  },
  warningVolumeSame: {
    alertname: "PersistentVolumeSpaceLow",
    severity: "warning",
    pair: "volume-space",
    namespace: "plue",
    persistentvolumeclaim: "data-postgres-0",
  },
  warningVolumeOther: {
    alertname: "PersistentVolumeSpaceLow",
    severity: "warning",
    pair: "volume-space",
    namespace: "plue",
    persistentvolumeclaim: "uploads",
  },
  criticalCertificate: {
    alertname: "CertificateExpiryCritical",
    severity: "critical",
    pair: "certificate-expiry",
    instance: "https://plue.dev",
  },
  warningCertificateSame: {
    alertname: "CertificateExpiringSoon",
    severity: "warning",
    pair: "certificate-expiry",
    instance: "https://plue.dev",
  },
  warningCertificateOther: {
    alertname: "CertificateExpiringSoon",
    severity: "warning",
    pair: "certificate-expiry",
    instance: "https://grafana.plue.dev",
  },
  nodeNotReady: { alertname: "NodeNotReady", severity: "critical", node: "node-1" },
  podOnThatNode: {
    alertname: "PodNotReady",
    severity: "warning",
    namespace: "plue",
    pod: "web-1",
    node: "node-1",
  },
  podOnOtherNode: {
    alertname: "PodNotReady",
    severity: "warning",
    namespace: "plue",
    pod: "web-2",
    node: "node-2",
  },
  podWithoutNode: { alertname: "PodCrashLooping", severity: "warning", namespace: "plue", pod: "web-3" },
  nodeConditionSameNode: { alertname: "NodeMemoryPressure", severity: "warning", node: "node-1" },
  clusterFailedSlack: {
    alertname: "AlertmanagerClusterFailedToSendAlerts",
    severity: "critical",
    integration: "slack",
    job: "alertmanager",
    namespace: "monitoring",
    service: "alertmanager",
  },
  replica0FailedSlack: replicaFailure("slack", "alertmanager-0", "monitoring"),
  replica1FailedSlack: replicaFailure("slack", "alertmanager-1", "monitoring"),
  replica0FailedPagerduty: replicaFailure("pagerduty", "alertmanager-0", "monitoring"),
  otherClusterFailedSlack: replicaFailure("slack", "alertmanager-0", "monitoring-staging"),
  clusterDown: {
    alertname: "AlertmanagerClusterDown",
    severity: "critical",
    job: "alertmanager",
    namespace: "monitoring",
    service: "alertmanager",
  },
  membersInconsistent: membersInconsistent("monitoring"),
  otherClusterMembersInconsistent: membersInconsistent("monitoring-staging"),
  // One service's 5xx burst: the HighErrorRate warning and both ErrorBudgetBurn rules firing at once.
  errorRateWeb: {
    alertname: "HighErrorRate",
    severity: "warning",
    pair: "error-rate",
    namespace: "plue",
    service: "web",
  },
  budgetBurnWebCritical: {
    alertname: "ErrorBudgetBurn",
    severity: "critical",
    namespace: "plue",
    service: "web",
    slo: "availability",
  },
  budgetBurnWebWarning: {
    alertname: "ErrorBudgetBurn",
    severity: "warning",
    namespace: "plue",
    service: "web",
    slo: "availability",
  },
};

interface ApiAlert {
  labels: Labels;
  status: { state: string; inhibitedBy: string[] };
}

let seen: ApiAlert[] = [];
const inhibited = (key: string) => {
  const alert = seen.find(
    (candidate) =>
      candidate.labels.alertname === posted[key]?.alertname &&
      Object.entries(posted[key] ?? {}).every(([name, value]) => candidate.labels[name] === value) &&
      Object.keys(candidate.labels).length === Object.keys(posted[key] ?? {}).length,
  );
  if (!alert) throw new Error(`Alertmanager does not show ${key}`);
  return alert.status.inhibitedBy.length > 0;
};

beforeAll(async () => {
  const port = await freePort();
  const inbox = await freePort();
  const deployment = localDeployment(dir.path, { inbox, alertmanagers: [port] });
  const configFile = join(dir.path, "alertmanager.yml");
  writeFileSync(configFile, toYaml(alertmanagerConfig(testConfig(), deployment)));
  api = `http://127.0.0.1:${port}/api/v2`;
  alertmanager = await startBinary(
    "alertmanager",
    ALERTMANAGER,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir.path, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
    ],
    `http://127.0.0.1:${port}/-/ready`,
  );
  const startsAt = new Date().toISOString();
  const endsAt = new Date(Date.now() + 10 * 60_000).toISOString();
  const response = await fetch(`${api}/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(Object.values(posted).map((labels) => ({ labels, startsAt, endsAt }))),
  });
  expect(response.status).toBe(200);
  // The inhibitor learns about source alerts asynchronously: read until two reads half a second
  // apart agree on which alerts are inhibited.
  let previous = "";
  seen = await eventually(
    "the inhibitor to settle on the posted alerts",
    async () => {
      const alerts = (await (await fetch(`${api}/alerts`)).json()) as ApiAlert[];
      const state = JSON.stringify(
        alerts.map((alert) => [alert.labels, alert.status.inhibitedBy.length > 0]).sort(),
      );
      const settled = alerts.length === Object.keys(posted).length && state === previous;
      previous = state;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 500));
      return settled ? alerts : undefined;
    },
    10_000,
    () => alertmanager?.output() ?? "",
  );
}, 30_000);

afterAll(async () => {
  await alertmanager?.stop();
  dir.cleanup();
});

describe("inhibitions on the real Alertmanager", () => {
  it("a critical silences its warning twin for the same target only", () => {
    expect(inhibited("warningCpuApi1")).toBe(true);
    expect(inhibited("warningCpuApi2")).toBe(false);
    expect(inhibited("warningMemoryApi1")).toBe(false);
    expect(inhibited("warningVolumeSame")).toBe(true);
    expect(inhibited("warningVolumeOther")).toBe(false);
    expect(inhibited("warningCertificateSame")).toBe(true);
    expect(inhibited("warningCertificateOther")).toBe(false);
    expect(inhibited("criticalCpuApi1")).toBe(false);
  });

  // docs/slos.md: the warning usually came first, and a muted alert gets no resolution in Slack.
  it("ErrorBudgetBurn silences neither HighErrorRate nor its own warning", () => {
    expect(inhibited("errorRateWeb")).toBe(false);
    expect(inhibited("budgetBurnWebWarning")).toBe(false);
    expect(inhibited("budgetBurnWebCritical")).toBe(false);
  });

  it("NodeNotReady silences the pod alerts that carry its node, and nothing else", () => {
    expect(inhibited("podOnThatNode")).toBe(true);
    expect(inhibited("podOnOtherNode")).toBe(false);
    expect(inhibited("podWithoutNode")).toBe(false);
    expect(inhibited("nodeConditionSameNode")).toBe(false);
    expect(inhibited("nodeNotReady")).toBe(false);
  });

  // A delivery failure is never silenced, not even by its cluster-wide form: each replica's alert is
  // the news that it, too, cannot deliver (and what the notifier's on-call is told first).
  it("never silences a replica's delivery failure", () => {
    expect(inhibited("replica0FailedSlack")).toBe(false);
    expect(inhibited("replica1FailedSlack")).toBe(false);
    expect(inhibited("replica0FailedPagerduty")).toBe(false);
    expect(inhibited("otherClusterFailedSlack")).toBe(false);
    expect(inhibited("clusterFailedSlack")).toBe(false);
  });

  it("AlertmanagerClusterDown silences AlertmanagerMembersInconsistent of its own cluster only", () => {
    expect(inhibited("membersInconsistent")).toBe(true);
    expect(inhibited("otherClusterMembersInconsistent")).toBe(false);
    expect(inhibited("clusterDown")).toBe(false);
  });
});

describe("delivery failures on the real Alertmanager", () => {
  interface ApiGroup {
    labels: Labels;
    receiver: { name: string };
    alerts: ApiAlert[];
  }

  it("groups them by integration, each group bound for a receiver other than the failing one", async () => {
    const groups = (await (await fetch(`${api}/alerts/groups`)).json()) as ApiGroup[];
    const failures = groups
      .filter((group) => group.labels.alertname === "AlertmanagerFailedToSendAlerts")
      .map((group) => ({
        labels: group.labels,
        receiver: group.receiver.name,
        pods: group.alerts.map((alert) => alert.labels.pod).sort(),
      }))
      .sort((a, b) =>
        `${a.labels.integration} ${a.labels.namespace}` < `${b.labels.integration} ${b.labels.namespace}`
          ? -1
          : 1,
      );
    const group = (integration: string, namespace: string) => ({
      alertname: "AlertmanagerFailedToSendAlerts",
      integration,
      namespace,
      service: "alertmanager",
    });
    expect(failures).toEqual([
      { labels: group("pagerduty", "monitoring"), receiver: "slack", pods: ["alertmanager-0"] },
      {
        labels: group("slack", "monitoring"),
        receiver: "pagerduty",
        pods: ["alertmanager-0", "alertmanager-1"],
      },
      { labels: group("slack", "monitoring-staging"), receiver: "pagerduty", pods: ["alertmanager-0"] },
    ]);
  });
});
