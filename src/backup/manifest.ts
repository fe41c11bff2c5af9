// What a Prometheus backup is: the blocks of one TSDB snapshot and a manifest.json beside them that
// says when it was taken, from which Prometheus, and what time range it holds. `backup` writes it,
// `up --restore` refuses a directory without one. Pure: the CLI does the reading and writing.
//
// The snapshot itself comes from Prometheus' admin API (POST /api/v1/admin/tsdb/snapshot, enabled by
// --web.enable-admin-api), which writes it to `<storage.tsdb.path>/snapshots/<datetime>-<rand>` on
// Prometheus' own filesystem and answers with that name (prometheus/prometheus
// docs/querying/api.md, "TSDB Admin APIs", at v2.42.0 and v3.13.2). Each block in it is a directory
// named by its ULID with a meta.json holding minTime, maxTime (milliseconds, maxTime exclusive) and
// stats (tsdb/block.go BlockMeta, same tags); the head is written out as one more block unless
// skip_head is given (tsdb/db.go DB.Snapshot).
import { isAbsolute, join, posix } from "node:path";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = "plue-monitoring/prometheus-backup/v1";

/** A snapshot name as Prometheus makes it (20171210T211224Z-2be650b6d019eb54): never a path. */
const SNAPSHOT_NAME = /^\d{8}T\d{6}Z-[0-9a-f]+$/;

/** A block directory's name: a ULID (26 Crockford base32 characters). */
export const BLOCK_DIR = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The part of a block's meta.json the manifest reads. */
export interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  stats?: { numSeries?: number; numSamples?: number };
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  /** When the snapshot was taken (ISO 8601). */
  takenAt: string;
  prometheus: { url: string; version: string; revision: string };
  /** The snapshot's name on Prometheus' side. */
  snapshot: string;
  /** Earliest and latest sample time held, in ms and ISO 8601; null when the snapshot is empty. */
  range: { minTime: number; maxTime: number; from: string; to: string } | null;
  blocks: { ulid: string; minTime: number; maxTime: number; series: number; samples: number }[];
  /** Series of the largest block: series repeat across blocks, so a sum would overcount. */
  maxSeriesPerBlock: number;
  samples: number;
}

/**
 * Where the snapshot landed, given Prometheus' --storage.tsdb.path and its working directory (a
 * relative path is relative to it). Throws on a name that is not a snapshot name: it becomes a
 * path on this machine, and a path is what it must not be able to choose.
 */
export function snapshotDirectory(storagePath: string, prometheusCwd: string, name: string): string {
  if (!SNAPSHOT_NAME.test(name)) throw new Error(`Prometheus named its snapshot ${JSON.stringify(name)}`);
  const dataDir = isAbsolute(storagePath) ? storagePath : posix.join(prometheusCwd, storagePath);
  return join(dataDir, "snapshots", name);
}

export function buildManifest(input: {
  takenAt: Date;
  prometheusUrl: string;
  buildInfo: { version?: string; revision?: string };
  snapshot: string;
  blocks: readonly BlockMeta[];
}): BackupManifest {
  const blocks = [...input.blocks]
    .sort((a, b) => a.minTime - b.minTime)
    .map((block) => ({
      ulid: block.ulid,
      minTime: block.minTime,
      maxTime: block.maxTime,
      series: block.stats?.numSeries ?? 0,
      samples: block.stats?.numSamples ?? 0,
    }));
  const minTime = Math.min(...blocks.map((block) => block.minTime));
  // A block's maxTime is exclusive: its last sample is at maxTime - 1.
  const maxTime = Math.max(...blocks.map((block) => block.maxTime - 1));
  return {
    format: MANIFEST_FORMAT,
    takenAt: input.takenAt.toISOString(),
    prometheus: {
      url: input.prometheusUrl,
      version: input.buildInfo.version ?? "unknown",
      revision: input.buildInfo.revision ?? "unknown",
    },
    snapshot: input.snapshot,
    range:
      blocks.length === 0
        ? null
        : { minTime, maxTime, from: new Date(minTime).toISOString(), to: new Date(maxTime).toISOString() },
    blocks,
    maxSeriesPerBlock: Math.max(0, ...blocks.map((block) => block.series)),
    samples: blocks.reduce((sum, block) => sum + block.samples, 0),
  };
}

/** The manifest in a backup directory's manifest.json, or why the text is not one. */
export function parseManifest(text: string): BackupManifest | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: `${MANIFEST_FILE} is not JSON` };
  }
  const manifest = value as Partial<BackupManifest> | null;
  if (manifest?.format !== MANIFEST_FORMAT) {
    return { problem: `${MANIFEST_FILE} has no "format": "${MANIFEST_FORMAT}"` };
  }
  if (!Array.isArray(manifest.blocks)) return { problem: `${MANIFEST_FILE} lists no blocks` };
  return manifest as BackupManifest;
}

/** One line about a backup, for people: its Prometheus, its blocks and their time range. */
export function describeBackup(manifest: BackupManifest): string {
  const range = manifest.range ? `from ${manifest.range.from} to ${manifest.range.to}` : "no samples";
  const count = manifest.blocks.length;
  return `Prometheus ${manifest.prometheus.version}, taken ${manifest.takenAt}: ${count} block${count === 1 ? "" : "s"}, ${range}, ${manifest.samples} samples`;
}
