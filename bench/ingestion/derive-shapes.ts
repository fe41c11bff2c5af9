// Derives the scale fixtures (bench/fixtures/ingestion/*.shape.tsv) from real recorded expositions:
// for every series name an exporter serves, how many series it has per scrape target, node, pod,
// container or other object. The bench multiplies them out to any cluster size.
//
//   npx tsx bench/ingestion/derive-shapes.ts --nri DIR --ksm DIR --cadvisor DIR
//
// DIR are git directories of newrelic/nri-kubernetes, kubernetes/kube-state-metrics and
// google/cadvisor; the revisions read are the constants below. Run it again only to move to newer
// recordings or pins, and say so in the headers it writes.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { kubeStateMetricsResources } from "../../src/kubernetes/kube-state-metrics.ts";
import { parseSamples, type Sample } from "./exposition-text.ts";

const NRI_COMMIT = "22a20cdfc60d9c982998404af885d1b787553fb6";
const NRI_DATA = "internal/testutil/data/1_35";
const KSM_TAG = "v2.20.0";
const CADVISOR_TAG = "v0.60.5";

const FIXTURES = fileURLToPath(new URL("../fixtures/ingestion/", import.meta.url));
const CORPUS = fileURLToPath(new URL("../../test/fixtures/exporters/", import.meta.url));

interface Row {
  name: string;
  scope: string;
  series: number;
  labels: string[];
  /** Mean length of a series' label values together: label values are most of a head series' memory. */
  valueBytes: number;
}

const gitShow = (dir: string, rev: string, path: string) =>
  execFileSync("git", ["-C", dir, "show", `${rev}:${path}`], { maxBuffer: 1 << 28 }).toString();

/** Series per instance of each (name, scope), and the label names seen. */
function rows(samples: Sample[], scopeOf: (sample: Sample) => string, instances: (scope: string) => number) {
  const byKey = new Map<string, Row>();
  for (const sample of samples) {
    const scope = scopeOf(sample);
    const key = `${sample.name}\t${scope}`;
    const row = byKey.get(key) ?? { name: sample.name, scope, series: 0, labels: [], valueBytes: 0 };
    row.series += 1;
    row.valueBytes += Object.values(sample.labels).reduce((sum, value) => sum + value.length, 0);
    for (const label of Object.keys(sample.labels)) if (!row.labels.includes(label)) row.labels.push(label);
    byKey.set(key, row);
  }
  return [...byKey.values()]
    .map((row) => ({
      ...row,
      series: row.series / instances(row.scope),
      labels: row.labels.sort(),
      valueBytes: Math.round(row.valueBytes / row.series),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.scope.localeCompare(b.scope));
}

function distinct(samples: Sample[], key: (sample: Sample) => string | undefined): number {
  return new Set(samples.map(key).filter((value) => value !== undefined && value !== "")).size;
}

function write(file: string, header: string[], table: Row[]) {
  const lines = [
    ...header.map((line) => `# ${line}`.trimEnd()),
    "# name\tscope\tseries per instance\tlabel names\tmean bytes of label values",
    ...table.map((row) =>
      [row.name, row.scope, +row.series.toFixed(4), row.labels.join(","), row.valueBytes].join("\t"),
    ),
  ];
  writeFileSync(FIXTURES + file, `${lines.join("\n")}\n`);
  const total = table.reduce((sum, row) => sum + row.series, 0);
  console.log(`${file}: ${table.length} rows, ${total.toFixed(1)} series over one instance of each scope`);
}

const recordingSource = (path: string) =>
  `newrelic/nri-kubernetes ${NRI_DATA}/${path}@${NRI_COMMIT.slice(0, 12)} (recorded 2026-06-26, README.md beside it)`;

function cadvisor(nri: string, cadvisorDir: string) {
  const samples = parseSamples(gitShow(nri, NRI_COMMIT, `${NRI_DATA}/kubelet/metrics/cadvisor`));
  const pods = distinct(samples, (s) => (s.labels.pod ? `${s.labels.namespace}/${s.labels.pod}` : undefined));
  const containers = distinct(samples, (s) =>
    s.labels.container ? `${s.labels.namespace}/${s.labels.pod}/${s.labels.container}` : undefined,
  );
  const scopeOf = (s: Sample) => (s.labels.container ? "container" : s.labels.pod ? "pod" : "node");
  const table = rows(samples, scopeOf, (scope) => ({ container: containers, pod: pods })[scope] ?? 1);
  const source = ["lib/metrics/prometheus.go", "lib/metrics/prometheus_machine.go"]
    .map((path) => gitShow(cadvisorDir, CADVISOR_TAG, path))
    .join("\n");
  const upstream = new Set(
    [...source.matchAll(/"((?:container|machine|cadvisor)_[a-z0-9_]+)"/g)].map((m) => m[1]),
  );
  // Both collectors name their error gauge by Namespace "container" / "machine" and Name "scrape_error".
  if (source.includes('"scrape_error"'))
    for (const name of ["container_scrape_error", "machine_scrape_error"]) upstream.add(name);
  const familyOf = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
  const notUpstream = [...new Set(table.map((row) => row.name).filter((n) => !upstream.has(familyOf(n))))];
  write(
    "cadvisor.shape.tsv",
    [
      "Scale fixture: the kubelet's /metrics/cadvisor, every series name it serves, per node, pod and container.",
      `Derived from a real recording: ${recordingSource("kubelet/metrics/cadvisor")}:`,
      "  Kubernetes v1.35.0 (minikube, containerd 2.2.1, one node), every family the kubelet serves, not only the ones",
      `  our rules read. ${pods} pods, ${containers} containers in it. A series with a container label is per`,
      "  container; with a pod label only (the pod cgroup, the sandbox) per pod; the rest (root, kubepods and system",
      "  cgroups, machine_*) per node. Series per instance = series in the recording / instances in it.",
      `Checked against google/cadvisor lib/metrics/prometheus.go and prometheus_machine.go@${CADVISOR_TAG} (the cAdvisor`,
      "  the pinned Kubernetes vendors, test/fixtures/exporters/cadvisor.prom): names the recording has that",
      `  ${CADVISOR_TAG}'s prometheus.go does not name: ${notUpstream.join(", ") || "none"}.`,
      "Caveat: v1.35.0, not the pinned v1.37.0; one minikube node, so per-node cgroups are a small machine's.",
    ],
    table,
  );
}

const KSM_IDENTITY: Record<string, string> = { job: "job_name" };

function kubeStateMetrics(nri: string, ksmDir: string) {
  const all = parseSamples(gitShow(nri, NRI_COMMIT, `${NRI_DATA}/ksm/metrics`));
  const resourceOf = (name: string) => /^kube_([a-z]+?)(?:_|$)/.exec(name)?.[1] ?? "";
  const plural = (singular: string) => (singular.endsWith("s") ? `${singular}es` : `${singular}s`);
  const enabled = new Set(Object.keys(kubeStateMetricsResources));
  const samples = all.filter((s) => enabled.has(plural(resourceOf(s.name))));
  const skipped = [...new Set(all.filter((s) => !samples.includes(s)).map((s) => resourceOf(s.name)))].sort();
  const docs = execFileSync("git", ["-C", ksmDir, "ls-tree", "-r", "--name-only", KSM_TAG, "docs/metrics"])
    .toString()
    .trim()
    .split("\n")
    .map((path) => gitShow(ksmDir, KSM_TAG, path))
    .join("\n");
  const documented = new Set([...docs.matchAll(/\|\s*(kube_[a-z0-9_]+)\s*\|/g)].map((m) => m[1]));
  const undocumented = [...new Set(samples.map((s) => s.name).filter((n) => !documented.has(n)))].sort();
  const kept = samples.filter((s) => documented.has(s.name));

  const scopeOf = (s: Sample) => {
    const resource = resourceOf(s.name);
    if (resource !== "pod") return resource;
    if (s.name.startsWith("kube_pod_init_container_")) return "pod";
    if (s.labels.container) return "container";
    if (s.labels.persistentvolumeclaim) return "persistentvolumeclaim";
    return "pod";
  };
  const counts = new Map<string, number>();
  const instances = (scope: string) => {
    if (!counts.has(scope)) {
      const identity =
        scope === "container"
          ? (s: Sample) =>
              s.labels.container ? `${s.labels.namespace}/${s.labels.pod}/${s.labels.container}` : undefined
          : (s: Sample) => {
              const label = KSM_IDENTITY[scope] ?? scope;
              return s.labels[label] ? `${s.labels.namespace ?? ""}/${s.labels[label]}` : undefined;
            };
      // Counted over the resource's own families: kube_pod_info carries node and namespace too.
      const resource = scope;
      const from =
        scope === "container"
          ? kept.filter((s) => s.name === "kube_pod_container_info")
          : kept.filter((s) => resourceOf(s.name) === resource);
      counts.set(scope, Math.max(1, distinct(from, identity)));
    }
    return counts.get(scope) as number;
  };
  const table = rows(kept, scopeOf, instances);
  const scopes = [...new Set(table.map((row) => row.scope))].sort();
  write(
    "kube-state-metrics.shape.tsv",
    [
      "Scale fixture: kube-state-metrics /metrics, every series name it serves for the resources we enable",
      "  (src/kubernetes/kube-state-metrics.ts kubeStateMetricsResources), per object.",
      `Derived from a real recording: ${recordingSource("ksm/metrics")}:`,
      "  kube-state-metrics v2.19.0 (datagen.sh KSM_IMAGE_VERSIONS for v1.35.0) with default flags on a one-node",
      "  Kubernetes v1.35.0. A kube_pod_* series with a container label is per container (kube_pod_init_container_*",
      "  per pod), one with a persistentvolumeclaim label per claim; kube_<resource>_* per object of that resource.",
      `  Objects in the recording: ${scopes.map((scope) => `${scope} ${instances(scope)}`).join(", ")}.`,
      `Checked against kubernetes/kube-state-metrics docs/metrics/**@${KSM_TAG} (the pinned version): names recorded`,
      `  but not documented there are left out: ${undocumented.join(", ") || "none"}.`,
      `Resources in the recording we do not enable, left out: ${skipped.join(", ") || "none"}.`,
      "Enabled resources the recording has no objects of, so no series here: ingresses, poddisruptionbudgets,",
      "  replicationcontrollers. Families that exist only in some states (waiting reasons, terminated, deletion",
      "  timestamps) are counted as often as the recording's pods were in those states.",
    ],
    table,
  );
}

function apiserver(nri: string) {
  const samples = parseSamples(gitShow(nri, NRI_COMMIT, `${NRI_DATA}/controlplane/api-server/metrics`));
  const table = rows(
    samples,
    () => "target",
    () => 1,
  );
  write(
    "apiserver.shape.tsv",
    [
      "Scale fixture: kube-apiserver /metrics, every series name, per apiserver.",
      `Derived from a real recording: ${recordingSource("controlplane/api-server/metrics")}:`,
      "  Kubernetes v1.35.0, a fresh one-node minikube cluster (few resources used, no CRDs). An apiserver's series",
      "  grow with the API resources, verbs and CRDs in use, not with nodes or pods; a busy cluster's apiserver",
      "  serves more (poseidon/typhoon#596: apiserver_request_duration_seconds_bucket alone ~10k series in a",
      "  typical cluster), so this is a floor.",
      "Caveat: v1.35.0, not the pinned cluster's v1.37.0.",
    ],
    table,
  );
}

function kubelet() {
  const samples = parseSamples(readFileSync(`${CORPUS}kubelet.prom`, "utf8"));
  const claims = distinct(samples, (s) => s.labels.persistentvolumeclaim);
  const table = rows(
    samples,
    (s) => (s.labels.persistentvolumeclaim ? "persistentvolumeclaim" : "node"),
    (scope) => (scope === "persistentvolumeclaim" ? claims : 1),
  );
  write(
    "kubelet.shape.tsv",
    [
      "Scale fixture: the kubelet's /metrics, only the families test/fixtures/exporters/kubelet.prom holds (the ones",
      "  our rules read, derived from kubernetes/kubernetes as its header says), per node and per claim.",
      "UPSTREAM NOT REACHED for the rest: no recording of a whole kubelet /metrics at a current version could be read",
      "  here (kubernetes/kubernetes is not mirrored; DataDog/integrations-core kubelet/tests/fixtures/",
      "  kubelet_metrics_1_21.txt, v1.21, is beyond what could be brought here). The bench adds the best documented",
      "  figure for the families not in this file, without scraping them: KUBELET_UNREAD_SERIES_PER_NODE in",
      "  bench/ingestion/documented.ts, with its source.",
    ],
    table,
  );
}

const { values } = parseArgs({
  options: { nri: { type: "string" }, ksm: { type: "string" }, cadvisor: { type: "string" } },
});
if (!values.nri || !values.ksm || !values.cadvisor) {
  console.error("usage: derive-shapes.ts --nri DIR --ksm DIR --cadvisor DIR (git directories)");
  process.exit(2);
}
cadvisor(values.nri, values.cadvisor);
kubeStateMetrics(values.nri, values.ksm);
apiserver(values.nri);
kubelet();
