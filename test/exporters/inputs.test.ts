// The series the promtool rule tests and the dashboard tests feed Prometheus are shaped as the real
// exporters shape them: a name the exporter emits, one of its label sets plus the target labels the
// scrape job attaches, and vocabulary values it really writes. A rule proven on series of our own
// invention proves nothing about the cluster.
import { describe, expect, it } from "vitest";
import { clusterSeries, directSeries, httpSeries, resourceSeries } from "../dashboards/exporter-series.ts";
import { casesByRuleFile } from "../rules/cases/index.ts";
import {
  attachedLabels,
  loadCorpus,
  PROMETHEUS_SERIES,
  parseSeriesNotation,
  shapeProblems,
} from "./corpus.ts";

const corpus = loadCorpus();
const attached = attachedLabels();

interface Input {
  source: string;
  series: string;
}

const ruleInputs: Input[] = Object.entries(casesByRuleFile).flatMap(([file, cases]) =>
  cases.flatMap((testCase) =>
    testCase.series.map((input) => ({ source: `${file}: ${testCase.name}`, series: input.series })),
  ),
);
const dashboardInputs: Input[] = [...httpSeries, ...resourceSeries, ...clusterSeries, ...directSeries].map(
  (input) => ({ source: "dashboard series", series: input.series }),
);

function problemsOf(inputs: readonly Input[]): string[] {
  const problems = new Set<string>();
  for (const input of inputs) {
    const { name, labels } = parseSeriesNotation(input.series);
    const job = labels.job;
    if (PROMETHEUS_SERIES.has(name)) continue;
    if (!job) {
      problems.add(`${input.source}: ${input.series} has no job`);
      continue;
    }
    for (const problem of shapeProblems(corpus, attached, job, name, labels)) {
      problems.add(`${input.source}: ${problem}`);
    }
  }
  return [...problems].sort();
}

describe("test inputs against the exporter corpus", () => {
  it("reads every promtool case's series", () => {
    expect(ruleInputs.length).toBeGreaterThan(100);
  });

  it("promtool rule tests use only series shaped as the real exporters shape them", () => {
    expect(problemsOf(ruleInputs)).toEqual([]);
  });

  it("dashboard tests use only series shaped as the real exporters shape them", () => {
    expect(problemsOf(dashboardInputs)).toEqual([]);
  });

  it('reports an input with owner_kind="<none>" or a label the exporter lacks (so the checks above can fail)', () => {
    const problems = problemsOf([
      {
        source: "bad",
        series:
          'kube_pod_owner{job="kube-state-metrics", instance="10.0.0.1:8080", namespace="plue", pod="p", uid="u", owner_kind="<none>", owner_name="<none>", owner_is_controller="<none>"}',
      },
      {
        source: "bad",
        series:
          'kube_node_spec_unschedulable{job="kube-state-metrics", instance="i", node="n", namespace="monitoring"}',
      },
    ]);
    expect(problems.join("\n")).toMatch(/owner_kind="<none>" is not a value the exporter uses/);
    expect(problems.join("\n")).toMatch(/kube_node_spec_unschedulable\{[^}]*namespace/);
  });
});
