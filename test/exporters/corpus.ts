// The recorded corpus of real exporter output (test/fixtures/exporters/*.prom): what each exporter we
// deploy or scrape serves at the version we pin, derived from the exporter's own source and test data
// (each file's header says where). It is the one truth the catalog, the cluster simulator and the
// promtool inputs are held to: they were all written from our own beliefs, and a belief shared by the
// rules and their tests is a defect no test can otherwise catch.
//
// A shape is what Prometheus stores after the scrape: a label exported empty ("") is no label at all,
// so a series' label set is its non-empty labels.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cluster } from "../../src/deployment.ts";
import { type FamilyType, parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { jobSpecs } from "../../src/prometheus/index.ts";
import type { JobSpec } from "../../src/prometheus/jobs/types.ts";
import { testConfig } from "../helpers/config.ts";

export const CORPUS_DIR = join(import.meta.dirname, "..", "fixtures", "exporters");

/**
 * Each corpus file and the scrape jobs whose series it shows. An exporter's label sets are exact; a
 * Plue service is held to its contract's labels instead (check-metrics): an OpenTelemetry SDK adds
 * otel_scope_* labels that a prom-client service does not have, and both conform.
 */
export const CORPUS_FILES: Readonly<
  Record<string, { jobs: readonly string[]; labels: "exact" | "contract" }>
> = {
  "kube-state-metrics.prom": { jobs: ["kube-state-metrics"], labels: "exact" },
  "kubelet.prom": { jobs: ["kubelet"], labels: "exact" },
  "cadvisor.prom": { jobs: ["cadvisor"], labels: "exact" },
  "node-exporter.prom": { jobs: ["node-exporter"], labels: "exact" },
  "blackbox-exporter.prom": { jobs: ["blackbox"], labels: "exact" },
  "blackbox-exporter-failed.prom": { jobs: ["blackbox"], labels: "exact" },
  "postgres-exporter.prom": { jobs: ["postgres-exporter"], labels: "exact" },
  "postgres-exporter-down.prom": { jobs: ["postgres-exporter"], labels: "exact" },
  "cert-manager.prom": { jobs: ["kubernetes-pods"], labels: "exact" },
  "otel-sdk-service.prom": { jobs: ["api", "web", "electric"], labels: "contract" },
  "prometheus.prom": { jobs: ["prometheus"], labels: "exact" },
  "alertmanager.prom": { jobs: ["alertmanager"], labels: "exact" },
  "config-reloader.prom": { jobs: ["config-reloader"], labels: "exact" },
};

/** Series Prometheus writes itself (for every target, or for alerts): no exporter's corpus shows them. */
export const PROMETHEUS_SERIES: ReadonlySet<string> = new Set([
  "up",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
  "scrape_samples_post_metric_relabeling",
  "scrape_series_added",
  "ALERTS",
  "ALERTS_FOR_STATE",
]);

/**
 * Jobs that scrape whatever pod asks to be scraped: their corpus shows the exporters the rules read
 * from them (cert-manager), not everything they may carry.
 */
export const OPEN_JOBS: ReadonlySet<string> = new Set(["kubernetes-pods"]);

/**
 * Labels whose values come from a fixed vocabulary in the exporter's source (phases, condition
 * statuses, resources and units, owner kinds, CPU modes, connection states…). A value the simulator or
 * a test input uses for one of them must be one the real exporter emits; free-form labels (names,
 * uids, addresses) are only held to their presence.
 */
export const VOCABULARY_LABELS: ReadonlySet<string> = new Set([
  "phase",
  "condition",
  "status",
  "reason",
  "resource",
  "unit",
  "owner_kind",
  "owner_is_controller",
  "created_by_kind",
  "access_mode",
  "container_state",
  "cpu",
  "mode",
  "state",
  "db_client_connection_state",
]);

/** The shape of one series name (a histogram's _bucket, _count and _sum each have their own). */
export interface SeriesShape {
  /** Each distinct set of non-empty label names, as sorted names joined by ",". */
  labelSets: Set<string>;
  /** Non-empty values seen per label. */
  values: Map<string, Set<string>>;
  /** Labels some series exports empty: Prometheus stores those series without the label. */
  emptied: Set<string>;
  /** Where it was seen. */
  file: string;
}

export interface Corpus {
  /** Family name → its type, per file that shows it. */
  families: Map<string, { type: FamilyType; file: string; jobs: readonly string[] }>;
  /** Series name → shape, merged across the files that show it. */
  series: Map<string, SeriesShape>;
  /** Job → the series names its corpus files show. */
  seriesOfJob: Map<string, Set<string>>;
  /** Jobs held to their contract's labels rather than exact label sets. */
  contractJobs: Set<string>;
  /** Per file, the header lines (comments before the first HELP/TYPE). */
  headers: Map<string, string[]>;
  /** Per file, families without a `# source:` comment right before them. */
  unsourced: Map<string, string[]>;
}

export const labelSetKey = (names: Iterable<string>): string => [...names].sort().join(",");

export function loadCorpus(dir = CORPUS_DIR): Corpus {
  const corpus: Corpus = {
    families: new Map(),
    series: new Map(),
    seriesOfJob: new Map(),
    contractJobs: new Set(),
    headers: new Map(),
    unsourced: new Map(),
  };
  const present = new Set(readdirSync(dir).filter((name) => name.endsWith(".prom")));
  for (const [file, { jobs, labels }] of Object.entries(CORPUS_FILES)) {
    if (!present.has(file)) throw new Error(`corpus file ${file} is missing from ${dir}`);
    if (labels === "contract") for (const job of jobs) corpus.contractJobs.add(job);
    const text = readFileSync(join(dir, file), "utf8");
    corpus.headers.set(file, headerOf(text));
    corpus.unsourced.set(file, familiesWithoutSource(text));
    for (const family of parseExposition(text).values()) {
      corpus.families.set(family.name, { type: family.type, file, jobs });
      for (const sample of family.samples) {
        const shape = corpus.series.get(sample.name) ?? {
          labelSets: new Set<string>(),
          values: new Map<string, Set<string>>(),
          emptied: new Set<string>(),
          file,
        };
        corpus.series.set(sample.name, shape);
        const kept = Object.entries(sample.labels).filter(([, value]) => value !== "");
        shape.labelSets.add(labelSetKey(kept.map(([name]) => name)));
        for (const [name, value] of Object.entries(sample.labels)) {
          if (value === "") shape.emptied.add(name);
          else {
            const values = shape.values.get(name) ?? new Set<string>();
            values.add(value);
            shape.values.set(name, values);
          }
        }
        for (const job of jobs) {
          const names = corpus.seriesOfJob.get(job) ?? new Set<string>();
          names.add(sample.name);
          corpus.seriesOfJob.set(job, names);
        }
      }
    }
  }
  const extra = [...present].filter((file) => !(file in CORPUS_FILES));
  if (extra.length > 0) throw new Error(`corpus files no test reads: ${extra.join(", ")}`);
  return corpus;
}

function headerOf(text: string): string[] {
  const lines = text.split("\n");
  const end = lines.findIndex(
    (line) => /^# (HELP|TYPE) /.test(line) || (line !== "" && !line.startsWith("#")),
  );
  return lines.slice(0, end === -1 ? lines.length : end);
}

/** Families whose first HELP/TYPE line has no `# source:` line among the comments just above it. */
export function familiesWithoutSource(text: string): string[] {
  const lines = text.split("\n");
  const seen = new Set<string>();
  const missing: string[] = [];
  lines.forEach((line, index) => {
    const match = /^# (?:HELP|TYPE) (\S+)/.exec(line);
    if (!match?.[1] || seen.has(match[1])) return;
    seen.add(match[1]);
    let at = index - 1;
    let sourced = false;
    while (at >= 0 && lines[at]?.startsWith("#") && !/^# (HELP|TYPE) /.test(lines[at] ?? "")) {
      if (/^# source: \S+\/\S+ \S+@\S+/.test(lines[at] ?? "")) sourced = true;
      at--;
    }
    if (!sourced) missing.push(match[1]);
  });
  return missing;
}

/** What a job's scrape does to an exporter's labels. */
export interface JobLabels {
  /** Labels Prometheus attaches to every series of the job's targets (DESIGN.md "Target labels"). */
  target: Set<string>;
  /**
   * With honor_labels the exporter's own label wins a clash with a target label; without it the
   * exporter's is renamed exported_<label> and the target's stays.
   */
  honorLabels: boolean;
}

/** Each job's target labels, read from the job declarations prometheus.yml is built from. */
export function attachedLabels(): Map<string, JobLabels> {
  const config = testConfig({
    postgresExporterDsn: "postgresql://exporter@db.plue.svc:5432/plue?sslmode=require",
  });
  return new Map(
    jobSpecs(config, cluster).map((spec) => [
      spec.job,
      { target: targetLabelsOf(spec), honorLabels: spec.honorLabels === true },
    ]),
  );
}

function targetLabelsOf(spec: JobSpec): Set<string> {
  const labels = new Set(["job", "instance"]);
  const targets = spec.targets;
  if (targets.kind === "service" || targets.kind === "pod-port") {
    for (const label of targets.labels) labels.add(label);
  }
  if (targets.kind === "nodes") labels.add("node");
  if (targets.kind === "annotated-pods") for (const label of ["namespace", "pod"]) labels.add(label);
  return labels;
}

/** `name{a="x", b="y"}` (promtool's input notation) → its name and labels. */
export function parseSeriesNotation(notation: string): { name: string; labels: Record<string, string> } {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/s.exec(notation.trim());
  if (!match?.[1]) throw new Error(`not a series: ${notation}`);
  const labels: Record<string, string> = {};
  for (const [, name, value] of (match[2] ?? "").matchAll(
    /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g,
  )) {
    labels[name as string] = JSON.parse(`"${value}"`) as string;
  }
  return { name: match[1], labels };
}

/**
 * What is wrong with a series (as Prometheus stores it) against the corpus: a name the exporter
 * does not emit, a label set it never has once the scrape attached `job`'s target labels, or a
 * vocabulary value it never uses. Without a job's labels (the simulator: exporter output as served),
 * label sets must match exactly.
 */
export function shapeProblems(
  corpus: Corpus,
  attached: ReadonlyMap<string, JobLabels>,
  job: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): string[] {
  const shown = corpus.seriesOfJob.get(job);
  if (!shown || PROMETHEUS_SERIES.has(name)) return [];
  const shape = corpus.series.get(name);
  if (!shape || !shown.has(name)) {
    return OPEN_JOBS.has(job) ? [] : [`${name}: job ${job}'s exporter does not emit it`];
  }
  const kept = Object.entries(labels).filter(([, value]) => value !== "");
  // The exporter's own labels, exported_<label> read back as <label>.
  const own = kept.map(([label, value]): [string, string] => [label.replace(/^exported_/, ""), value]);
  if (corpus.contractJobs.has(job)) return vocabularyProblems(shape, name, own);
  const scrape = attached.get(job) ?? { target: new Set<string>(), honorLabels: true };
  const present = new Set(kept.map(([label]) => label));
  const fits = [...shape.labelSets].some((set) => {
    const exporter = set === "" ? [] : set.split(",");
    const stored = exporter.map((label) =>
      scrape.target.has(label) && !scrape.honorLabels ? `exported_${label}` : label,
    );
    const extra = [...present].filter((label) => !stored.includes(label));
    return stored.every((label) => present.has(label)) && extra.every((label) => scrape.target.has(label));
  });
  const problems = fits
    ? []
    : [
        `${name}{${labelSetKey(present)}}: the exporter's series have the labels {${[...shape.labelSets].join("} or {")}}${scrape.target.size > 0 ? `, plus the target labels ${[...scrape.target].join(", ")}${scrape.honorLabels ? "" : " (clashing exporter labels renamed exported_*)"}` : ""} (${shape.file})`,
      ];
  return [...problems, ...vocabularyProblems(shape, name, own)];
}

function vocabularyProblems(shape: SeriesShape, name: string, labels: [string, string][]): string[] {
  return labels.flatMap(([label, value]) => {
    const known = shape.values.get(label);
    if (!VOCABULARY_LABELS.has(label) || !known || known.has(value)) return [];
    return [
      `${name}: ${label}="${value}" is not a value the exporter uses (${[...known].sort().join(", ")})`,
    ];
  });
}
