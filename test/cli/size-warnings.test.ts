// synth's sizing warnings, from real synth runs: with clusterSize set, a volume or memory limit below
// what `plue-monitoring size` estimates is a `warning:` line on stderr; without it, nothing is said.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateSize } from "../../src/sizing/estimate.ts";
import { quantityAtLeast } from "../../src/sizing/quantity.ts";
import { runMain } from "../helpers/cli.ts";
import { testConfig } from "../helpers/config.ts";
import { tempDir } from "../helpers/system.ts";

const REQUIRED = [
  "--set",
  "namespace=monitoring",
  "--set",
  "domain=plue.dev",
  "--set",
  "grafanaAdminPassword=s3cret",
];

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.cleanup());

function synth(sets: string[]) {
  const sizes = sets.flatMap((set) => ["--set", set]);
  return runMain(["synth", ...REQUIRED, ...sizes, "--out", join(dir.path, "out")], { cwd: dir.path });
}

const sizingLines = (stderr: string) => stderr.split("\n").filter((line) => line.includes("(clusterSize;"));

describe("synth with clusterSize", () => {
  it("warns when prometheusStorageSize is below the disk estimate, naming both", async () => {
    const size = { nodes: 100, pods: 3000 };
    const result = await synth([`clusterSize=${JSON.stringify(size)}`, "prometheusStorageSize=2Gi"]);
    expect(result.code).toBe(0);
    const estimate = estimateSize(testConfig({ clusterSize: size }), size);
    expect(sizingLines(result.stderr)).toEqual([
      `warning: prometheusStorageSize 2Gi is below the ${quantityAtLeast(estimate.disk.totalBytes)} estimated for 100 nodes and 3000 pods, 30 of them Plue's services (retention 30d); raise prometheusStorageSize or shorten prometheusRetention (clusterSize; see plue-monitoring size)`,
    ]);
  });

  it("takes nodes and pods one --set at a time as well", async () => {
    const whole = await synth([
      `clusterSize=${JSON.stringify({ nodes: 100, pods: 3000 })}`,
      "prometheusStorageSize=2Gi",
    ]);
    const parts = await synth([
      "clusterSize.nodes=100",
      "clusterSize.pods=3000",
      "prometheusStorageSize=2Gi",
    ]);
    expect(parts.code).toBe(0);
    expect(sizingLines(parts.stderr)).toEqual(sizingLines(whole.stderr));
    expect(sizingLines(parts.stderr)).toHaveLength(1);
  });

  it("warns when prometheusMemoryLimit is below the estimate, and not when the estimate sets it", async () => {
    const size = { nodes: 2000, pods: 60000 };
    const capped = await synth([
      `clusterSize=${JSON.stringify(size)}`,
      "prometheusStorageSize=1Pi",
      "prometheusMemoryLimit=4Gi",
    ]);
    expect(capped.code).toBe(0);
    const estimate = estimateSize(testConfig({ clusterSize: size }), size);
    expect(sizingLines(capped.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^warning: Prometheus' memory limit 4Gi is below the ${quantityAtLeast(estimate.memory.limitBytes).replace(".", "\\.")} estimated for 2000 nodes and 60000 pods, 30 of them Plue's services .*may be OOM-killed; raise prometheusMemoryLimit`,
        ),
      ),
    ]);
    const sized = await synth([`clusterSize=${JSON.stringify(size)}`, "prometheusStorageSize=1Pi"]);
    expect(sized.code).toBe(0);
    expect(sizingLines(sized.stderr)).toEqual([]);
  });

  it("says nothing when the cluster fits, or when clusterSize is not set", async () => {
    const fits = await synth([`clusterSize=${JSON.stringify({ nodes: 10, pods: 300, servicePods: 6 })}`]);
    expect(fits.code).toBe(0);
    expect(sizingLines(fits.stderr)).toEqual([]);
    const unset = await synth(["prometheusStorageSize=1Gi"]);
    expect(unset.code).toBe(0);
    expect(sizingLines(unset.stderr)).toEqual([]);
  });

  it("refuses a clusterSize that is not nodes and pods within Kubernetes' limits, exit 2", async () => {
    const result = await synth([`clusterSize=${JSON.stringify({ nodes: 0, pods: 3000 })}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("clusterSize");
    expect(result.stderr).toContain("a whole number from 1 to 5000");
  });
});
