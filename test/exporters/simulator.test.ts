// The cluster simulator serves what the real exporters serve: every family it emits exists in the
// corpus with the same type, every series has one of the exporter's label sets (a label exported
// empty counts as absent, as Prometheus stores it), and vocabulary labels (phase, reason, owner_kind…)
// take only values the exporter writes. Every cluster fault is applied first, so the series that
// exist only in trouble are checked too.
import { describe, expect, it } from "vitest";
import { parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { ClusterSimulator, clusterOptions, SIMULATOR_PATHS } from "../../src/local/cluster-simulator.ts";
import { FaultController } from "../../src/local/faults.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { testConfig } from "../helpers/config.ts";
import { loadCorpus, shapeProblems } from "./corpus.ts";

const corpus = loadCorpus();
const config = testConfig();

/** What the simulator serves per scrape job, with every cluster fault in effect and time moved on. */
async function served(faulted: boolean): Promise<Map<string, string[]>> {
  let now = Date.UTC(2026, 0, 1);
  const simulated = new ClusterSimulator({
    cluster: clusterOptions(config, defaultTopology, 60),
    clock: () => now,
  });
  if (faulted) {
    const faults = new FaultController({ config, cluster: simulated });
    for (const fault of faults.list()) {
      // ksm-down makes kube-state-metrics serve nothing at all.
      if (fault.area === "cluster" && fault.available && fault.name !== "ksm-down")
        await faults.apply(fault.name);
    }
  }
  now += 90_000;
  const paths: [string, string][] = [
    ["kube-state-metrics", SIMULATOR_PATHS.kubeStateMetrics],
    ...defaultTopology.nodes.flatMap((node): [string, string][] => [
      ["kubelet", SIMULATOR_PATHS.kubelet(node)],
      ["cadvisor", SIMULATOR_PATHS.cadvisor(node)],
    ]),
  ];
  const bodies = new Map<string, string[]>();
  for (const [job, path] of paths) {
    const scraped = await simulated.scrape(path);
    if (!scraped) throw new Error(`nothing served at ${path}`);
    bodies.set(job, [...(bodies.get(job) ?? []), scraped.body]);
  }
  return bodies;
}

/** Everything in the simulator's output that the real exporter would not serve. */
function problemsOf(bodies: Map<string, string[]>): string[] {
  const problems = new Set<string>();
  for (const [job, texts] of bodies) {
    for (const text of texts) {
      for (const family of parseExposition(text).values()) {
        const real = corpus.families.get(family.name);
        if (!real?.jobs.includes(job)) {
          problems.add(`${job}: ${family.name} is not something the exporter serves`);
          continue;
        }
        if (real.type !== family.type)
          problems.add(`${job}: ${family.name} is a ${real.type}, not a ${family.type}`);
        for (const sample of family.samples) {
          // The simulator's output is the exporter's, before any target label is attached.
          for (const problem of shapeProblems(corpus, new Map(), job, sample.name, sample.labels)) {
            problems.add(`${job}: ${problem}`);
          }
        }
      }
    }
  }
  return [...problems].sort();
}

describe("the cluster simulator against the exporter corpus", () => {
  it("serves, healthy, only series shaped as the real exporters shape them", async () => {
    expect(problemsOf(await served(false))).toEqual([]);
  });

  it("serves, with every cluster fault applied, only series shaped as the real exporters shape them", async () => {
    expect(problemsOf(await served(true))).toEqual([]);
  });

  it('reports an ownerless pod written as owner_kind="<none>" (so the checks above can fail)', async () => {
    const bodies = await served(true);
    const ksm = bodies.get("kube-state-metrics")?.[0] ?? "";
    const ownerless = `kube_pod_owner{namespace="plue",pod="debug-shell",uid="u-1",owner_kind="<none>",owner_name="<none>",owner_is_controller="<none>"} 1\n`;
    const tampered = ksm.replace(/^(# TYPE kube_pod_owner gauge\n)/m, `$1${ownerless}`);
    expect(tampered).not.toBe(ksm);
    expect(problemsOf(new Map([["kube-state-metrics", [tampered]]])).join("\n")).toMatch(
      /kube_pod_owner: owner_kind="<none>" is not a value the exporter uses/,
    );
  });
});
