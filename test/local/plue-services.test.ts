// Plue's local services on a throwaway PostgreSQL: routes recorded as templates, the api's faults
// (an evenly spread share of 500s, added latency, stop and start), PostgreSQL stopping, filling up
// and hanging as the services see it, and the traffic generator's steady mix.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, type Sample } from "../../src/instrument/contract/parse-exposition.ts";
import { CHECKOUT_TIMEOUT_MS, migrate, POOL_SIZE } from "../../src/local/plue/database.ts";
import { FaultKnobs } from "../../src/local/plue/knobs.ts";
import type { PlueServiceName } from "../../src/local/plue/service.ts";
import { PLUE_SERVICE_NAMES, PlueServices } from "../../src/local/plue/services.ts";
import { plueTraffic, startTraffic, TRAFFIC } from "../../src/local/plue/traffic.ts";
import { type LocalPostgres, startPostgres } from "../../src/local/postgres.ts";
import { Supervisor } from "../../src/local/supervisor.ts";
import { freePort } from "../helpers/system.ts";

let supervisor: Supervisor;
let postgres: LocalPostgres;
let services: PlueServices;

beforeAll(async () => {
  supervisor = new Supervisor({ prefix: "plue-monitoring-test-" });
  postgres = await startPostgres(supervisor, { host: "127.0.0.1", port: await freePort() });
  await migrate(postgres.serviceConnection());
  services = new PlueServices({
    host: "127.0.0.1",
    ports: { api: await freePort(), web: await freePort(), electric: await freePort() },
    database: postgres.serviceConnection(),
  });
  for (const name of PLUE_SERVICE_NAMES) await services.start(name);
});

afterAll(async () => {
  await services?.stopAll();
  await supervisor?.shutdown();
});

async function status(service: PlueServiceName, path: string, method = "GET"): Promise<number> {
  const response = await fetch(`${services.url(service)}${path}`, { method });
  await response.body?.cancel();
  return response.status;
}

async function samples(service: PlueServiceName, name: string): Promise<Sample[]> {
  const text = await (await fetch(`${services.url(service)}/metrics`)).text();
  return [...parseExposition(text).values()].flatMap((family) =>
    family.samples.filter((sample) => sample.name === name),
  );
}

const requestCount = async (service: PlueServiceName, labels: Record<string, string>) =>
  (await samples(service, "http_server_request_duration_seconds_count"))
    .filter((sample) => Object.entries(labels).every(([name, value]) => sample.labels[name] === value))
    .reduce((sum, sample) => sum + sample.value, 0);

describe("Plue's local services", () => {
  it("answer their routes and record route templates, not paths; scrapes are not requests", async () => {
    expect(await status("api", "/api/repos/plue/cli")).toBe(200);
    expect(await status("api", "/api/repos/plue/no-such-repo")).toBe(404);
    expect(await status("api", "/api/repos/plue/cli/star", "POST")).toBe(200);
    expect(await status("web", "/plue/cli")).toBe(200);
    expect(await status("web", "/assets/app.css")).toBe(200);
    expect(await status("electric", "/v1/shape?table=issues&offset=-1")).toBe(200);
    expect(await status("electric", "/v1/shape?table=nothing")).toBe(400);

    expect(
      await requestCount("api", { http_route: "/api/repos/:owner/:name", http_response_status_code: "404" }),
    ).toBe(1);
    expect(
      await requestCount("api", { http_route: "/api/repos/:owner/:name/star", http_request_method: "POST" }),
    ).toBe(1);
    expect(await requestCount("web", { http_route: "/:owner/:name" })).toBe(1);
    expect(await requestCount("web", { http_route: "/assets/:file" })).toBe(1);
    expect(
      await requestCount("electric", { http_route: "/v1/shape", http_response_status_code: "400" }),
    ).toBe(1);
    for (const service of PLUE_SERVICE_NAMES) {
      const routes = (await samples(service, "http_server_request_duration_seconds_count")).map(
        (sample) => sample.labels.http_route,
      );
      expect(routes).not.toContain("/metrics");
      expect(routes.some((route) => route?.includes("cli") || route?.includes("issues"))).toBe(false);
    }
  });

  it("api and web each keep a full pool of connections, observed in their metrics", async () => {
    for (const service of ["api", "web"] as const) {
      const counts = await samples(service, "db_client_connection_count");
      expect(counts.reduce((sum, sample) => sum + sample.value, 0)).toBe(POOL_SIZE);
      expect((await samples(service, "db_client_connection_max"))[0]?.value).toBe(POOL_SIZE);
    }
    expect(await samples("electric", "db_client_connection_count")).toEqual([]);
  });

  it("the api answers an evenly spread share of its requests with 500", async () => {
    services.setErrorShare("api", 0.25);
    const statuses: number[] = [];
    for (let request = 0; request < 20; request++) statuses.push(await status("api", "/api/health"));
    services.setErrorShare("api", 0);
    // Every fourth request, never two in a row: a steady share, not a random one.
    expect(statuses.map((code, index) => (code === 500 ? index + 1 : 0)).filter(Boolean)).toEqual([
      4, 8, 12, 16, 20,
    ]);
    expect(await requestCount("api", { http_route: "/api/health", http_response_status_code: "500" })).toBe(
      5,
    );
    expect(await status("api", "/api/health")).toBe(200);
  });

  it("the api adds latency to every response while asked to", async () => {
    services.setExtraLatency("api", 0.4);
    const began = performance.now();
    expect(await status("api", "/api/health")).toBe(200);
    const slow = performance.now() - began;
    services.setExtraLatency("api", 0);
    const again = performance.now();
    await status("api", "/api/health");
    expect(slow).toBeGreaterThanOrEqual(400);
    expect(performance.now() - again).toBeLessThan(200);
  });

  it("a stopped api refuses connections; started again, it counts from zero", async () => {
    expect(await requestCount("api", {})).toBeGreaterThan(0);
    await services.stop("api");
    expect(services.state("api")).toBe("stopped");
    await expect(fetch(`${services.url("api")}/api/health`)).rejects.toThrow();
    await services.start("api");
    expect(services.state("api")).toBe("ready");
    expect(await requestCount("api", {})).toBe(0);
    expect(await status("api", "/api/repos")).toBe(200);
  });

  it("keep answering while PostgreSQL is saturated: their pools already hold their connections", async () => {
    const held = await postgres.saturate();
    try {
      expect(held).toBeGreaterThan(0);
      expect(await status("api", "/api/repos")).toBe(200);
      expect(await status("web", "/")).toBe(200);
      expect((await samples("api", "db_client_connection_timeouts_total"))[0]?.value).toBe(0);
    } finally {
      await postgres.release();
    }
  });

  it("time out checkouts while PostgreSQL hangs: every pooled connection stuck, the next request waits, then 503", async () => {
    const timeouts = async () => (await samples("api", "db_client_connection_timeouts_total"))[0]?.value;
    expect(await timeouts()).toBe(0);
    // A lock on the table: the api's queries on it hang, as they would on a hung server.
    const locker = new pg.Client(postgres.serviceConnection());
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE repositories IN ACCESS EXCLUSIVE MODE");
      const stuck = Array.from({ length: POOL_SIZE }, () => status("api", "/api/repos"));
      await new Promise((resolve) => setTimeout(resolve, 200)); // they hold every connection now
      const began = performance.now();
      expect(await status("api", "/api/repos")).toBe(503);
      expect(performance.now() - began).toBeGreaterThanOrEqual(CHECKOUT_TIMEOUT_MS - 100);
      expect(await timeouts()).toBe(1);
      await locker.query("ROLLBACK");
      expect(await Promise.all(stuck)).toEqual(Array(POOL_SIZE).fill(200));
    } finally {
      await locker.end().catch(() => {});
    }
  });

  it("answer 503 while PostgreSQL is stopped, counting no timeouts (refused is not one), and recover after", async () => {
    const timeoutsOf = async (service: PlueServiceName) =>
      (await samples(service, "db_client_connection_timeouts_total"))[0]?.value;
    const timeoutsBefore = { api: await timeoutsOf("api"), web: await timeoutsOf("web") };
    await postgres.stop();
    try {
      expect(await status("api", "/api/repos")).toBe(503);
      expect(await status("web", "/")).toBe(503);
      expect(await status("web", "/assets/app.js")).toBe(200);
      expect({ api: await timeoutsOf("api"), web: await timeoutsOf("web") }).toEqual(timeoutsBefore);
    } finally {
      await postgres.start();
    }
    const deadline = Date.now() + 15_000;
    while ((await status("api", "/api/repos")) !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await status("api", "/api/repos")).toBe(200);
    expect(await status("web", "/")).toBe(200);
  });
});

describe("the traffic generator", () => {
  it("sends each service its mix at its rate, 4xx included", async () => {
    const traffic = startTraffic(plueTraffic((service) => services.url(service)));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await traffic.stop();
    const counts = traffic.counts();
    for (const service of PLUE_SERVICE_NAMES) {
      const sent = Object.values(counts[service] ?? {}).reduce((sum, count) => sum + count, 0);
      // One second at the configured rate, give or take a timer tick.
      expect(Math.abs(sent - TRAFFIC[service].perSecond)).toBeLessThanOrEqual(2);
      expect(counts[service]?.["200"]).toBeGreaterThan(0);
    }
    expect(counts.api?.["404"]).toBeGreaterThan(0);
    expect(counts.electric?.["400"]).toBeGreaterThan(0);
  });
});

describe("fault knobs", () => {
  it.each([0.03, 0.1, 0.525, 1])("fail a share of %s of any run of requests, give or take one", (share) => {
    const knobs = new FaultKnobs();
    knobs.setErrorShare(share);
    const outcomes = Array.from({ length: 1_000 }, () => knobs.nextFails());
    for (const window of [33, 100, 400]) {
      for (let start = 0; start + window <= outcomes.length; start += 37) {
        const failed = outcomes.slice(start, start + window).filter(Boolean).length;
        expect(Math.abs(failed - window * share)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("refuse shares outside 0–1", () => {
    expect(() => new FaultKnobs().setErrorShare(1.5)).toThrow("between 0 and 1");
  });
});
