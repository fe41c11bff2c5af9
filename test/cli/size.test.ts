// `plue-monitoring size` as a user runs it: the real bin, its table and JSON, exit codes.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SizeEstimate } from "../../src/sizing/estimate.ts";
import { runMain, withoutTfVars } from "../helpers/cli.ts";
import { runCommand, tempDir } from "../helpers/system.ts";

const BIN = join(process.cwd(), "bin/plue-monitoring.mjs");
const JOBS = ["cadvisor", "kubelet", "node-exporter", "kube-state-metrics", "apiserver"];

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.cleanup());

function size(args: string[]) {
  return runMain(["size", ...args], { cwd: dir.path });
}

async function sizeJson(args: string[]): Promise<SizeEstimate & { recommended: Record<string, string> }> {
  const result = await size([...args, "--json"]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe("plue-monitoring size", () => {
  it("prints a table of every measured job, memory and disk, without a config file", async () => {
    // The real bin once; the other cases run main() in this process.
    const result = await runCommand(process.execPath, [BIN, "size", "--nodes", "100", "--pods", "3000"], {
      cwd: dir.path,
      env: withoutTfVars(process.env),
    });
    expect(result.code).toBe(0);
    for (const job of JOBS) expect(result.stdout).toMatch(new RegExp(`^${job} +100|^${job} +[13] `, "m"));
    expect(result.stdout).toMatch(
      /^memory +working set ~[\d.]+ GiB: request [\d.]+(Gi|Mi), limit [\d.]+(Gi|Mi)$/m,
    );
    expect(result.stdout).toMatch(/^disk .* × 30d × 2 B\/sample/m);
    expect(result.stdout).toMatch(/^api, web, electric +30 +[\d,]+ +[\d,]+ +[\d,]+$/m);
  });

  it("counts Plue's services at the metric contract's budget, per service pod", async () => {
    const reference = await sizeJson(["--nodes", "100", "--pods", "3000"]);
    const more = await sizeJson(["--nodes", "100", "--pods", "3000", "--service-pods", "60"]);
    const few = await sizeJson(["--nodes", "2", "--pods", "12"]);
    expect(reference.services.pods).toBe(30);
    expect(more.services.kept).toBe(2 * reference.services.kept);
    expect(more.headSeries - reference.headSeries).toBe(reference.services.kept);
    expect(more.memory.limitBytes).toBeGreaterThan(reference.memory.limitBytes);
    // Never more service pods than pods.
    expect(few.services.pods).toBe(12);
  });

  it("stores far less with the keep-lists than with ingestion all, which stores all it scrapes", async () => {
    const used = await sizeJson(["--nodes", "100", "--pods", "3000"]);
    const all = await sizeJson(["--nodes", "100", "--pods", "3000", "--set", "ingestion=all"]);
    expect(used.keepLists).toBe(true);
    expect(all.keepLists).toBe(false);
    expect(all.jobs.map((job) => job.job)).toEqual(JOBS);
    for (const job of all.jobs) expect(job.kept).toBe(job.exposed);
    // The exporters' part: Plue's services keep every series either way.
    const exporters = (estimate: SizeEstimate) => estimate.headSeries - estimate.services.kept;
    expect(all.services).toEqual(used.services);
    expect(exporters(used) * 10).toBeLessThan(exporters(all));
    expect(used.memory.limitBytes).toBeLessThan(all.memory.limitBytes);
    expect(used.disk.totalBytes).toBeLessThan(all.disk.totalBytes);
  });

  it("grows with nodes and pods, and the disk with the retention", async () => {
    const small = await sizeJson(["--nodes", "100", "--pods", "3000"]);
    const large = await sizeJson(["--nodes", "200", "--pods", "6000"]);
    const longer = await sizeJson(["--nodes", "100", "--pods", "3000", "--set", "prometheusRetention=60d"]);
    const cadvisor = (estimate: SizeEstimate) =>
      estimate.jobs.find((job) => job.job === "cadvisor")?.kept ?? 0;
    // cAdvisor has nothing per cluster: twice the nodes and pods, twice its series.
    expect(Math.abs(cadvisor(large) - 2 * cadvisor(small))).toBeLessThanOrEqual(2);
    expect(large.headSeries).toBeGreaterThan(small.headSeries);
    expect(longer.disk.blocksBytes / small.disk.blocksBytes).toBeCloseTo(2, 5);
    expect(longer.disk.walBytes).toBe(small.disk.walBytes);
    expect(small.memory.limitBytes).toBe(2 * small.memory.requestBytes);
  });

  it("counts a name kept by ingestion.extraKeep", async () => {
    const base = await sizeJson(["--nodes", "100", "--pods", "3000"]);
    const extra = await sizeJson([
      "--nodes",
      "100",
      "--pods",
      "3000",
      "--set",
      'ingestion={"keep":"used","extraKeep":["container_memory_rss"]}',
    ]);
    const kept = (estimate: SizeEstimate) => estimate.jobs.find((job) => job.job === "cadvisor")?.kept ?? 0;
    expect(kept(extra)).toBeGreaterThan(kept(base));
  });

  it("exits 2 on missing or bad --nodes/--pods, unknown flags and bad config values", async () => {
    for (const args of [
      ["--pods", "3000"],
      ["--nodes", "100"],
      ["--nodes", "0", "--pods", "3000"],
      ["--nodes", "1e3", "--pods", "3000"],
      ["--nodes", "100", "--pods", "-1"],
      ["--nodes", "100", "--pods", "3000", "--frobnicate"],
      ["--nodes", "100", "--pods", "20", "--service-pods", "21"],
      ["--nodes", "100", "--pods", "3000", "--service-pods", "many"],
      ["--nodes", "100", "--pods", "3000", "--set", "prometheusRetention=forever"],
    ]) {
      const result = await size(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^plue-monitoring size: /);
    }
  });
});
