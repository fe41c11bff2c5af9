// `plue-monitoring backup`: a TSDB snapshot of a running Prometheus, copied out to a directory of
// its own with a manifest (src/backup/manifest.ts). Prometheus writes the snapshot into its own data
// directory, so this works where that directory is reachable from here: the local stack's. For a
// cluster, docs/operations.md describes `kubectl cp` and the scheduled VolumeSnapshots.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  BLOCK_DIR,
  type BlockMeta,
  buildManifest,
  describeBackup,
  MANIFEST_FILE,
  parseManifest,
  snapshotDirectory,
} from "../backup/manifest.ts";
import { defaultTopology } from "../local/topology.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

const DEFAULT_URL = `http://${defaultTopology.host}:${defaultTopology.prometheus}`;

export const backupUsage = `Usage: plue-monitoring backup [--prometheus URL] --out DIR

Takes a TSDB snapshot through Prometheus' admin API and copies it to DIR, with a manifest.json
(time taken, Prometheus version, blocks and the time range they hold). Restore it locally with
plue-monitoring up --restore DIR.
  --prometheus URL   the Prometheus to back up (default ${DEFAULT_URL}, the local stack's). It must
                     run with --web.enable-admin-api, and its data directory must be reachable from
                     here: for a cluster, see docs/operations.md
  --out DIR          where the backup goes: a new or empty directory`;

interface BackupOptions {
  url: string;
  out: string;
}

function parseBackupArgs(args: string[], cwd: string): BackupOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      prometheus: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const url = values.prometheus ?? DEFAULT_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {}
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.username !== "") {
    // A URL carrying credentials is not shown: they would end up in terminals and logs.
    const shown = url.includes("@") ? "(not shown: it may hold credentials)" : JSON.stringify(url);
    throw new UsageError(`--prometheus: ${shown} is not an http:// or https:// URL without user:password@`);
  }
  if (values.out === undefined || values.out === "") {
    throw new UsageError("--out: required: the directory the backup is written to");
  }
  const out = resolve(cwd, values.out);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new UsageError(`--out: ${out} exists and is not a directory`);
    if (readdirSync(out).length > 0) {
      throw new UsageError(`--out: ${out} is not empty; a backup goes to a new or empty directory`);
    }
  }
  return { url: url.replace(/\/+$/, ""), out };
}

/** GET or POST one Prometheus API endpoint; its `data`, or a message saying what went wrong. */
async function prometheusApi<T>(url: string, path: string, method = "GET"): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, { method, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new UsageError(`--prometheus: nothing answers at ${url} (${cause}); is Prometheus running there?`);
  }
  const body = (await response.json().catch(() => undefined)) as
    | { status?: string; data?: T; error?: string }
    | undefined;
  if (response.ok && body?.status === "success" && body.data !== undefined) return body.data;
  const reason = body?.error ?? `HTTP ${response.status}`;
  if (reason.includes("admin APIs disabled")) {
    throw new UsageError(
      `--prometheus: ${url} runs without --web.enable-admin-api, so it takes no snapshots (see docs/operations.md)`,
    );
  }
  if (body === undefined) {
    throw new UsageError(`--prometheus: ${url} is not a Prometheus (${method} ${path}: ${reason})`);
  }
  throw new Error(`${method} ${url}${path}: ${reason}`);
}

/** Each block's meta.json in a snapshot directory (directories not named by a ULID are not blocks). */
function readBlocks(dir: string): BlockMeta[] {
  return readdirSync(dir)
    .filter((name) => BLOCK_DIR.test(name))
    .map((name) => JSON.parse(readFileSync(join(dir, name, "meta.json"), "utf8")) as BlockMeta);
}

export async function backupCommand(args: string[], context: CommandContext): Promise<number> {
  const options = parseBackupArgs(args, context.cwd);
  if (options === "help") {
    context.stdout(backupUsage);
    return 0;
  }
  const { url, out } = options;
  const buildInfo = await prometheusApi<{ version?: string; revision?: string }>(
    url,
    "/api/v1/status/buildinfo",
  );
  const flags = await prometheusApi<Record<string, string>>(url, "/api/v1/status/flags");
  const runtime = await prometheusApi<{ CWD?: string }>(url, "/api/v1/status/runtimeinfo");
  const storagePath = flags["storage.tsdb.path"];
  if (storagePath === undefined) throw new Error(`${url} reports no storage.tsdb.path flag`);

  const takenAt = new Date();
  const { name } = await prometheusApi<{ name: string }>(url, "/api/v1/admin/tsdb/snapshot", "POST");
  const snapshot = snapshotDirectory(storagePath, runtime.CWD ?? "/", name);
  if (!existsSync(snapshot)) {
    throw new UsageError(
      `--prometheus: ${url} took snapshot ${name}, but its data directory (${storagePath}) is not on this machine, so ${snapshot} cannot be copied from here. ` +
        "In a cluster, copy it out of the pod with kubectl cp, or use the scheduled backup (docs/operations.md); then delete it there.",
    );
  }

  // Written next to DIR and renamed into place: a failed copy leaves no half backup at DIR.
  mkdirSync(dirname(out), { recursive: true });
  const partial = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  try {
    cpSync(snapshot, partial, { recursive: true });
    const manifest = buildManifest({
      takenAt,
      prometheusUrl: url,
      buildInfo,
      snapshot: name,
      blocks: readBlocks(partial),
    });
    writeFileSync(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    // rename(2) replaces an empty directory; DIR was checked to be empty or absent.
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(partial, out);
    context.stdout(`Backup written to ${out}: ${describeBackup(manifest)}`);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  // The snapshot's files are hard links into Prometheus' blocks: left there, they keep disk space
  // that compaction and retention would free.
  rmSync(snapshot, { recursive: true, force: true });
  context.stdout(`Snapshot ${name} removed from Prometheus' data directory.`);
  return 0;
}

/**
 * The backup in DIR (`up --restore DIR`), with one line describing it; a UsageError when DIR is no
 * backup. Read only: DIR is copied from, never written.
 */
export function readBackup(dir: string, cwd: string): { dir: string; summary: string } {
  const path = resolve(cwd, dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UsageError(
      `--restore: ${path} is not a directory; give one written by plue-monitoring backup --out`,
    );
  }
  const manifestFile = join(path, MANIFEST_FILE);
  if (!existsSync(manifestFile)) {
    throw new UsageError(
      `--restore: ${path} is not a backup: it has no ${MANIFEST_FILE} (plue-monitoring backup --out DIR writes one)`,
    );
  }
  const manifest = parseManifest(readFileSync(manifestFile, "utf8"));
  if ("problem" in manifest) throw new UsageError(`--restore: ${path} is not a backup: ${manifest.problem}`);
  return { dir: path, summary: describeBackup(manifest) };
}
