// The catalog and everything the rules and dashboards match on agree with the recorded corpus of real
// exporter output: each metric exists with the catalog's type and labels, and each label value a rule
// or panel selects on is one the exporter really emits. A matcher on a value the exporter never
// writes (owner_kind="<none>" after kube-state-metrics v2.8.0) can never match, and nothing else
// would say so.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalog, expandJobs, readsOf } from "../../src/catalog/index.ts";
import { PLUE_SERVICES } from "../../src/catalog/plue-services.ts";
import type { LabelMatcher } from "../../src/catalog/promql.ts";
import { panelQueries } from "../../src/dashboards/index.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { testConfig } from "../helpers/config.ts";
import {
  attachedLabels,
  CORPUS_DIR,
  CORPUS_FILES,
  type Corpus,
  familiesWithoutSource,
  loadCorpus,
  PROMETHEUS_SERIES,
  type SeriesShape,
} from "./corpus.ts";

const corpus = loadCorpus();
const attached = attachedLabels();
const config = testConfig({
  postgresExporterDsn: "postgresql://exporter@db.plue.svc:5432/plue?sslmode=require",
});

describe("the exporter corpus", () => {
  it.each(Object.keys(CORPUS_FILES))("%s names the exporter, its version and its sources", (file) => {
    const header = corpus.headers.get(file) ?? [];
    expect(
      header.find((line) => line.startsWith("# Corpus: ")),
      file,
    ).toMatch(/ v?\d+\.\d+/);
    expect(corpus.unsourced.get(file), `${file}: families without a "# source: repo path@tag" line`).toEqual(
      [],
    );
  });

  it("finds a family that cites no source (so the check above can fail)", () => {
    const text = readFileSync(join(CORPUS_DIR, "kubelet.prom"), "utf8").replace(/^# source: .*\n/gm, "");
    expect(familiesWithoutSource(text)).toContain("kubelet_volume_stats_available_bytes");
  });
});

/** The corpus series a catalog metric stands for: a histogram's are its _bucket/_count/_sum. */
function seriesOfFamily(corpus: Corpus, family: string): SeriesShape[] {
  return [family, `${family}_bucket`, `${family}_count`, `${family}_sum`, `${family}_total`]
    .map((name) => corpus.series.get(name))
    .filter((shape): shape is SeriesShape => shape !== undefined);
}

const labelsOf = (shapes: readonly SeriesShape[]) =>
  new Set(shapes.flatMap((shape) => [...shape.values.keys(), ...shape.emptied]));

describe("the catalog against the corpus", () => {
  const covered = catalog.filter(
    (metric) =>
      !PROMETHEUS_SERIES.has(metric.name) &&
      [...expandJobs(metric.jobs, PLUE_SERVICES)].some((job) => corpus.seriesOfJob.has(job)),
  );

  it("covers every exporter metric of the catalog but Prometheus' own", () => {
    const uncovered = catalog.filter((metric) => !covered.includes(metric)).map((metric) => metric.name);
    expect(uncovered).toEqual(["up"]);
    expect(covered.length).toBeGreaterThan(30);
  });

  it.each(covered.map((metric) => [metric.name, metric] as const))(
    "%s: the exporter emits it, with the catalog's type and labels",
    (_, metric) => {
      const family = corpus.families.get(metric.name);
      expect(family, `${metric.name} is in no corpus file`).toBeDefined();
      expect(family?.type).toBe(metric.type);
      const jobs = [...expandJobs(metric.jobs, PLUE_SERVICES)];
      const available = new Set([
        ...labelsOf(seriesOfFamily(corpus, metric.name)),
        ...jobs.flatMap((job) => [...(attached.get(job)?.target ?? [])]),
      ]);
      expect(metric.labels.filter((label) => !available.has(label))).toEqual([]);
    },
  );
});

interface Selection {
  source: string;
  metric: string;
  jobs: string[];
  matcher: LabelMatcher;
}

/** Every label matcher of every rule and panel query, with the jobs its selector reads. */
function selections(): Selection[] {
  const expressions = [
    ...ruleFiles(config).flatMap((file) =>
      file.groups.flatMap((group) =>
        group.rules.map((rule) => ({
          source: "alert" in rule ? `alert ${rule.alert}` : `record ${rule.record}`,
          expr: rule.expr,
        })),
      ),
    ),
    ...panelQueries(config).map((query) => ({ source: `panel ${query.source}`, expr: query.expr })),
  ];
  return expressions.flatMap(({ source, expr }) =>
    readsOf(expr).selectors.flatMap((selector) => {
      const metric = selector.metric;
      if (!metric) return [];
      const jobs =
        selector.jobs ?? [...corpus.seriesOfJob].filter(([, names]) => names.has(metric)).map(([job]) => job);
      return selector.matchers
        .filter((matcher) => matcher.label !== "__name__" && matcher.label !== "job")
        .map((matcher) => ({ source, metric, jobs, matcher }));
    }),
  );
}

/** Why a matcher can never select what the exporter emits, or undefined when it can. */
function unmatchable(shape: SeriesShape, matcher: LabelMatcher): string | undefined {
  const { label, op, value } = matcher;
  const known = shape.values.get(label);
  const sometimesAbsent =
    shape.emptied.has(label) || [...shape.labelSets].some((set) => !set.split(",").includes(label));
  if (!known && !shape.emptied.has(label)) return `the exporter has no label ${label}`;
  if (op === "=" && value === "") return sometimesAbsent ? undefined : `${label} is never empty`;
  const writes = `it writes ${[...(known ?? [])].sort().join(", ")}`;
  // A plain alternation (Pending|Unknown) must name values the exporter writes, each of them; any
  // other regular expression must match at least one.
  const literal = op === "=" || (op === "=~" && !/[.*+?()[\]{}^$\\]/.test(value));
  if (literal) {
    const alternatives = op === "=" ? [value] : value.split("|");
    const unknown = alternatives.filter((alternative) => !known?.has(alternative));
    if (unknown.length > 0) {
      return `the exporter never writes ${label}=${unknown.map((v) => JSON.stringify(v)).join(" or ")} (${writes})`;
    }
  } else if (op === "=~") {
    const regex = new RegExp(`^(?:${value})$`);
    if (![...(known ?? [])].some((candidate) => regex.test(candidate))) return `no value matches (${writes})`;
  }
  return undefined;
}

describe("what rules and panels match on, against the corpus", () => {
  const all = selections();

  it("finds matchers on exporter metrics to check", () => {
    expect(
      all.filter((s) => s.jobs.some((job) => corpus.seriesOfJob.get(job)?.has(s.metric))).length,
    ).toBeGreaterThan(30);
  });

  it("selects only label values the exporters really emit", () => {
    const problems = all.flatMap(({ source, metric, jobs, matcher }) =>
      jobs.flatMap((job) => {
        if (!corpus.seriesOfJob.get(job)?.has(metric)) return [];
        // A variable ($namespace) or a target label is not the exporter's to emit.
        if (
          matcher.value.includes("$") ||
          (attached.get(job)?.target.has(matcher.label) &&
            !corpus.series.get(metric)?.values.has(matcher.label))
        )
          return [];
        const shape = corpus.series.get(metric);
        const why = shape && unmatchable(shape, matcher);
        return why ? [`${source}: ${metric}{${matcher.label}${matcher.op}"${matcher.value}"}: ${why}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('reports a matcher on a value the exporter never writes (kube_pod_owner{owner_kind="<none>"})', () => {
    const shape = corpus.series.get("kube_pod_owner");
    if (!shape) throw new Error("kube_pod_owner is not in the corpus");
    expect(unmatchable(shape, { label: "owner_kind", op: "=", value: "<none>" })).toMatch(/never writes/);
    expect(unmatchable(shape, { label: "owner_kind", op: "=", value: "" })).toBeUndefined();
    expect(unmatchable(shape, { label: "owner_kind", op: "=", value: "ReplicaSet" })).toBeUndefined();
  });
});
