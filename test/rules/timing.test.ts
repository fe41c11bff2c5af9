// Windows over any job's series (TargetDown's `up`, the config reloaders' series) keep four scrapes of
// the slowest job, whatever the time scale; the slowest job is what the job declarations say.
import { describe, expect, it } from "vitest";
import { durationMs } from "../../src/config/formats.ts";
import { MIN_RETENTION, type UserConfig } from "../../src/config/schema.ts";
import { cluster, type Deployment } from "../../src/deployment.ts";
import { localTiming } from "../../src/local/stack.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { jobSpecs } from "../../src/prometheus/index.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { realTime, SLOWEST_JOB_SCRAPE } from "../../src/rules/timing.ts";
import { sloRecorded } from "../../src/slo/index.ts";
import { testConfig } from "../helpers/config.ts";

const config = testConfig({ postgresExporterDsn: "postgresql://exporter@db.plue.svc:5432/plue" });
const local: Deployment = {
  kind: "local",
  topology: defaultTopology,
  timing: localTiming(config, 60),
  rulesDir: "/nonexistent/rules",
};

describe("SLOWEST_JOB_SCRAPE", () => {
  it.each([
    ["in a cluster", cluster],
    ["locally", local],
  ])("is the longest minScrapeInterval of the jobs %s", (_, deployment) => {
    const intervals = jobSpecs(config, deployment).flatMap((spec) =>
      spec.minScrapeInterval ? [durationMs(spec.minScrapeInterval)] : [],
    );
    expect(Math.max(0, ...intervals)).toBe(durationMs(SLOWEST_JOB_SCRAPE));
  });
});

describe("anyJobWindow", () => {
  it("is the window itself in real time", () => {
    expect(realTime.anyJobWindow("5m")).toBe("5m");
  });

  it.each([1, 10, 60, 120])("keeps four of the slowest job's scrapes at time scale %d", (scale) => {
    const timing = localTiming(config, scale);
    const window = durationMs(timing.anyJobWindow("5m"));
    expect(window).toBeGreaterThanOrEqual(4 * durationMs(SLOWEST_JOB_SCRAPE));
    expect(window).toBeGreaterThanOrEqual(durationMs(timing.window("5m")));
    expect(window).toBe(Math.max(durationMs("5m") / scale, 4 * durationMs(SLOWEST_JOB_SCRAPE)));
  });
});

/** Every range window of the cluster's rule files, as written. */
function clusterWindows(
  scrapeInterval: string,
  overrides: UserConfig = {},
): { file: string; record?: string; expr: string; windowMs: number }[] {
  return ruleFiles(testConfig({ scrapeInterval, ...overrides })).flatMap((file) =>
    file.groups.flatMap((group) =>
      group.rules.flatMap((rule) =>
        [...rule.expr.matchAll(/\[(\w+)(?::\w*)?\]/g)].map((match) => ({
          file: file.name,
          ...("record" in rule ? { record: rule.record } : {}),
          expr: rule.expr,
          windowMs: durationMs(match[1] as string),
        })),
      ),
    ),
  );
}

describe("cluster windows", () => {
  it.each(["1s", "30s", "1m", "2m"])("span at least four scrapes at scrapeInterval %s", (scrapeInterval) => {
    const windows = clusterWindows(scrapeInterval);
    expect(windows.length).toBeGreaterThan(10);
    const short = windows.filter(({ windowMs }) => windowMs < 4 * durationMs(scrapeInterval));
    expect(short).toEqual([]);
  });

  it("are the rules' own at the default scrapeInterval, and widened only when scrapes are further apart", () => {
    const asWritten = clusterWindows("30s").map(({ windowMs }) => windowMs);
    expect(asWritten).toContain(durationMs("5m"));
    const slow = clusterWindows("2m").map(({ windowMs }) => windowMs);
    expect(slow).not.toContain(durationMs("5m"));
    expect(slow).toContain(durationMs("8m"));
  });

  it(`never reach further back than the shortest retention accepted (${MIN_RETENTION}), but the SLOs'`, () => {
    const windows = clusterWindows("2m").filter(({ file }) => file !== "slo.yaml");
    const longest = Math.max(...windows.map(({ windowMs }) => windowMs));
    expect(longest).toBeLessThanOrEqual(durationMs(MIN_RETENTION));
  });

  // A 3d burn window over less data reads what there is; the budget's window must be kept whole, so
  // the built-in SLOs shorten theirs to the retention and sloProblems refuses a longer one.
  it.each(["2d", "7d", "30d", "1y"])(
    "of the SLOs reach back at most 3d for burn rates and the retention (%s) for the budget",
    (prometheusRetention) => {
      const windows = clusterWindows("30s", { prometheusRetention }).filter(
        ({ file }) => file === "slo.yaml",
      );
      const budget = windows.filter(({ record }) => record === sloRecorded.windowErrorRatio);
      expect(budget.length).toBe(6); // errors and events, of three SLOs
      const kept = Math.min(durationMs(prometheusRetention), durationMs("30d"));
      for (const { windowMs } of budget) expect(windowMs).toBe(kept);
      const burn = windows.filter(({ record }) => record !== sloRecorded.windowErrorRatio);
      expect(Math.max(...burn.map(({ windowMs }) => windowMs))).toBe(durationMs("3d"));
    },
  );
});
