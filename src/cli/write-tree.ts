// Writes a file tree so that readers only ever see the old directory or the complete new one: the
// tree goes to a sibling temporary directory first and is swapped in with rename.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./usage-error.ts";

/** Marks a directory as ours, so a later run may replace it and never replaces anything else. */
export const MARKER = ".plue-monitoring-synth";

function firstMissingAncestor(path: string): string | undefined {
  let missing: string | undefined;
  for (let at = path; !existsSync(at); at = dirname(at)) missing = at;
  return missing;
}

/** File system errors that mean "this --out cannot be written": bad input, exit 2. */
const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST", "EISDIR", "ENAMETOOLONG"]);

/**
 * Writes `tree` to outDir, replacing it as a whole. Files in `privateFiles` (those holding secrets)
 * are readable by their owner only.
 */
export function writeTreeAtomically(
  outDir: string,
  tree: ReadonlyMap<string, string>,
  privateFiles: ReadonlySet<string> = new Set(),
): void {
  try {
    writeTree(outDir, tree, privateFiles);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && UNWRITABLE.has(code)) {
      throw new UsageError(`--out ${outDir}: cannot be written (${code}: ${(error as Error).message})`);
    }
    throw error;
  }
}

function writeTree(
  outDir: string,
  tree: ReadonlyMap<string, string>,
  privateFiles: ReadonlySet<string>,
): void {
  const out = resolve(outDir);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new UsageError(`--out ${outDir}: exists and is not a directory`);
    if (readdirSync(out).length > 0 && !existsSync(join(out, MARKER))) {
      throw new UsageError(
        `--out ${outDir}: not empty and not written by plue-monitoring synth; refusing to replace it`,
      );
    }
  }
  const createdParent = firstMissingAncestor(dirname(out));
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const staging = `${out}.tmp-${suffix}`;
  const previous = `${out}.old-${suffix}`;
  try {
    mkdirSync(staging, { recursive: true });
    for (const [path, contents] of tree) {
      const target = resolve(staging, path);
      if (!target.startsWith(`${staging}/`)) throw new Error(`refusing to write outside the output: ${path}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, contents, { mode: privateFiles.has(path) ? 0o600 : 0o644 });
    }
    writeFileSync(
      join(staging, MARKER),
      "Written by plue-monitoring synth; the next synth replaces this directory.\n",
    );
    const replacing = existsSync(out);
    if (replacing) renameSync(out, previous);
    try {
      renameSync(staging, out);
    } catch (error) {
      if (replacing) renameSync(previous, out);
      throw error;
    }
    if (replacing) rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (createdParent) rmSync(createdParent, { recursive: true, force: true });
    throw error;
  }
}
