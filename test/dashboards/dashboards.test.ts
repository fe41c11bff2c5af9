// The three seed dashboards and the SLOs' as Grafana 12 reads them: the panels the seed promised, no deprecated
// panel type, stable uids, every datasource reference through the variable, thresholds where the
// alerts fire, runbook links, and the provisioning that loads them.

import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mounts } from "../../src/components.ts";
import type { StackConfig, UserConfig } from "../../src/config/schema.ts";
import {
  DASHBOARD_FOLDER,
  DATASOURCE_UID,
  dashboardProvisioning,
  dashboards,
  datasourceProvisioning,
} from "../../src/dashboards/index.ts";
import { SLOW_RESPONSE_SECONDS } from "../../src/instrument/http-semantics.ts";
import { networkPolicies } from "../../src/kubernetes/network-policies.ts";
import { runbookUrl } from "../../src/rules/annotations.ts";
import { renderConfigs } from "../../src/synth.ts";
import { configProblems, testConfig } from "../helpers/config.ts";

interface Threshold {
  value: number | null;
  color: string;
}
interface PanelJson {
  type: string;
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: { expr: string; refId: string; datasource?: { type?: string; uid?: string } }[];
  links?: { title: string; url: string }[];
  fieldConfig?: { defaults: { unit?: string; thresholds?: { steps: Threshold[] } } };
}
interface VariableJson {
  name: string;
  type: string;
  query: unknown;
  multi?: boolean;
  includeAll?: boolean;
  current?: { value: string };
  datasource?: { uid?: string };
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
const VIA_VARIABLE = { type: "prometheus", uid: "${datasource}" };

const withDsn: UserConfig = { postgresExporterDsn: "postgresql://exporter@db.plue.svc:5432/plue" };

function dashboardBy(config: StackConfig, title: string) {
  const found = dashboards(config).find((dashboard) => dashboard.json.title === title);
  if (!found) throw new Error(`no dashboard titled ${title}`);
  const json = found.json as { panels: PanelJson[]; templating: { list: VariableJson[] } } & Record<
    string,
    unknown
  >;
  const panels = json.panels.filter((panel) => panel.type !== "row");
  const panel = (panelTitle: string) => {
    const match = panels.find((p) => p.title === panelTitle);
    if (!match) throw new Error(`${title} has no panel ${panelTitle}`);
    return match;
  };
  return { ...found, json, panels, panel, variables: json.templating.list };
}

/** The seed's dashboards and, by title, the panels the seed asks of each. */
const REQUIRED = {
  "Plue - System Overview": {
    uid: "plue-system-overview",
    panels: [
      "CPU by service",
      "Memory by service",
      "Request rate by service",
      "5xx rate by service",
      "Pod status",
      "Firing alerts",
      "Database connections used of max",
    ],
  },
  "Kubernetes Cluster": {
    uid: "plue-kubernetes-cluster",
    panels: [
      "Node CPU",
      "Node memory",
      "Pods by status",
      "Nodes by status",
      "Persistent volume usage",
      "Container restarts",
    ],
  },
  "API Performance": {
    uid: "plue-api-performance",
    panels: [
      "Request rate by method and route",
      "Latency p50 / p95 / p99",
      "Errors by status code",
      "Active requests",
    ],
  },
  "Plue - SLOs": {
    uid: "plue-slos",
    panels: [
      "Objective",
      "Good over the window",
      "Error budget remaining",
      "Error budget exhausted in",
      "Burn rate by window",
      "Burn rate over the paging windows",
      "Burn rate over the ticket windows",
    ],
  },
} as const;

/** Panel types Grafana 11+ no longer renders (Angular) or has replaced. */
const DEPRECATED = [
  "graph",
  "singlestat",
  "table-old",
  "grafana-singlestat-panel",
  "grafana-piechart-panel",
  "grafana-worldmap-panel",
  "graph-old",
];
/** Core React panels that ship with Grafana 12. */
const CURRENT = ["row", "timeseries", "stat", "table", "bargauge", "gauge", "text", "state-timeline"];

describe("dashboards", () => {
  const config = testConfig(withDsn);

  it("are the seed's three and the SLOs', each in its own file named by its uid", () => {
    const all = dashboards(config);
    expect(all.map((d) => [d.json.title, d.uid, d.file])).toEqual(
      Object.entries(REQUIRED).map(([title, { uid }]) => [title, uid, `${uid}.json`]),
    );
    for (const dashboard of all) expect(dashboard.json.uid).toBe(dashboard.uid);
  });

  it.each(Object.entries(REQUIRED))("%s has the panels the seed asks for", (title, required) => {
    const titles = dashboardBy(config, title).panels.map((panel) => panel.title);
    for (const panel of required.panels) expect(titles).toContain(panel);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("use no deprecated panel type, only Grafana 12's core panels", () => {
    const types = dashboards(config).flatMap((d) => (d.json.panels as PanelJson[]).map((p) => p.type));
    for (const type of types) {
      expect(DEPRECATED).not.toContain(type);
      expect(CURRENT).toContain(type);
    }
  });

  it("keep their uids and contents whatever the config, and render the same twice", () => {
    const other = testConfig({
      ...withDsn,
      alertCpuThreshold: 50,
      appNamespace: "plue-staging",
      namespace: "ops",
    });
    expect(dashboards(other).map((d) => d.uid)).toEqual(dashboards(config).map((d) => d.uid));
    expect(JSON.stringify(dashboards(testConfig(withDsn)))).toBe(JSON.stringify(dashboards(config)));
  });

  it("carry unique panel ids and a layout without overlaps, 24 columns wide", () => {
    for (const dashboard of dashboards(config)) {
      const panels = dashboard.json.panels as PanelJson[];
      const ids = panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const { gridPos } of panels) {
        expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
        for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
          for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  it("point every panel, query and variable at the datasource variable, which defaults to the provisioned uid", () => {
    for (const dashboard of dashboards(config)) {
      const json = dashboard.json as { panels: PanelJson[]; templating: { list: VariableJson[] } };
      const datasourceVariable = json.templating.list.find((v) => v.type === "datasource");
      expect(datasourceVariable).toMatchObject({ name: "datasource", query: "prometheus" });
      expect(datasourceVariable?.current?.value).toBe(DATASOURCE_UID);
      for (const variable of json.templating.list.filter((v) => v.type === "query")) {
        expect(variable.datasource?.uid).toBe(VIA_VARIABLE.uid);
      }
      for (const panel of json.panels.filter((p) => p.type !== "row")) {
        expect(panel.datasource).toEqual(VIA_VARIABLE);
        expect(panel.targets?.length).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.datasource).toEqual(VIA_VARIABLE);
        }
      }
    }
  });

  it("have namespace and service variables where panels are per service", () => {
    const names = (title: string) => dashboardBy(config, title).variables.map((v) => v.name);
    expect(names("Plue - System Overview")).toEqual(["datasource", "namespace", "service"]);
    expect(names("API Performance")).toEqual(["datasource", "namespace", "service"]);
    expect(names("Kubernetes Cluster")).toEqual(["datasource", "namespace"]);
    // SLOs are per service and name; a ratio SLO's service may have no namespace.
    expect(names("Plue - SLOs")).toEqual(["datasource", "service", "slo"]);
    const overview = dashboardBy(testConfig({ appNamespace: "plue-prod" }), "Plue - System Overview");
    const namespace = overview.variables.find((v) => v.name === "namespace");
    expect(namespace?.current?.value).toBe("plue-prod");
    expect(overview.variables.find((v) => v.name === "service")).toMatchObject({
      multi: true,
      includeAll: true,
    });
  });

  it("draw the alert thresholds from the config, and link each alert's runbook", () => {
    const tuned = testConfig({
      ...withDsn,
      alertCpuThreshold: 70,
      alertCpuCriticalThreshold: 90,
      alertMemoryThreshold: 75,
      alertMemoryCriticalThreshold: 85,
      alertErrorRateThreshold: 2,
      alertErrorRateCriticalThreshold: 10,
      runbookBaseUrl: "https://runbooks.plue.dev/monitoring",
    });
    const steps = (title: string, panel: string) =>
      dashboardBy(tuned, title)
        .panel(panel)
        .fieldConfig?.defaults.thresholds?.steps.map((step) => step.value);
    const links = (title: string, panel: string) =>
      (dashboardBy(tuned, title).panel(panel).links ?? []).map((link) => link.url);

    expect(steps("Plue - System Overview", "CPU of limit by service")).toEqual([null, 0.7, 0.9]);
    expect(steps("Plue - System Overview", "Memory of limit by service")).toEqual([null, 0.75, 0.85]);
    expect(steps("Plue - System Overview", "5xx rate by service")).toEqual([null, 0.02, 0.1]);
    expect(steps("API Performance", "5xx error ratio")).toEqual([null, 0.02, 0.1]);
    expect(steps("API Performance", "Latency p50 / p95 / p99")).toEqual([null, SLOW_RESPONSE_SECONDS]);
    expect(steps("Kubernetes Cluster", "Persistent volume usage")).toEqual([null, 0.8, 0.9]);
    expect(steps("Kubernetes Cluster", "Container restarts")).toEqual([null, 5]);
    expect(steps("Plue - System Overview", "PostgreSQL connections used of max")).toEqual([null, 0.8]);
    expect(steps("Plue - SLOs", "Burn rate over the paging windows")).toEqual([null, 6, 14.4]);
    expect(steps("Plue - SLOs", "Burn rate over the ticket windows")).toEqual([null, 1, 3]);
    expect(steps("Plue - SLOs", "Burn rate by window")).toEqual([null, 1, 3, 6, 14.4]);

    expect(links("Plue - System Overview", "CPU of limit by service")).toEqual([
      "https://runbooks.plue.dev/monitoring/HighCPUUsage.md",
      "https://runbooks.plue.dev/monitoring/CriticalCPUUsage.md",
    ]);
    expect(links("API Performance", "Latency p50 / p95 / p99")).toEqual([
      runbookUrl(tuned, "SlowResponseTime"),
    ]);
    expect(links("Plue - SLOs", "Burn rate by window")).toEqual([runbookUrl(tuned, "ErrorBudgetBurn")]);
    expect(links("Kubernetes Cluster", "Nodes by status")).toEqual(
      ["NodeNotReady", "NodeMemoryPressure", "NodeDiskPressure"].map((alert) => runbookUrl(tuned, alert)),
    );
    // The firing-alerts table links each alert name to its runbook.
    const table = JSON.stringify(dashboardBy(tuned, "Plue - System Overview").panel("Firing alerts"));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data-link syntax
    expect(table).toContain("https://runbooks.plue.dev/monitoring/${__value.raw}.md");
  });

  it("give every panel a unit, and percentages as ratios", () => {
    for (const dashboard of dashboards(config)) {
      for (const panel of (dashboard.json.panels as PanelJson[]).filter((p) => p.type !== "row")) {
        const unit = panel.fieldConfig?.defaults.unit;
        expect(unit, panel.title).toBeTruthy();
        // Ratios are recorded 0..1: "percent" would show 0.8 as 0.8 %.
        expect(unit, panel.title).not.toBe("percent");
      }
    }
  });

  it("show the PostgreSQL panel only when postgres-exporter is deployed", () => {
    const titles = (c: StackConfig) => dashboardBy(c, "Plue - System Overview").panels.map((p) => p.title);
    expect(titles(testConfig())).not.toContain("PostgreSQL connections used of max");
    expect(titles(config)).toContain("PostgreSQL connections used of max");
  });

  it("declare the schema version Grafana 12.1 writes, so Grafana migrates nothing it does not know", () => {
    for (const dashboard of dashboards(config)) expect(dashboard.json.schemaVersion).toBe(41);
  });
});

describe("provisioning", () => {
  const config = testConfig({ namespace: "observability", scrapeInterval: "15s" });

  it("provisions Prometheus with the fixed uid, as the default, sized to the scrape interval", () => {
    const [datasource, ...others] = (
      datasourceProvisioning(config) as { datasources: Record<string, unknown>[] }
    ).datasources;
    expect(others).toEqual([]);
    expect(datasource).toMatchObject({
      uid: DATASOURCE_UID,
      type: "prometheus",
      url: "http://prometheus.observability.svc:9090",
      isDefault: true,
      editable: false,
      jsonData: { timeInterval: "15s" },
    });
  });

  it("reads a deduplicating query layer instead when grafanaPrometheusUrl names one, and Grafana may reach it", () => {
    for (const [url, port] of [
      ["http://thanos-query.observability.svc:9090", 9090],
      ["https://mimir.example.com/prometheus", 443],
    ] as const) {
      const layered = testConfig({ namespace: "observability", grafanaPrometheusUrl: url });
      const [datasource] = (datasourceProvisioning(layered) as { datasources: Record<string, unknown>[] })
        .datasources;
      expect(datasource?.url).toBe(url);
      const grafana = networkPolicies(layered).find(
        (policy) => policy.metadata?.name === "grafana",
      ) as unknown as {
        spec: { egress: { to?: unknown[]; ports: { port: number }[] }[] };
      };
      expect(grafana.spec.egress.map((rule) => rule.ports.map((p) => p.port))).toEqual([[9090], [port]]);
    }
    const plain = networkPolicies(config).find(
      (policy) => policy.metadata?.name === "grafana",
    ) as unknown as {
      spec: { egress: unknown[] };
    };
    expect(plain.spec.egress).toHaveLength(1);
  });

  it("refuses a query layer URL with credentials, a query, another scheme or spaces", () => {
    for (const url of [
      "ftp://thanos:9090",
      "https://user:pass@mimir.example.com/prometheus",
      "http://thanos:9090/?dedup=true",
      "thanos-query:9090",
      "http://thanos query:9090",
      "http://thanos-query:99999",
    ]) {
      expect(configProblems({ grafanaPrometheusUrl: url }), url).toEqual([
        expect.stringMatching(/^grafanaPrometheusUrl: .*an http:\/\/ or https:\/\/host\[:port\]\/path URL/),
      ]);
    }
  });

  it("loads the dashboards from the mounted directory into the Plue folder", () => {
    const { providers } = dashboardProvisioning(config) as { providers: Record<string, unknown>[] };
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({
      folder: DASHBOARD_FOLDER,
      type: "file",
      allowUiUpdates: false,
      options: { path: mounts.grafanaDashboards },
    });
    expect(DASHBOARD_FOLDER).toBe("Plue");
  });

  it("renders the JSON and YAML synth writes and the Grafana ConfigMaps carry", () => {
    const rendered = renderConfigs(config);
    expect(Object.keys(rendered.dashboards).sort()).toEqual(
      dashboards(config)
        .map((d) => d.file)
        .sort(),
    );
    for (const dashboard of dashboards(config)) {
      const text = rendered.dashboards[dashboard.file] as string;
      expect(JSON.parse(text)).toEqual(dashboard.json);
      // A ConfigMap holds at most 1 MiB.
      expect(Buffer.byteLength(text)).toBeLessThan(1024 * 1024);
    }
    const datasources = parse(rendered.grafanaProvisioning["datasources/prometheus.yaml"] as string);
    expect(datasources.datasources[0].uid).toBe(DATASOURCE_UID);
    const providers = parse(rendered.grafanaProvisioning["dashboards/plue.yaml"] as string);
    expect(providers.providers[0].folder).toBe("Plue");
  });
});
