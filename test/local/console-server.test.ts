import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_HEADER, consoleHandler, routeUpstream } from "../../src/local/console/server.ts";
import { type Inbox, startInbox } from "../../src/local/inbox.ts";
import { localTiming } from "../../src/local/stack.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { type RunningBinary, startPrometheus } from "../prometheus/processes.ts";

describe("the console server", () => {
  const dir = tempDir("plue-console-");
  let prometheus: RunningBinary;
  let inbox: Inbox;

  beforeAll(async () => {
    const [prometheusPort, inboxPort, deadAlertmanager, otherDeadAlertmanager, control] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    ({ prometheus } = await startPrometheus(
      dir.path,
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: self\n    static_configs: [{ targets: ["127.0.0.1:${prometheusPort}"] }]\n`,
      { port: prometheusPort, args: ["--web.enable-admin-api"] },
    ));
    const config = testConfig();
    inbox = await startInbox({
      host: "127.0.0.1",
      port: inboxPort,
      console: consoleHandler({
        config,
        topology: {
          ...defaultTopology,
          prometheus: prometheusPort,
          alertmanagers: [deadAlertmanager, otherDeadAlertmanager],
          control,
          inbox: inboxPort,
        },
        timing: localTiming(config, 60),
      }),
    });
  }, 30_000);

  afterAll(async () => {
    await inbox?.close();
    await prometheus?.stop();
    dir.cleanup();
  });

  it("serves the page, its modules and uPlot from this checkout", async () => {
    const page = await fetch(`${inbox.url}/`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<section id="dashboards">');
    for (const asset of [...html.matchAll(/(?:src|href)="(\/(?:page|vendor)\/[^"]+)"/g)].map(
      (match) => match[1],
    )) {
      const response = await fetch(`${inbox.url}${asset}`);
      expect(response.status, asset).toBe(200);
    }
    const uplot = await (await fetch(`${inbox.url}/vendor/uPlot.iife.min.js`)).text();
    expect(uplot).toMatch(/uPlot/);
    const module = await fetch(`${inbox.url}/page/console.js`);
    expect(module.headers.get("content-type")).toMatch(/^text\/javascript/);
  });

  it("serves nothing outside the page's folder", async () => {
    for (const path of [
      "/page/../server.ts",
      "/page/%2e%2e/server.ts",
      "/page/missing.js",
      "/vendor/uPlot.cjs.js",
    ]) {
      expect((await fetch(`${inbox.url}${path}`)).status, path).toBe(404);
    }
  });

  it("answers Prometheus' read API through the proxy, and refuses its admin API", async () => {
    const body = (await (await fetch(`${inbox.url}/api/prometheus/api/v1/query?query=up`)).json()) as {
      status: string;
      data: { resultType: string };
    };
    expect(body).toMatchObject({ status: "success", data: { resultType: "vector" } });
    const snapshot = await fetch(`${inbox.url}/api/prometheus/api/v1/admin/tsdb/snapshot`, {
      method: "POST",
      headers: { [CONSOLE_HEADER]: "1" },
    });
    expect(snapshot.status).toBe(404);
  });

  it("refuses changes without the console's header", async () => {
    const response = await fetch(`${inbox.url}/api/alertmanager/api/v2/silences`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain(CONSOLE_HEADER);
  });

  it("names every Alertmanager it tried when none answers", async () => {
    const response = await fetch(`${inbox.url}/api/alertmanager/api/v2/silences`);
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: string };
    expect(error.match(/http:\/\/127\.0\.0\.1:\d+/g)).toHaveLength(2);
  });

  it("lists the provisioned dashboards and 404s an unknown one", async () => {
    const list = (await (await fetch(`${inbox.url}/api/dashboards`)).json()) as { title: string }[];
    expect(list.map((dashboard) => dashboard.title)).toEqual([
      "Plue - System Overview",
      "Kubernetes Cluster",
      "API Performance",
      "Plue - SLOs",
    ]);
    expect((await fetch(`${inbox.url}/api/dashboards/nope`)).status).toBe(404);
  });

  it("keeps the inbox's own endpoints: notifications as JSON and as text", async () => {
    expect(await (await fetch(`${inbox.url}/notifications`)).json()).toEqual([]);
    expect(await (await fetch(`${inbox.url}/notifications.txt`)).text()).toBe("No notifications yet.\n");
  });
});

describe("routeUpstream", () => {
  const upstreams = {
    prometheusUrl: "http://p",
    alertmanagerUrls: ["http://a1", "http://a2"],
    controlUrl: "http://c",
  };

  it("sends each API to its component, Alertmanager's to every replica in turn", () => {
    expect(routeUpstream("/api/prometheus/api/v1/query_range", "GET", upstreams)).toEqual({
      bases: ["http://p"],
      path: "/api/v1/query_range",
    });
    expect(routeUpstream("/api/alertmanager/api/v2/silence/0b1c-2d", "DELETE", upstreams)).toEqual({
      bases: ["http://a1", "http://a2"],
      path: "/api/v2/silence/0b1c-2d",
    });
    expect(routeUpstream("/api/control/faults/api-down", "POST", upstreams)).toEqual({
      bases: ["http://c"],
      path: "/faults/api-down",
    });
  });

  it("passes nothing else", () => {
    for (const [path, method] of [
      ["/api/prometheus/api/v1/admin/tsdb/delete_series", "POST"],
      ["/api/prometheus/-/reload", "POST"],
      ["/api/prometheus/api/v1/query", "DELETE"],
      ["/api/alertmanager/-/reload", "POST"],
      ["/api/control/../faults", "GET"],
      ["/api/elsewhere", "GET"],
    ] as const) {
      expect(routeUpstream(path, method, upstreams), `${method} ${path}`).toBeUndefined();
    }
  });
});
