// `plue-monitoring backup` and `up --restore` on the real local stack at time scale 60: a backup of
// one stack, restored into a second one, answers a query at a time before the backup with the very
// series and values the first one had, and the backup directory is left as it was. Bad input (no
// Prometheus, a Prometheus without the admin API, a non-empty --out, a directory that is no backup)
// is exit 2 with a message naming the flag.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildManifest, parseManifest, snapshotDirectory } from "../../src/backup/manifest.ts";
import { instantQuery, type RunningStack, startStack } from "../e2e/local-stack.ts";
import { runMain } from "../helpers/cli.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { startPrometheus } from "../prometheus/processes.ts";

const repo = join(import.meta.dirname, "..", "..");
const dirs: { cleanup: () => void }[] = [];
const newDir = (prefix: string) => {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir.path;
};
afterAll(() => {
  for (const dir of dirs) dir.cleanup();
});

/** Every file under dir with its size and modification time: what "left as it was" compares. */
function listing(dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const child = join(path, name);
      const stat = statSync(child);
      if (stat.isDirectory()) walk(child);
      else files.push(`${child.slice(dir.length)} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(dir);
  return files;
}

/** `up` as a query result: each series' labels and value, sorted, for comparing two Prometheus. */
const seriesOf = (result: { metric: Record<string, string>; value: [number, string] }[]) =>
  result.map(({ metric, value }) => `${JSON.stringify(metric)} ${value[1]}`).sort();

describe("backup and up --restore on the local stack", () => {
  let stack: RunningStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it("a restored Prometheus answers for a time before the backup with the series it had", async () => {
    stack = await startStack({ timeScale: 60 });
    // A moment every target has been scraped at, safely in the past when the snapshot is taken.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const before = Math.floor(Date.now() / 1000) - 1;
    const original = seriesOf(await instantQuery(stack, "up", { at: before }));
    expect(original.length).toBeGreaterThan(5);

    const out = join(newDir("plue-backup-"), "backup");
    const backup = await runMain(["backup", "--prometheus", stack.url("prometheus"), "--out", out], {
      cwd: repo,
    });
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`Backup written to ${out}`);
    const manifest = parseManifest(readFileSync(join(out, "manifest.json"), "utf8"));
    if ("problem" in manifest) throw new Error(manifest.problem);
    expect(manifest.prometheus.version).toMatch(/^2\.42\./);
    expect(manifest.blocks.length).toBeGreaterThan(0);
    expect(manifest.range?.minTime).toBeLessThanOrEqual(before * 1000);
    expect(manifest.range?.maxTime).toBeGreaterThanOrEqual(before * 1000);
    expect(manifest.maxSeriesPerBlock).toBeGreaterThan(original.length);
    await stack.stop();
    stack = undefined;

    const backupFiles = listing(out);
    stack = await startStack({ timeScale: 60, extraArgs: ["--restore", out] });
    expect(stack.output.stdout).toContain(`Restoring ${out}: Prometheus 2.42.`);
    expect(seriesOf(await instantQuery(stack, "up", { at: before }))).toEqual(original);
    expect(listing(out)).toEqual(backupFiles);
  }, 90_000);
});

describe("backup: bad input is exit 2", () => {
  it("refuses a non-empty --out before asking Prometheus anything", async () => {
    const out = newDir("plue-backup-full-");
    writeFileSync(join(out, "keep.txt"), "mine");
    const result = await runMain(["backup", "--out", out], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--out: ${out} is not empty`);
    expect(readdirSync(out)).toEqual(["keep.txt"]);
  });

  it("says so when nothing answers at --prometheus", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runMain(
      ["backup", "--prometheus", url, "--out", join(newDir("plue-backup-"), "b")],
      {
        cwd: repo,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--prometheus: nothing answers at ${url}`);
  });

  it("names --web.enable-admin-api when the Prometheus takes no snapshots", async () => {
    const dir = newDir("plue-backup-prometheus-");
    const { prometheus, url } = await startPrometheus(dir, { global: { scrape_interval: "1s" } });
    try {
      const out = join(newDir("plue-backup-"), "b");
      const result = await runMain(["backup", "--prometheus", url, "--out", out], { cwd: repo });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("runs without --web.enable-admin-api");
      expect(() => statSync(out)).toThrow();
    } finally {
      await prometheus.stop();
    }
  });

  it("up --restore refuses a directory without a manifest before starting anything", async () => {
    const notBackup = newDir("plue-not-backup-");
    mkdirSync(join(notBackup, "01HZZZZZZZZZZZZZZZZZZZZZZZ"));
    const config = join(newDir("plue-config-"), "plue-monitoring.config.json");
    writeFileSync(config, JSON.stringify({ namespace: "monitoring", domain: "plue.dev" }));
    const result = await runMain(["up", "--config", config, "--restore", notBackup], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--restore: ${notBackup} is not a backup: it has no manifest.json`);
    expect(result.stdout).not.toContain("Starting");
  });
});

describe("the manifest and the snapshot's place", () => {
  it("finds the snapshot under the data directory, relative to Prometheus' working directory if need be", () => {
    const name = "20171210T211224Z-2be650b6d019eb54";
    expect(snapshotDirectory("/prometheus", "/", name)).toBe(`/prometheus/snapshots/${name}`);
    expect(snapshotDirectory("data/", "/srv/prom", name)).toBe(`/srv/prom/data/snapshots/${name}`);
  });

  it("refuses a snapshot name that would be a path elsewhere on this machine", () => {
    for (const name of ["../../etc", "/etc", "20171210T211224Z-2be6/../../x", ""]) {
      expect(() => snapshotDirectory("/prometheus", "/", name), name).toThrow(/named its snapshot/);
    }
  });

  it("gives the range of the samples held (a block's maxTime is exclusive) and no range when empty", () => {
    const blocks = [
      { ulid: "B", minTime: 7_200_000, maxTime: 9_000_001, stats: { numSeries: 40, numSamples: 900 } },
      { ulid: "A", minTime: 0, maxTime: 7_200_000, stats: { numSeries: 50, numSamples: 1000 } },
    ];
    const manifest = buildManifest({
      takenAt: new Date(9_000_500),
      prometheusUrl: "http://127.0.0.1:9090",
      buildInfo: { version: "2.42.0" },
      snapshot: "s",
      blocks,
    });
    expect(manifest.range).toEqual({
      minTime: 0,
      maxTime: 9_000_000,
      from: new Date(0).toISOString(),
      to: new Date(9_000_000).toISOString(),
    });
    expect(manifest.blocks.map((block) => block.ulid)).toEqual(["A", "B"]);
    expect(manifest.maxSeriesPerBlock).toBe(50);
    expect(manifest.samples).toBe(1900);
    const empty = buildManifest({
      takenAt: new Date(0),
      prometheusUrl: "u",
      buildInfo: {},
      snapshot: "s",
      blocks: [],
    });
    expect(empty.range).toBeNull();
    expect(parseManifest(JSON.stringify(empty))).toEqual(empty);
    expect(parseManifest("{}")).toEqual({ problem: expect.stringContaining('no "format"') });
  });
});
