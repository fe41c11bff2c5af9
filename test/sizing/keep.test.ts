// The sizing's reading of the keep-lists: by metric name, anchored as Prometheus anchors, refusing
// what it cannot judge by name; and held to a real Prometheus scraping the scale fixtures with the
// relabel rules our synthesized prometheus.yml carries.
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchPrometheus, startPrometheus } from "../../bench/ingestion/prometheus.ts";
import { exposition, loadShape, oneNode } from "../../bench/ingestion/shapes.ts";
import { allowlistFilter, jobKeeps, relabelNameFilter } from "../../src/sizing/keep.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";

describe("relabelNameFilter", () => {
  it("keeps and drops whole names only, as Prometheus anchors the regex", () => {
    const keep = relabelNameFilter([{ source_labels: ["__name__"], regex: "up|node_load1", action: "keep" }]);
    expect(["up", "node_load1", "node_load15", "xup"].map(keep)).toEqual([true, true, false, false]);
    const drop = relabelNameFilter([{ source_labels: ["__name__"], regex: "go_.*", action: "drop" }]);
    expect(["go_goroutines", "up"].map(drop)).toEqual([false, true]);
    expect(relabelNameFilter([])("anything")).toBe(true);
  });

  it("refuses a rule it cannot judge by the name alone", () => {
    expect(() => relabelNameFilter([{ source_labels: ["pod"], regex: "x", action: "drop" }])).toThrow(
      /not keep\/drop/,
    );
    expect(() => relabelNameFilter([{ target_label: "x", replacement: "y" }])).toThrow(/not keep\/drop/);
  });
});

describe("allowlistFilter", () => {
  it("matches entries unanchored, as kube-state-metrics does", () => {
    const anchored = allowlistFilter("^kube_pod_info$,^kube_node_info$");
    expect(["kube_pod_info", "kube_pod_info_x", "kube_node_info"].map(anchored)).toEqual([true, false, true]);
    expect(allowlistFilter("kube_pod")("kube_pod_status_phase")).toBe(true);
    expect(allowlistFilter(undefined)("anything")).toBe(true);
  });
});

describe("the keep-lists against a real Prometheus", () => {
  let prometheus: BenchPrometheus;
  let dir: { path: string; cleanup: () => void };
  const server = createServer();
  const cadvisorRows = loadShape("cadvisor.shape.tsv").rows;
  const text = exposition(cadvisorRows, oneNode(0));

  beforeAll(async () => {
    dir = tempDir();
    server.on("request", (_request, response) => response.writeHead(200).end(text));
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    prometheus = await startPrometheus(dir.path);
    const { rules } = jobKeeps(testConfig(), ["cadvisor"]).cadvisor;
    await prometheus.load({
      global: { scrape_interval: "1s" },
      scrape_configs: [
        {
          job_name: "cadvisor",
          static_configs: [{ targets: [`127.0.0.1:${port}`] }],
          ...(rules.length > 0 ? { metric_relabel_configs: rules } : {}),
        },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    server.close();
    dir?.cleanup();
  });

  it("stores exactly the cAdvisor series the sizing says it keeps", async () => {
    const { stored } = jobKeeps(testConfig(), ["cadvisor"]).cadvisor;
    const lines = text.trim().split("\n");
    const predicted = lines.filter((line) => stored(line.slice(0, line.search(/[{ ]/)))).length;
    let kept: { value: number }[] = [];
    for (let attempt = 0; attempt < 40 && kept.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      kept = await prometheus.query('scrape_samples_post_metric_relabeling{job="cadvisor"}');
    }
    const [scraped] = await prometheus.query('scrape_samples_scraped{job="cadvisor"}');
    expect(scraped?.value).toBe(lines.length);
    expect(kept[0]?.value).toBe(predicted);
    // The keep-list is on by default: most of what cAdvisor serves is dropped.
    expect(predicted).toBeLessThan(lines.length / 5);
  }, 60_000);
});
