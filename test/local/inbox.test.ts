import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type Inbox, type Notification, parseAlertList, startInbox } from "../../src/local/inbox.ts";
import { Supervisor } from "../../src/local/supervisor.ts";
import { freePort } from "../helpers/system.ts";

async function notifications(inbox: Inbox, query = ""): Promise<Notification[]> {
  const response = await fetch(`${inbox.url}/notifications${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Notification[];
}

async function post(inbox: Inbox, path: string, body: unknown): Promise<Response> {
  return fetch(`${inbox.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("notification inbox", () => {
  let inbox: Inbox;

  beforeAll(async () => {
    inbox = await startInbox({ host: "127.0.0.1", port: await freePort() });
  });
  afterAll(async () => {
    await inbox?.close();
  });

  it("stores a webhook payload with receiver, status, alert names and labels, and filters them", async () => {
    await fetch(`${inbox.url}/notifications`, { method: "DELETE" });
    const alert = (alertname: string, status: string) => ({
      status,
      labels: { alertname, namespace: "plue", pod: "api-0", severity: "warning" },
      annotations: { summary: `${alertname} on api-0` },
      startsAt: "2026-01-01T00:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      fingerprint: "abc",
    });
    const payload = (receiver: string, status: string, alertname: string) => ({
      version: "4",
      groupKey: "{}:{alertname}",
      truncatedAlerts: 0,
      status,
      receiver,
      groupLabels: { alertname },
      commonLabels: { alertname },
      commonAnnotations: {},
      externalURL: "http://127.0.0.1:9093",
      alerts: [alert(alertname, status)],
    });
    expect((await post(inbox, "/default", payload("default", "firing", "PodNotReady"))).status).toBe(200);
    await post(inbox, "/heartbeat", payload("heartbeat", "firing", "Watchdog"));
    // Received strictly before `before`, and the next one strictly after.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await post(inbox, "/default", payload("default", "resolved", "PodNotReady"));

    const all = await notifications(inbox);
    expect(all.map((n) => [n.id, n.receiver, n.status, n.alertnames])).toEqual([
      [1, "default", "firing", ["PodNotReady"]],
      [2, "heartbeat", "firing", ["Watchdog"]],
      [3, "default", "resolved", ["PodNotReady"]],
    ]);
    expect(all[0]?.alerts[0]?.labels).toEqual({
      alertname: "PodNotReady",
      namespace: "plue",
      pod: "api-0",
      severity: "warning",
    });
    expect((await notifications(inbox, "?receiver=heartbeat")).map((n) => n.id)).toEqual([2]);
    expect((await notifications(inbox, "?alertname=PodNotReady&status=resolved")).map((n) => n.id)).toEqual([
      3,
    ]);
    expect((await notifications(inbox, `?since=${before.toISOString()}`)).map((n) => n.id)).toEqual([3]);
    expect((await notifications(inbox, `?since=${before.getTime()}`)).map((n) => n.id)).toEqual([3]);
    expect((await notifications(inbox, "?after=1")).map((n) => n.id)).toEqual([2, 3]);
    expect((await fetch(`${inbox.url}/notifications?status=sideways`)).status).toBe(400);

    const text = await (await fetch(`${inbox.url}/`)).text();
    expect(text.trim().split("\n")).toHaveLength(3);
    expect(text).toMatch(/default +RESOLVED +PodNotReady +namespace=plue pod=api-0 severity=warning/);
  });

  it("answers 500 for a failing Slack or PagerDuty stand-in, storing nothing, until it is restored", async () => {
    const slack = { text: "HighCPUUsage", attachments: [] };
    const count = async () => (await notifications(inbox, "?receiver=slack")).length;
    const before = await count();
    inbox.setFailing("slack", true);
    expect((await post(inbox, "/slack", slack)).status).toBe(500);
    expect(await count()).toBe(before);
    inbox.setFailing("slack", false);
    expect((await post(inbox, "/slack", slack)).status).toBe(200);
    expect(await count()).toBe(before + 1);
  });

  it("refuses what it cannot read", async () => {
    expect((await post(inbox, "/default", { hello: "world" })).status).toBe(400);
    const notJson = await fetch(`${inbox.url}/default`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${inbox.url}/nowhere`)).status).toBe(404);
  });

  it("parses Alertmanager's text alert list, multi-line values included", () => {
    const text = [
      "Labels:",
      " - alertname = HighCPUUsage",
      " - pod = api-1",
      "Annotations:",
      " - description = CPU at 91%",
      "of the limit",
      "Source: http://prometheus/graph",
      "Labels:",
      " - alertname = HighCPUUsage",
      " - pod = api-2",
      "Annotations:",
      "Source: http://prometheus/graph",
      "",
    ].join("\n");
    expect(parseAlertList(text, "firing")).toEqual([
      {
        status: "firing",
        labels: { alertname: "HighCPUUsage", pod: "api-1" },
        annotations: { description: "CPU at 91%\nof the limit" },
      },
      { status: "firing", labels: { alertname: "HighCPUUsage", pod: "api-2" }, annotations: {} },
    ]);
  });
});

describe("notification inbox receiving from a real Alertmanager", () => {
  let supervisor: Supervisor;
  let inbox: Inbox;
  let alertmanager: string;

  beforeAll(async () => {
    supervisor = new Supervisor({ prefix: "plue-monitoring-test-" });
    const inboxPort = await freePort();
    inbox = await startInbox({ host: "127.0.0.1", port: inboxPort });
    supervisor.adopt("inbox", () => inbox.close());
    const dir = supervisor.dir("alertmanager");
    const to = (path: string) => `http://127.0.0.1:${inboxPort}${path}`;
    // Receivers shaped like the stack's local alertmanager.yml: every integration delivers to the inbox.
    const config = {
      route: {
        receiver: "default",
        group_by: ["alertname", "namespace"],
        group_wait: "200ms",
        group_interval: "1s",
        repeat_interval: "1h",
        routes: [
          { matchers: ['severity="critical"'], receiver: "pagerduty", continue: true },
          { matchers: ['severity=~"critical|warning"'], receiver: "slack" },
        ],
      },
      receivers: [
        { name: "default", webhook_configs: [{ url: to("/default"), send_resolved: true }] },
        {
          name: "slack",
          slack_configs: [
            {
              api_url: to("/slack"),
              channel: "#alerts",
              title: "{{ .GroupLabels.alertname }}",
              text: "{{ .CommonAnnotations.summary }}\n{{ .CommonAnnotations.description }}",
              send_resolved: true,
            },
          ],
        },
        {
          name: "pagerduty",
          pagerduty_configs: [
            {
              routing_key: "local-inbox-stand-in-routing-key",
              url: to("/pagerduty"),
              description: "{{ .CommonAnnotations.summary }}",
              severity: "{{ .CommonLabels.severity }}",
              send_resolved: true,
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "alertmanager.yml"), stringify(config));
    const port = await freePort();
    alertmanager = `http://127.0.0.1:${port}`;
    await supervisor.start({
      name: "alertmanager",
      command: "/usr/bin/prometheus-alertmanager",
      args: [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
      ],
      readiness: { kind: "http", url: `${alertmanager}/-/ready` },
    });
  });

  afterAll(async () => {
    await supervisor?.shutdown();
  });

  async function sendAlert(labels: Record<string, string>, resolved: boolean): Promise<void> {
    const now = new Date();
    const response = await fetch(`${alertmanager}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        {
          labels,
          annotations: { summary: `${labels.alertname} on ${labels.pod}`, description: "line one\nline two" },
          startsAt: new Date(now.getTime() - 60_000).toISOString(),
          endsAt: new Date(now.getTime() + (resolved ? -1_000 : 3_600_000)).toISOString(),
        },
      ]),
    });
    expect(response.status).toBe(200);
  }

  async function until(what: string, query: string): Promise<Notification[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = await notifications(inbox, query);
      if (found.length > 0) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("stores the webhook, Slack and PagerDuty notifications of a critical alert, then their resolution", async () => {
    const labels = {
      alertname: "ServiceDown",
      namespace: "plue",
      service: "api",
      pod: "api-0",
      severity: "critical",
    };
    await sendAlert(labels, false);
    const [paged] = await until("the PagerDuty trigger", "?receiver=pagerduty&status=firing");
    const [slacked] = await until("the Slack message", "?receiver=slack&status=firing");
    expect(paged?.kind).toBe("pagerduty");
    expect(paged?.alertnames).toEqual(["ServiceDown"]);
    expect(paged?.alerts[0]?.labels).toEqual(labels);
    expect(paged?.alerts[0]?.annotations.description).toBe("line one\nline two");
    expect(paged?.text).toBe("ServiceDown on api-0");
    expect(slacked?.kind).toBe("slack");
    expect(slacked?.alertnames).toEqual(["ServiceDown"]);
    expect(slacked?.text).toBe("ServiceDown\nServiceDown on api-0\nline one\nline two");
    expect(await notifications(inbox, "?receiver=default")).toEqual([]);

    await sendAlert(labels, true);
    const [pageResolved] = await until("the PagerDuty resolve", "?receiver=pagerduty&status=resolved");
    const [slackResolved] = await until("the Slack resolution", "?receiver=slack&status=resolved");
    expect(pageResolved?.alertnames).toEqual(["ServiceDown"]);
    expect(pageResolved?.alerts[0]?.labels.pod).toBe("api-0");
    expect(slackResolved?.alertnames).toEqual(["ServiceDown"]);
  });

  it("stores a webhook notification with every label of an alert routed to the default receiver", async () => {
    const labels = { alertname: "SomethingElse", namespace: "monitoring", severity: "info" };
    await sendAlert(labels, false);
    const [received] = await until("the default webhook", "?receiver=default&alertname=SomethingElse");
    expect(received?.kind).toBe("webhook");
    expect(received?.status).toBe("firing");
    expect(received?.alerts.map((alert) => alert.labels)).toEqual([labels]);
    expect(received?.groupLabels).toEqual({ alertname: "SomethingElse", namespace: "monitoring" });
  });
});
