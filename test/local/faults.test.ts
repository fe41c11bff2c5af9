import { readFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { connect } from "node:tls";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { ClusterSimulator, clusterOptions } from "../../src/local/cluster-simulator.ts";
import { type ControlServer, startControlServer } from "../../src/local/control.ts";
import { FAULT_NAMES, FaultController, faults } from "../../src/local/faults.ts";
import { type LocalPostgres, startPostgres } from "../../src/local/postgres.ts";
import { Supervisor } from "../../src/local/supervisor.ts";
import { startTlsEndpoint, type TlsEndpoint } from "../../src/local/tls.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort } from "../helpers/system.ts";

const config = testConfig();

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    context: {
      cwd: process.cwd(),
      env: {},
      stdout: (line: string) => out.push(line),
      stderr: (line: string) => err.push(line),
    },
  };
}

describe("the fault registry", () => {
  it("has 31 faults: one for each of the seed's alerts and EndpointDown, eight for the stack itself", () => {
    expect(faults.map((fault) => fault.name)).toEqual([...FAULT_NAMES]);
    expect(FAULT_NAMES).toHaveLength(31);
    const alerts = faults.map((fault) => fault.alert);
    expect(new Set(alerts.slice(0, 23)).size).toBe(23);
    expect(alerts).toContain("EndpointDown");
    expect(alerts.slice(23).sort()).toEqual([
      "AlertmanagerFailedReload",
      "AlertmanagerFailedToSendAlerts",
      "AlertmanagerFailedToSendAlerts",
      "PrometheusBadConfig",
      "PrometheusRemoteWriteBehind",
      "PrometheusRuleFailures",
      "TargetDown",
      "TargetDown",
    ]);
    expect(alerts).toContain("ServiceDown");
    expect(alerts).toContain("NodeDiskPressure");
  });
});

describe("faults on a real PostgreSQL and HTTPS endpoint", () => {
  let supervisor: Supervisor;
  let postgres: LocalPostgres;
  let tls: TlsEndpoint;
  let tlsPort: number;
  let controller: FaultController;

  beforeAll(async () => {
    supervisor = new Supervisor({ prefix: "plue-monitoring-test-" });
    postgres = await startPostgres(supervisor, { host: "127.0.0.1", port: await freePort() });
    tlsPort = await freePort();
    tls = await startTlsEndpoint({ host: "127.0.0.1", port: tlsPort, dir: supervisor.dir("tls") });
    supervisor.adopt("tls", () => tls.close());
    controller = new FaultController({ config, database: postgres, certificate: tls });
  });
  afterAll(async () => {
    await postgres?.release();
    await supervisor?.shutdown();
  });

  const connectError = async () => {
    const client = new pg.Client(postgres.serviceConnection());
    client.on("error", () => {});
    try {
      await client.connect();
      return undefined;
    } catch (error) {
      return error as { code?: string };
    } finally {
      await client.end().catch(() => {});
    }
  };

  it("db-down really stops PostgreSQL; clearing it brings it back", async () => {
    expect((await controller.apply("db-down")).labels).toEqual({ job: "postgres-exporter" });
    expect((await connectError())?.code).toBe("ECONNREFUSED");
    expect(controller.list().find((fault) => fault.name === "db-down")?.active).toBe(true);
    await controller.clear("db-down");
    expect(await connectError()).toBeUndefined();
  });

  it("db-saturated really exhausts the connection limit; clearing it frees the slots", async () => {
    const outcome = await controller.apply("db-saturated");
    expect(outcome.message).toMatch(/^holding 17 connections/);
    expect((await connectError())?.code).toBe("53300");
    await controller.clear("db-saturated");
    expect(await connectError()).toBeUndefined();
  });

  it("cert-expiring and cert-critical serve certificates expiring in 20 and 3 days", async () => {
    const daysLeft = () =>
      new Promise<number>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port: tlsPort, ca: readFileSync(tls.caFile) }, () => {
          const validTo = new Date(socket.getPeerCertificate().valid_to).getTime();
          socket.end();
          resolve(Math.round((validTo - Date.now()) / 86_400_000));
        });
        socket.once("error", reject);
      });
    const expiring = await controller.apply("cert-expiring");
    expect(expiring.labels).toEqual({ instance: `https://127.0.0.1:${tlsPort}` });
    expect(await daysLeft()).toBe(20);
    await controller.apply("cert-critical");
    expect(await daysLeft()).toBe(3);
    await controller.clear("cert-critical");
    expect(await daysLeft()).toBe(90);
  });

  it("endpoint-down makes the endpoint answer 503 over a valid handshake; clearing it brings 200 back", async () => {
    const status = () =>
      new Promise<number>((resolve, reject) => {
        const request = httpsGet(
          { host: "127.0.0.1", port: tlsPort, path: "/", ca: readFileSync(tls.caFile) },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.once("error", reject);
      });
    expect(await status()).toBe(200);
    expect((await controller.apply("endpoint-down")).labels).toEqual({
      instance: `https://127.0.0.1:${tlsPort}`,
    });
    expect(await status()).toBe(503);
    await controller.clear("endpoint-down");
    expect(await status()).toBe(200);
  });

  it("refuses faults whose part of the stack is missing, naming it", async () => {
    await expect(controller.apply("api-down")).rejects.toThrow(
      "api-down needs Plue's services, which this stack does not run",
    );
    await expect(controller.apply("cpu-high")).rejects.toThrow("cpu-high needs the cluster simulator");
    expect(
      controller
        .list()
        .filter((fault) => fault.available)
        .map((fault) => fault.name),
    ).toEqual(["db-down", "db-saturated", "cert-expiring", "cert-critical", "endpoint-down"]);
  });
});

describe("plue-monitoring fault, against the control API", () => {
  let control: ControlServer;
  let port: number;
  let simulator: ClusterSimulator;

  beforeAll(async () => {
    port = await freePort();
    simulator = new ClusterSimulator({ cluster: clusterOptions(config, defaultTopology, 60) });
    control = await startControlServer({
      host: "127.0.0.1",
      port,
      faults: new FaultController({ config, cluster: simulator }),
      status: () => ({ components: [{ name: "cluster-simulator", state: "ready" }] }),
    });
  });
  afterAll(async () => {
    await control?.close();
  });

  it("applies a fault and says which alert to expect, with its labels", async () => {
    const { out, context } = capture();
    expect(await main(["fault", "node-disk-pressure", "--control-port", String(port)], context)).toBe(0);
    expect(out.join("\n")).toBe(
      'node-disk-pressure applied: node plue-node-2: DiskPressure=true. Expect NodeDiskPressure{node="plue-node-2"} to fire once its `for` has passed.',
    );
    expect(simulator.cluster.nodes[1]?.conditions.DiskPressure).toBe("true");
  });

  it("lists every fault with its alert, marking active ones and those this stack cannot apply", async () => {
    const { out, context } = capture();
    expect(await main(["fault", "--list", "--control-port", String(port)], context)).toBe(0);
    const lines = out.join("\n").split("\n");
    expect(lines).toHaveLength(FAULT_NAMES.length + 1);
    expect(lines.find((line) => line.includes("node-disk-pressure"))).toMatch(/NodeDiskPressure +active /);
    expect(lines.find((line) => line.includes("api-down"))).toMatch(/ServiceDown +n\/a /);
    // Available and not active: an empty state column.
    expect(lines.find((line) => line.includes("cpu-high"))).toMatch(/HighCPUUsage {27}an api pod/);
  });

  it("clears a fault", async () => {
    const { out, context } = capture();
    expect(
      await main(["fault", "node-disk-pressure", "--clear", "--control-port", String(port)], context),
    ).toBe(0);
    expect(out.join("\n")).toMatch(
      /^node-disk-pressure cleared: .*NodeDiskPressure\{node="plue-node-2"\} should resolve\.$/,
    );
    expect(simulator.cluster.nodes[1]?.conditions.DiskPressure).toBe("false");
  });

  it("exits 1 naming the missing part when the stack cannot apply the fault", async () => {
    const { err, context } = capture();
    expect(await main(["fault", "api-down", "--control-port", String(port)], context)).toBe(1);
    expect(err.join("\n")).toMatch(/api-down needs the services part of the stack, which is not running/);
  });

  it("exits 2 for an unknown fault, listing the known ones", async () => {
    const { err, context } = capture();
    expect(await main(["fault", "disk-on-fire", "--control-port", String(port)], context)).toBe(2);
    expect(err.join("\n")).toMatch(/no fault named "disk-on-fire"; faults: api-errors, .*node-disk-pressure/);
  });

  it("exits 1 and says how to start a stack when none answers", async () => {
    const nobody = await freePort();
    const { err, context } = capture();
    expect(await main(["fault", "cpu-high", "--control-port", String(nobody)], context)).toBe(1);
    expect(err.join("\n")).toMatch(
      new RegExp(
        `no running stack answers at http://127\\.0\\.0\\.1:${nobody} \\(ECONNREFUSED\\): start it with plue-monitoring up`,
      ),
    );
    const listed = capture();
    expect(await main(["fault", "--list", "--control-port", String(nobody)], listed.context)).toBe(0);
    expect(listed.out.join("\n")).toMatch(/pod-crashloop +PodCrashLooping/);
  });

  it("serves the stack's status", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/status`);
    expect(await response.json()).toEqual({ components: [{ name: "cluster-simulator", state: "ready" }] });
  });
});
