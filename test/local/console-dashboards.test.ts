import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserConfig } from "../../src/config/schema.ts";
import { type Dashboard, dashboards } from "../../src/dashboards/index.ts";
import {
  type DashboardContext,
  dashboardList,
  dashboardView,
  prometheusLabelValues,
  selectedFromQuery,
} from "../../src/local/console/dashboards.ts";
import { localTiming } from "../../src/local/stack.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { eventually, type RunningBinary, startPrometheus } from "../prometheus/processes.ts";

/** A team dashboard: a collapsed row holding a pie chart (not drawn) and a time series using $__rate_interval. */
const teamDashboard = {
  title: "Team queues",
  templating: {
    list: [
      {
        type: "query",
        name: "job",
        label: "Job",
        query: "label_values(up, job)",
        multi: true,
        includeAll: true,
        allValue: ".+",
        current: { value: ["$__all"] },
      },
    ],
  },
  panels: [
    {
      type: "row",
      title: "Queues",
      collapsed: true,
      gridPos: { x: 0, y: 0, w: 24, h: 1 },
      panels: [
        {
          type: "piechart",
          title: "Share of scrapes",
          gridPos: { x: 0, y: 1, w: 12, h: 8 },
          targets: [{ refId: "A", expr: 'sum by (job) (up{job=~"$job"})' }],
        },
        {
          type: "timeseries",
          title: "Scrape rate",
          gridPos: { x: 12, y: 1, w: 12, h: 8 },
          targets: [
            {
              refId: "A",
              expr: 'sum by (job) (rate(up{job=~"$job"}[$__rate_interval]))',
              legendFormat: "{{job}}",
            },
          ],
        },
      ],
    },
  ],
} as unknown as NonNullable<UserConfig["dashboards"]>[number];

const config = testConfig({ dashboards: [teamDashboard] });
const timing = localTiming(config, 60);

function dashboard(uid: string): Dashboard {
  const found = dashboards(config).find((candidate) => candidate.uid === uid);
  if (!found) throw new Error(`no dashboard ${uid}`);
  return found;
}

/** Label values from a table: { "<selector>|<label>": values }; records every lookup. */
function tableContext(table: Record<string, string[]>): DashboardContext & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    config,
    timing,
    lookups,
    labelValues: async (selector, label) => {
      lookups.push(`${selector}|${label}`);
      return table[`${selector}|${label}`] ?? [];
    },
  };
}

const sloValues = {
  "slo:objective:ratio|service": ["web", "api", "a.b"],
  'slo:objective:ratio{service=~"api"}|slo': ["availability"],
  'slo:objective:ratio{service=~".+"}|slo': ["availability", "latency"],
  'slo:objective:ratio{service=~"(api|a\\.b)"}|slo': ["availability"],
};

describe("dashboardList", () => {
  it("lists the four built-in dashboards and the team's, by uid and title", () => {
    expect(dashboardList(config)).toEqual([
      { uid: "plue-system-overview", title: "Plue - System Overview" },
      { uid: "plue-kubernetes-cluster", title: "Kubernetes Cluster" },
      { uid: "plue-api-performance", title: "API Performance" },
      { uid: "plue-slos", title: "Plue - SLOs" },
      { uid: "custom-team-queues", title: "Team queues" },
    ]);
  });
});

describe("selectedFromQuery", () => {
  it("collects repeated var- parameters and ignores the rest", () => {
    const search = new URLSearchParams(
      "var-service=api&var-service=web&var-namespace=plue&from=now-1h&var-=x",
    );
    expect(selectedFromQuery(search)).toEqual({ service: ["api", "web"], namespace: ["plue"] });
  });
});

describe("dashboardView", () => {
  it("resolves variables in order, the second's options read with the first's chosen value", async () => {
    const context = tableContext(sloValues);
    const view = await dashboardView(dashboard("plue-slos"), context, { service: ["api"] });
    expect(context.lookups).toEqual([
      "slo:objective:ratio|service",
      'slo:objective:ratio{service=~"api"}|slo',
    ]);
    expect(view.variables).toEqual([
      {
        name: "service",
        label: "Service",
        multi: true,
        includeAll: true,
        options: ["a.b", "api", "web"],
        current: ["api"],
      },
      {
        name: "slo",
        label: "SLO",
        multi: true,
        includeAll: true,
        options: ["availability"],
        current: ["$__all"],
      },
    ]);
    const objective = view.panels.find((panel) => panel.title === "Objective");
    expect(objective?.queries).toEqual([
      {
        refId: "A",
        expr: 'slo:objective:ratio{service=~"api", slo=~".+"}',
        legendFormat: "{{service}} {{slo}}",
        instant: true,
      },
    ]);
  });

  it("writes All as the variable's allValue", async () => {
    const context = tableContext(sloValues);
    const view = await dashboardView(dashboard("plue-slos"), context, {});
    expect(view.variables.map((variable) => variable.current)).toEqual([["$__all"], ["$__all"]]);
    expect(context.lookups[1]).toBe('slo:objective:ratio{service=~".+"}|slo');
    const remaining = view.panels.find((panel) => panel.title === "Error budget remaining over time");
    expect(remaining?.queries[0]?.expr).toBe('slo:error_budget_remaining:ratio{service=~".+", slo=~".+"}');
  });

  it("regex-escapes multiple values and joins them as Grafana does", async () => {
    const context = tableContext(sloValues);
    const view = await dashboardView(dashboard("plue-slos"), context, { service: ["api", "a.b"] });
    expect(context.lookups[1]).toBe('slo:objective:ratio{service=~"(api|a\\.b)"}|slo');
    const objective = view.panels.find((panel) => panel.title === "Objective");
    expect(objective?.queries[0]?.expr).toBe('slo:objective:ratio{service=~"(api|a\\.b)", slo=~".+"}');
  });

  it("drops a requested value that is not an option and falls back to the dashboard's current", async () => {
    const context = tableContext({
      "namespace_service:up:sum|namespace": ["monitoring", "plue"],
      'namespace_service:up:sum{namespace="monitoring"}|service': ["prometheus"],
      'namespace_service:up:sum{namespace="plue"}|service': ["api", "web"],
    });
    const kept = await dashboardView(dashboard("plue-system-overview"), context, {
      namespace: ["monitoring"],
    });
    expect(kept.variables[0]?.current).toEqual(["monitoring"]);
    expect(kept.variables[1]?.options).toEqual(["prometheus"]);
    const fallback = await dashboardView(dashboard("plue-system-overview"), context, { namespace: ["gone"] });
    expect(fallback.variables[0]?.current).toEqual(["plue"]);
    // The datasource variable picks a datasource; the preview has one and shows no dropdown for it.
    expect(fallback.variables.map((variable) => variable.name)).toEqual(["namespace", "service"]);
  });

  it("gives $__rate_interval four scaled scrape intervals", async () => {
    const view = await dashboardView(
      dashboard("custom-team-queues"),
      tableContext({ "up|job": ["api"] }),
      {},
    );
    // testConfig scrapes every 30s; at time scale 60 that is every 500ms, so $__rate_interval is 2s.
    expect(config.scrapeInterval).toBe("30s");
    expect(view.timeScale).toBe(60);
    expect(view.scrapeIntervalSeconds).toBe(0.5);
    const rate = view.panels.find((panel) => panel.title === "Scrape rate");
    expect(rate?.queries[0]?.expr).toBe('sum by (job) (rate(up{job=~".+"}[2s]))');
  });

  it("includes panels nested in a collapsed row and lists the types it cannot draw", async () => {
    const view = await dashboardView(
      dashboard("custom-team-queues"),
      tableContext({ "up|job": ["api"] }),
      {},
    );
    expect(view.panels.map((panel) => [panel.type, panel.title])).toEqual([
      ["row", "Queues"],
      ["piechart", "Share of scrapes"],
      ["timeseries", "Scrape rate"],
    ]);
    expect(view.notDrawn).toEqual([{ title: "Share of scrapes", type: "piechart" }]);
    expect(view.panels[2]?.gridPos).toEqual({ x: 12, y: 1, w: 12, h: 8 });
  });

  it("draws every panel of the built-in dashboards", async () => {
    for (const { uid } of dashboardList(config).slice(0, 4)) {
      const view = await dashboardView(dashboard(uid), tableContext({}), {});
      expect(view.notDrawn, uid).toEqual([]);
      expect(view.panels.flatMap((panel) => panel.queries).filter((query) => query.error)).toEqual([]);
    }
  });

  it("carries each panel's unit, decimals, min, max, thresholds and legend setting", async () => {
    const slos = await dashboardView(dashboard("plue-slos"), tableContext(sloValues), {});
    const budget = slos.panels.find((panel) => panel.title === "Error budget remaining");
    expect(budget).toMatchObject({
      type: "bargauge",
      unit: "percentunit",
      min: 0,
      max: 1,
      showLegend: false,
      thresholds: [
        { value: null, color: "red" },
        { value: 0, color: "orange" },
        { value: 0.25, color: "green" },
      ],
    });
    const objective = slos.panels.find((panel) => panel.title === "Objective");
    expect(objective).toMatchObject({ unit: "percentunit", decimals: 3 });
    const paging = slos.panels.find((panel) => panel.title === "Burn rate over the paging windows");
    expect(paging).toMatchObject({ showLegend: true, unit: "none" });
    expect(paging?.queries.map((query) => query.instant)).toEqual([false, false]);
  });

  it("reports an options query it cannot read instead of failing", async () => {
    const failing: DashboardContext = {
      config,
      timing,
      labelValues: async () => {
        throw new Error("Prometheus is not there");
      },
    };
    const view = await dashboardView(dashboard("plue-slos"), failing, {});
    expect(view.variables[0]).toMatchObject({
      options: [],
      current: ["$__all"],
      error: "Prometheus is not there",
    });
    expect(view.panels.find((panel) => panel.title === "Objective")?.queries[0]?.expr).toBe(
      'slo:objective:ratio{service=~".+", slo=~".+"}',
    );
  });
});

describe("prometheusLabelValues against the real Prometheus", () => {
  const dir = tempDir();
  let prometheus: RunningBinary | undefined;
  let exporter: Server | undefined;
  let base = "";

  beforeAll(async () => {
    const exporterPort = await freePort();
    const exposition = [
      'queue_depth{queue="emails",zone="b"} 3',
      'queue_depth{queue="builds",zone="a"} 1',
      'queue_depth{queue="emails",zone="a"} 2',
      'other_metric{queue="zeta"} 1',
      "",
    ].join("\n");
    exporter = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(exposition);
    });
    await new Promise<void>((resolve) => exporter?.listen(exporterPort, "127.0.0.1", resolve));
    ({ prometheus, url: base } = await startPrometheus(dir.path, {
      global: { scrape_interval: "1s", scrape_timeout: "1s" },
      scrape_configs: [{ job_name: "queues", static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
    }));
    const labelValues = prometheusLabelValues(base);
    await eventually(
      "the first scrape",
      async () => ((await labelValues("queue_depth", "queue")).length > 0 ? true : undefined),
      15_000,
      () => prometheus?.output() ?? "",
    );
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
    exporter?.close();
    dir.cleanup();
  });

  it("returns the label's values on the selected series, sorted and unique", async () => {
    const labelValues = prometheusLabelValues(base);
    expect(await labelValues("queue_depth", "queue")).toEqual(["builds", "emails"]);
    expect(await labelValues('queue_depth{zone="a"}', "queue")).toEqual(["builds", "emails"]);
    expect(await labelValues('queue_depth{zone="b"}', "queue")).toEqual(["emails"]);
    expect(await labelValues("", "queue")).toEqual(["builds", "emails", "zeta"]);
  });

  it("throws with Prometheus' message for a selector it rejects", async () => {
    await expect(prometheusLabelValues(base)("queue_depth{", "queue")).rejects.toThrow(/400.*parse error/);
  });

  it("feeds a dashboard's variables", async () => {
    const json = {
      uid: "queues",
      title: "Queues",
      templating: {
        list: [
          { type: "query", name: "zone", query: "label_values(queue_depth, zone)", current: { value: "b" } },
          {
            type: "query",
            name: "queue",
            query: 'label_values(queue_depth{zone="$zone"}, queue)',
            multi: true,
          },
        ],
      },
      panels: [
        {
          type: "stat",
          title: "Depth",
          targets: [{ refId: "A", expr: 'queue_depth{zone="$zone", queue=~"$queue"}' }],
        },
      ],
    };
    const view = await dashboardView(
      { uid: "queues", file: "queues.json", json },
      { config, timing, labelValues: prometheusLabelValues(base) },
      {},
    );
    expect(view.variables.map((variable) => [variable.name, variable.options, variable.current])).toEqual([
      ["zone", ["a", "b"], ["b"]],
      ["queue", ["emails"], ["emails"]],
    ]);
    expect(view.panels[0]?.queries[0]?.expr).toBe('queue_depth{zone="b", queue=~"emails"}');
  });
});
