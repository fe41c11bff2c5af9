import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { parseUpArgs } from "../../src/cli/up.ts";
import { PORT_FLAGS, type PortKey } from "../../src/local/ports.ts";
import { localTiming } from "../../src/local/stack.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { freePorts } from "../e2e/local-stack.ts";
import { requiredValues, testConfig } from "../helpers/config.ts";
import { tempDir } from "../helpers/system.ts";
import { alive, stopProcess, waitFor } from "./processes.ts";

const repo = join(import.meta.dirname, "..", "..");
const portKeys = Object.keys(PORT_FLAGS) as PortKey[];

describe("plue-monitoring up: flags", () => {
  it("defaults to the topology's ports and real time", () => {
    const options = parseUpArgs([]);
    expect(options.topology).toEqual(defaultTopology);
    expect(options.timeScale).toBe(1);
  });

  it("has a port flag for every port of the topology", () => {
    const args = portKeys.flatMap((key, index) => [PORT_FLAGS[key].flag, String(20_000 + index)]);
    // The receiver's port is part of the topology only with --remote-write.
    const { topology } = parseUpArgs([
      ...args,
      "--alertmanager-ports",
      "30000,30002",
      "--time-scale",
      "60",
      "--remote-write",
    ]);
    portKeys.forEach((key, index) => {
      expect(topology[key]).toBe(20_000 + index);
    });
    expect(topology.alertmanagers).toEqual([30000, 30002]);
    expect(Object.keys(topology).sort()).toEqual([...Object.keys(defaultTopology), "receiver"].sort());
  });

  it.each([
    [["--prometheus-port", "0"], '--prometheus-port: "0" is not a port (1-65535)'],
    [["--inbox-port", "http"], '--inbox-port: "http" is not a port (1-65535)'],
    [
      ["--inbox-port", "9090"],
      "port 9090 is given to both prometheus (--prometheus-port) and inbox (--inbox-port)",
    ],
    [
      ["--alertmanager-ports", "9093,9094"],
      "port 9094 is given to both alertmanager-0 (cluster gossip) (--alertmanager-ports) and alertmanager-1 (--alertmanager-ports)",
    ],
    [["--time-scale", "0.5"], '--time-scale: "0.5" is not a number of at least 1'],
    [["--time-scale", "fast"], '--time-scale: "fast" is not a number of at least 1'],
    [["--nodes", "Node_1"], '--nodes: "Node_1" is not a comma-separated list of node names'],
  ])("rejects %j", (args, message) => {
    expect(() => parseUpArgs(args)).toThrow(message);
  });

  it("turns --time-scale 60 into the rules' Timing: a 10m for lasts 10s, windows keep four scrapes", () => {
    const timing = localTiming(testConfig(), 60);
    expect(timing.scale).toBe(60);
    expect(timing.duration("10m")).toBe("10s");
    expect(timing.duration("2m")).toBe("2s");
    expect(timing.window("5m")).toBe("5s");
    // 30s scrapes at scale 60 are 500ms apart: no window below 2s.
    expect(timing.window("1m")).toBe("2s");
    expect(localTiming(testConfig(), 1).duration("10m")).toBe("10m");
  });

  it("refuses a time scale that would scrape faster than every 250ms, naming the largest allowed", () => {
    expect(() => localTiming(testConfig(), 121)).toThrow(
      "time scale 121 would scrape or evaluate every 248ms; with scrapeInterval 30s and evaluationInterval 30s the largest is 120",
    );
    expect(() => localTiming(testConfig({ scrapeInterval: "15s" }), 61)).toThrow(/the largest is 60$/);
  });
});

/** A free port for every component, all different (each Alertmanager's port + 1 too), as flags. */
async function portArgs(): Promise<{
  args: string[];
  ports: Record<string, number>;
  alertmanagers: number[];
}> {
  const { ports, am } = await freePorts();
  const args = portKeys.flatMap((key) => [PORT_FLAGS[key].flag, String(ports[key])]);
  args.push("--alertmanager-ports", am.join(","));
  return { args, ports, alertmanagers: am };
}

function runUp(args: string[], cwd = repo) {
  const child = spawn(process.execPath, [join(repo, "bin", "plue-monitoring.mjs"), "up", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

describe("plue-monitoring up: the whole stack as one process", () => {
  const dir = tempDir();
  const configFile = join(dir.path, "explicit-config.json");
  let up: ReturnType<typeof runUp>;
  let ports: Record<string, number>;
  let alertmanagerPorts: number[];

  beforeAll(async () => {
    writeFileSync(configFile, JSON.stringify(requiredValues));
    const chosen = await portArgs();
    ports = chosen.ports;
    alertmanagerPorts = chosen.alertmanagers;
    // No config file at all (an empty working directory): the local stack needs none.
    up = runUp(["--time-scale", "60", ...chosen.args], dir.path);
    const ready = waitFor(
      "up to be ready",
      () => (up.output.stdout.includes("\nReady.\n") ? true : undefined),
      60_000,
    );
    const outcome = await Promise.race([
      ready.then(() => "ready"),
      up.exited.then((code) => `exited with ${code}`),
    ]);
    if (outcome !== "ready") throw new Error(`up ${outcome}\n${up.output.stdout}\n${up.output.stderr}`);
  });

  afterAll(async () => {
    if (up) await stopProcess(up.child);
    dir.cleanup();
  });

  it("prints progress, every URL and a health summary", () => {
    const out = up.output.stdout;
    expect(out).toMatch(/^Starting the local stack at time scale 60 \(a `for: 10m` lasts 10s\)\n/);
    expect(out).toMatch(/\[ +\d+\.\ds\] postgres ready \(\d+\.\ds\)/);
    expect(out).toContain(`Console                              http://127.0.0.1:${ports.inbox}/`);
    expect(out).toContain(`Cluster simulator                    http://127.0.0.1:${ports.clusterSimulator}/`);
    expect(out).toContain(`HTTPS endpoint (probed)              https://127.0.0.1:${ports.tlsEndpoint}`);
    expect(out).toContain(`Control API (plue-monitoring fault)  http://127.0.0.1:${ports.control}/faults`);
    // The console first, then Prometheus, the Alertmanagers and Plue's services.
    const listed = out.slice(out.indexOf("Ready."));
    const at = (name: string) => listed.indexOf(`  ${name}`);
    expect(at("Console")).toBeLessThan(at("Prometheus (graph)"));
    expect(at("Prometheus (graph)")).toBeLessThan(at("Alertmanager 1 (API)"));
    expect(at("Alertmanager 2 (API)")).toBeLessThan(at("Plue api"));
    expect(at("Plue electric")).toBeLessThan(at("Control API"));
    expect(out).toContain(`Plue api                             http://127.0.0.1:${ports.api}/api/repos`);
    // 2 kubelets, 2 cAdvisors, kube-state-metrics, the 3 exporters, api, web, electric, Prometheus
    // and both Alertmanagers.
    expect(out).toMatch(/^healthy: all 15 components ready; 14\/14 targets up; firing: Watchdog$/m);
  });

  it("scrapes itself and both Alertmanagers, each replica with its own pod label", async () => {
    const response = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets?state=active`);
    const body = (await response.json()) as {
      data: {
        activeTargets: {
          scrapePool: string;
          scrapeUrl: string;
          health: string;
          labels: Record<string, string>;
        }[];
      };
    };
    const stack = body.data.activeTargets
      .filter((target) => ["prometheus", "alertmanager"].includes(target.scrapePool))
      .map(
        ({ scrapeUrl, health, labels }) =>
          `${labels.job} ${labels.pod} ${labels.service} ${health} ${scrapeUrl}`,
      )
      .sort();
    const [first, second] = alertmanagerPorts;
    expect(stack).toEqual([
      `alertmanager alertmanager-0 alertmanager up http://127.0.0.1:${first}/metrics`,
      `alertmanager alertmanager-1 alertmanager up http://127.0.0.1:${second}/metrics`,
      `prometheus prometheus-local prometheus up http://127.0.0.1:${ports.prometheus}/metrics`,
    ]);
  });

  it("takes faults through plue-monitoring fault and serves them from the simulator", async () => {
    const lines: string[] = [];
    const context = {
      cwd: repo,
      env: {},
      stdout: (line: string) => lines.push(line),
      stderr: (line: string) => lines.push(line),
    };
    expect(await main(["fault", "node-not-ready", "--control-port", String(ports.control)], context)).toBe(0);
    const ksm = await (
      await fetch(`http://127.0.0.1:${ports.clusterSimulator}/kube-state-metrics/metrics`)
    ).text();
    expect(ksm).toContain(
      'kube_node_status_condition{node="plue-node-2",condition="Ready",status="unknown"} 1',
    );
    expect(await main(["fault", "db-saturated", "--control-port", String(ports.control)], context)).toBe(0);
    // The services' role gets what its pools and postgres_exporter leave of the 17 unreserved slots.
    expect(lines.join("\n")).toMatch(
      /db-saturated applied: holding \d+ connections; PostgreSQL refuses more/,
    );
    expect(
      await main(["fault", "db-saturated", "--clear", "--control-port", String(ports.control)], context),
    ).toBe(0);
  });

  it("refuses to start a second stack on the same ports, naming each port, its component and its flag", async () => {
    const second = runUp([
      "--config",
      configFile,
      ...(await portArgs()).args,
      "--inbox-port",
      String(ports.inbox),
    ]);
    expect(await second.exited).toBe(1);
    expect(second.output.stderr).toContain(
      `inbox cannot listen on 127.0.0.1:${ports.inbox}: the port is in use. Stop whatever holds it, or choose another port with --inbox-port PORT.`,
    );
    expect(second.output.stdout).not.toContain("Ready.");
  });

  it("stops cleanly on Ctrl-C while still starting (PostgreSQL's initdb running)", async () => {
    const early = runUp(["--config", configFile, ...(await portArgs()).args]);
    try {
      const logs = await waitFor(
        "the logs line",
        () => /^Logs: (\S+) /m.exec(early.output.stdout)?.[1],
        30_000,
      );
      await waitFor(
        "the TLS endpoint",
        () => (early.output.stdout.includes("tls-endpoint ready") ? true : undefined),
        30_000,
      );
      early.child.kill("SIGINT");
      expect(await early.exited).toBe(130);
      expect(early.output.stdout).not.toContain("Ready.");
      expect(early.output.stderr).toBe("");
      expect(existsSync(join(logs, ".."))).toBe(false);
    } finally {
      await stopProcess(early.child);
    }
  });

  it("stops on SIGTERM: exit 143, PostgreSQL gone, temporary directory gone", async () => {
    const status = (await (await fetch(`http://127.0.0.1:${ports.control}/status`)).json()) as {
      logs: string;
      components: { name: string; pid?: number }[];
    };
    const postgresPid = status.components.find((component) => component.name === "postgres")?.pid as number;
    expect(alive(postgresPid)).toBe(true);
    expect(existsSync(status.logs)).toBe(true);
    up.child.kill("SIGTERM");
    const began = Date.now();
    expect(await up.exited).toBe(143);
    // Nothing holds the process up once everything has stopped.
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(alive(postgresPid)).toBe(false);
    expect(existsSync(join(status.logs, ".."))).toBe(false);
    expect(up.output.stdout).toContain("received SIGTERM: stopping every component");
    expect(up.output.stdout).toContain(`stopped: no process left, ${join(status.logs, "..")} removed`);
  });
});
