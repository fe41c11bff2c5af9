// Windows over any job's series (TargetDown's `up`, the config reloaders' series) keep four scrapes of
// the slowest job, whatever the time scale; the slowest job is what the job declarations say.
import { describe, expect, it } from "vitest";
import { durationMs } from "../../src/config/formats.ts";
import { cluster, type Deployment } from "../../src/deployment.ts";
import { localTiming } from "../../src/local/stack.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { jobSpecs } from "../../src/prometheus/index.ts";
import { realTime, SLOWEST_JOB_SCRAPE } from "../../src/rules/timing.ts";
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
