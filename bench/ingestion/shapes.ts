// The scale fixtures (bench/fixtures/ingestion/*.shape.tsv, derived by derive-shapes.ts) multiplied
// out: the exposition one scrape target serves for its share of a cluster, and the series each name
// contributes per cluster, node and pod.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  isScope,
  REFERENCE_CLUSTER,
  SCOPES,
  type Scope,
  scopeCoefficients,
  scopeCounts,
} from "../../src/sizing/cluster-shape.ts";

export interface ShapeRow {
  name: string;
  scope: Scope;
  /** Series per instance of the scope; fractional when only some instances have them. */
  series: number;
  labels: string[];
  valueBytes: number;
}

const FIXTURES = fileURLToPath(new URL("../fixtures/ingestion/", import.meta.url));

export function loadShape(file: string): { rows: ShapeRow[]; header: string[] } {
  const text = readFileSync(FIXTURES + file, "utf8");
  const header: string[] = [];
  const rows: ShapeRow[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) header.push(line.slice(2));
    if (line === "" || line.startsWith("#")) continue;
    const [name, scope, series, labels, valueBytes] = line.split("\t");
    if (!name || !scope || !isScope(scope)) throw new Error(`${file}: bad row ${JSON.stringify(line)}`);
    rows.push({
      name,
      scope,
      series: Number(series),
      labels: labels ? labels.split(",") : [],
      valueBytes: Number(valueBytes ?? 0),
    });
  }
  return { rows, header };
}

/** Which instances of each scope one target reports on: [first, end) in the cluster's numbering. */
export type InstanceRanges = Partial<Record<Scope, [number, number]>>;

/** How many series instances [first, end) of a row have: fractions spread evenly, summing exactly. */
const seriesIn = (row: ShapeRow, first: number, end: number) =>
  Math.round(end * row.series) - Math.round(first * row.series);

/**
 * The exposition text of one target. Label names are the recorded ones; values are made up, unique
 * per series, and padded to the recorded mean length so the head holds as many bytes as the real one.
 */
export function exposition(rows: readonly ShapeRow[], ranges: InstanceRanges): string {
  const lines: string[] = [];
  for (const row of rows) {
    const range = ranges[row.scope];
    if (!range) continue;
    const code = SCOPES.indexOf(row.scope);
    const padding = row.labels.length === 0 ? 0 : Math.floor(row.valueBytes / row.labels.length);
    for (let instance = range[0]; instance < range[1]; instance++) {
      const count = seriesIn(row, instance, instance + 1);
      for (let k = 0; k < count; k++) {
        const base = `${code}.${instance}.${k}`;
        const value = base.length >= padding ? base : base + "x".repeat(padding - base.length);
        const labels = row.labels.map((label) => `${label}="${value}"`).join(",");
        lines.push(`${row.name}${labels ? `{${labels}}` : ""} 1`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Instances [first, end) of `count` things that node `index` of `nodes` holds. */
export function share(count: number, index: number, nodes: number): [number, number] {
  return [Math.floor((index * count) / nodes), Math.floor(((index + 1) * count) / nodes)];
}

/** Every object of the reference cluster, for a target that reports on the whole cluster. */
export function wholeCluster(): InstanceRanges {
  const ranges: InstanceRanges = {
    target: [0, 1],
    node: [0, REFERENCE_CLUSTER.nodes],
    pod: [0, REFERENCE_CLUSTER.pods],
  };
  for (const [scope, count] of Object.entries(REFERENCE_CLUSTER.objects)) ranges[scope as Scope] = [0, count];
  return ranges;
}

/**
 * What node `index` of a cluster (the reference cluster unless given) holds: itself, its pods,
 * containers and claims.
 */
export function oneNode(
  index: number,
  nodes: number = REFERENCE_CLUSTER.nodes,
  pods: number = REFERENCE_CLUSTER.pods,
): InstanceRanges {
  const counts = scopeCounts(nodes, pods);
  return {
    target: [0, 1],
    node: [index, index + 1],
    pod: share(pods, index, nodes),
    container: share(counts.container, index, nodes),
    persistentvolumeclaim: share(counts.persistentvolumeclaim, index, nodes),
  };
}

/** Series per [cluster, node, pod] of each name, for a job of per-node targets or of `targets` in all. */
export function coefficients(
  rows: readonly ShapeRow[],
  targets: "per node" | number,
): Record<string, [number, number, number]> {
  const result: Record<string, [number, number, number]> = {};
  for (const row of rows) {
    const sum = result[row.name] ?? [0, 0, 0];
    result[row.name] = sum;
    const per: [number, number, number] =
      row.scope === "target"
        ? targets === "per node"
          ? [0, 1, 0]
          : [targets, 0, 0]
        : scopeCoefficients(row.scope);
    for (let i = 0; i < 3; i++) sum[i] = (sum[i] as number) + row.series * (per[i] as number);
  }
  return result;
}
