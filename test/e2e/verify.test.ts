// `plue-monitoring verify` against the real local stack at time scale 60: healthy, every alert can
// fire (the config reloader's, which the local stack does not run, are "not scraped here") and the
// exit code is 0; with kube-state-metrics answering 503 or the api stopped, the alerts that read them
// are named blind with the job's scrape error, and the exit code is 1; a URL that does not answer is
// exit 2, naming it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../helpers/cli.ts";
import { requiredValues } from "../helpers/config.ts";
import { freePort, tempDir } from "../helpers/system.ts";
import { eventually } from "../prometheus/processes.ts";
import { applyFault, clearFault, type RunningStack, startStack } from "./local-stack.ts";

interface JsonReport {
  ok: boolean;
  summary: string;
  alerts: { alert: string; title: string; verdict: string; findings: { metric: string; cause: string }[] }[];
}

const WAIT_MS = 30_000;
/** The alerts the local stack cannot run: it has no config-reloader sidecars and no annotated pods. */
const NOT_SCRAPED_LOCALLY = [
  "ConfigReloaderSidecarErrors",
  "TargetDown (config-reloader)",
  "TargetDown (kubernetes-pods)",
];

describe("plue-monitoring verify on the local stack", () => {
  let stack: RunningStack;
  const dir = tempDir("plue-verify-");
  const configFile = join(dir.path, "plue-monitoring.config.json");

  const verify = (...extra: string[]) =>
    runMain(
      [
        "verify",
        "--config",
        configFile,
        "--prometheus",
        stack.url("prometheus"),
        ...stack.alertmanagerPorts.flatMap((port) => ["--alertmanager", `http://127.0.0.1:${port}`]),
        ...extra,
      ],
      { cwd: dir.path },
    );
  /** Runs verify --json until it exits with `code` and its report passes `settled`. */
  const verifyUntil = (code: number, settled: (report: JsonReport) => boolean = () => true) => {
    let last = "";
    return eventually(
      `verify to exit ${code}`,
      async () => {
        const result = await verify("--json");
        last = `${result.code}\n${result.stdout}${result.stderr}`;
        if (result.code !== code) return undefined;
        const report = JSON.parse(result.stdout) as JsonReport;
        return settled(report) ? report : undefined;
      },
      WAIT_MS,
      () => last,
    );
  };
  const causes = (report: JsonReport) =>
    report.alerts.flatMap((alert) => alert.findings.map((finding) => finding.cause));
  const blindTitles = (report: JsonReport) =>
    report.alerts.filter((alert) => alert.verdict === "blind").map((alert) => alert.title);

  beforeAll(async () => {
    writeFileSync(configFile, JSON.stringify(requiredValues));
    stack = await startStack({ timeScale: 60 });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    dir.cleanup();
  });

  it("finds every alert able to fire on the healthy stack: exit 0", async () => {
    const report = await verifyUntil(0);
    expect(report.ok).toBe(true);
    const notFiring = report.alerts.filter((alert) => alert.verdict !== "can fire");
    expect(notFiring.map((alert) => [alert.title, alert.verdict])).toEqual(
      NOT_SCRAPED_LOCALLY.map((title) => [title, "not scraped here"]),
    );
    expect(report.alerts.length).toBeGreaterThan(50);
    const text = await verify();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^OK · \d+\/\d+ alerts can fire/m);
  }, 60_000);

  it("names the alerts kube-state-metrics blinds, and its scrape error, when it is down: exit 1", async () => {
    await verifyUntil(0);
    const ksmDown =
      "kube_pod_info has no series from kube-state-metrics: kube-state-metrics is down: server returned HTTP status 503 Service Unavailable";
    await applyFault(stack, "ksm-down");
    try {
      const report = await verifyUntil(1, (report) => causes(report).includes(ksmDown));
      const blind = blindTitles(report);
      expect(blind).toEqual(
        expect.arrayContaining([
          "PodCrashLooping",
          "PodNotReady",
          "DeploymentReplicasMismatch",
          "NodeNotReady",
        ]),
      );
      expect(blind).not.toContain("ServiceDown");
      // Every blind alert is blind for kube-state-metrics, and for nothing else.
      for (const cause of causes(report))
        expect(cause).toMatch(
          /from kube-state-metrics( \(read through [^)]+\))?: kube-state-metrics is down: server returned HTTP status 503/,
        );
      const text = await verify();
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("kube-state-metrics: 0/1 targets up");
      expect(text.stdout).toMatch(/^FAIL · .* blind/m);
    } finally {
      await clearFault(stack, "ksm-down");
    }
  }, 90_000);

  it("names the alerts the api's absence blinds when it is stopped: exit 1", async () => {
    await verifyUntil(0);
    await applyFault(stack, "api-down");
    try {
      const report = await verifyUntil(1, (report) => blindTitles(report).includes("SlowResponseTime"));
      const blind = report.alerts.filter((alert) => alert.verdict === "blind");
      expect(blind.map((alert) => alert.title)).toEqual(
        expect.arrayContaining(["HighErrorRate", "SlowResponseTime", "DatabaseConnectionFailure"]),
      );
      // ServiceDown reads `up`, which Prometheus writes for a target that does not answer: it can fire.
      expect(report.alerts.find((alert) => alert.alert === "ServiceDown")?.verdict).toBe("can fire");
      for (const alert of blind) {
        for (const finding of alert.findings) {
          expect(finding.cause).toMatch(
            /from api( \(read through [^)]+\))?: api is down: .*connection refused/,
          );
        }
      }
    } finally {
      await clearFault(stack, "api-down");
    }
  }, 90_000);

  it("says which URL does not answer: exit 2", async () => {
    const port = await freePort();
    const result = await runMain(
      ["verify", "--config", configFile, "--prometheus", `http://127.0.0.1:${port}`],
      { cwd: dir.path },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `plue-monitoring verify: cannot reach Prometheus at http://127.0.0.1:${port}: connection refused\n`,
    );
  });
});
