// What the instrumentation tests share: a mix of requests every test server answers alike, scraping
// and reading the result, and running check-metrics with its output captured.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { CommandContext } from "../../src/cli/context.ts";
import { main } from "../../src/cli/main.ts";
import { type MetricFamily, parseExposition } from "../../src/instrument/contract/parse-exposition.ts";
import { DURATION_BUCKETS } from "../../src/instrument/index.ts";

/** How long GET /slow takes: inside the (1, 2] bucket. */
export const SLOW_MS = 1200;

/**
 * Every test server has these routes (templates in its framework's syntax):
 *   GET /users/:id → 200 · POST /users → 201 · GET /items/:itemId → 200 (under a mounted router)
 *   GET /fail → 500 (the handler throws) · GET /slow → 200 after SLOW_MS · GET /metrics
 * and answers 404 to anything else.
 */
export const USER_IDS = Array.from({ length: 20 }, (_, index) => 1000 + index);
export const ITEM_IDS = Array.from({ length: 10 }, () => randomUUID());
export const UNKNOWN_PATHS = Array.from({ length: 5 }, () => `/nope/${randomUUID()}`);

/** Requests by (method, route, status) that the mix produces, for every server. */
export const EXPECTED_COUNTS: readonly [method: string, route: string, status: string, count: number][] = [
  ["GET", "/users/:id", "200", USER_IDS.length],
  ["POST", "/users", "201", 2],
  ["GET", "/items/:itemId", "200", ITEM_IDS.length],
  ["GET", "unmatched", "404", UNKNOWN_PATHS.length],
  ["GET", "/fail", "500", 3],
  ["GET", "/slow", "200", 1],
  // A method outside the standard ones is one label value, whatever clients send.
  ["_OTHER", "unmatched", "404", 1],
];

export async function sendMix(base: string): Promise<void> {
  const requests: Promise<number>[] = [];
  const send = (path: string, init?: RequestInit) =>
    requests.push(
      fetch(base + path, init).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      }),
    );
  for (const id of USER_IDS) send(`/users/${id}`);
  send("/users", { method: "POST" });
  send("/users", { method: "POST" });
  for (const id of ITEM_IDS) send(`/items/${id}`);
  for (const path of UNKNOWN_PATHS) send(path);
  for (let i = 0; i < 3; i++) send("/fail");
  send(`/users/${USER_IDS[0]}`, { method: "PURGE" });
  const statuses = await Promise.all(requests);
  // The servers answer as designed, so the counts below measure the instrumentation alone.
  expect(statuses.filter((status) => status === 200)).toHaveLength(USER_IDS.length + ITEM_IDS.length);
  expect(statuses.filter((status) => status === 404)).toHaveLength(UNKNOWN_PATHS.length + 1);
}

export async function scrape(base: string): Promise<{ text: string; families: Map<string, MetricFamily> }> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, families: parseExposition(text) };
}

/** The value of one sample, or undefined when no sample has exactly these labels. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  family: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const matching = families
    .get(family)
    ?.samples.filter(
      (sample) =>
        sample.name === name &&
        Object.keys(sample.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  expect(matching?.length ?? 0).toBeLessThanOrEqual(1);
  return matching?.[0]?.value;
}

const DURATION = "http_server_request_duration_seconds";

export function requestCount(
  families: Map<string, MetricFamily>,
  method: string,
  route: string,
  status: string,
) {
  return sampleValue(families, DURATION, `${DURATION}_count`, {
    http_request_method: method,
    http_route: route,
    http_response_status_code: status,
  });
}

export function bucketCount(families: Map<string, MetricFamily>, route: string, le: string) {
  return sampleValue(families, DURATION, `${DURATION}_bucket`, {
    le,
    http_request_method: "GET",
    http_route: route,
    http_response_status_code: "200",
  });
}

/** Distinct values of a label across a family's samples. */
export function labelValues(families: Map<string, MetricFamily>, family: string, label: string): string[] {
  const values = new Set(families.get(family)?.samples.map((sample) => sample.labels[label]) ?? []);
  values.delete(undefined);
  return [...values].sort() as string[];
}

/** `le` bounds of one series' buckets, in order. */
export function bucketBounds(families: Map<string, MetricFamily>, route: string, status: string): string[] {
  return (families.get(DURATION)?.samples ?? [])
    .filter(
      (sample) =>
        sample.name === `${DURATION}_bucket` &&
        sample.labels.http_route === route &&
        sample.labels.http_response_status_code === status,
    )
    .map((sample) => sample.labels.le as string);
}

/** Runs `plue-monitoring check-metrics ARGS` in-process, capturing its output. */
export async function checkMetrics(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CommandContext = {
    cwd: process.cwd(),
    env: {},
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  };
  const code = await main(["check-metrics", ...args], context);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

/** A promise and its resolve, for a handler to say it has been reached. */
export function signal(): { reached: () => void; wait: Promise<void> } {
  let reached = () => {};
  const wait = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return { reached, wait };
}

/**
 * The whole story on one server: a slow request in flight shows in the gauge; after the mix, each
 * (method, route, status) has its exact count, routes are templates however many IDs the URLs
 * carried, the buckets are the contract's, the slow request sits in its bucket; check-metrics passes.
 */
export async function exerciseServer(
  base: string,
  slowReached: Promise<void>,
  checkArgs: readonly string[] = [],
): Promise<void> {
  const slow = fetch(`${base}/slow`).then((response) => response.status);
  await slowReached;
  const during = await scrape(base);
  // The slow request and this scrape itself.
  expect(sampleValue(during.families, "http_server_active_requests", "http_server_active_requests", {})).toBe(
    2,
  );
  expect(requestCount(during.families, "GET", "/slow", "200")).toBeUndefined();

  await sendMix(base);
  expect(await slow).toBe(200);
  const { families } = await scrape(base);

  for (const [method, route, status, count] of EXPECTED_COUNTS) {
    expect(requestCount(families, method, route, status), `${method} ${route} ${status}`).toBe(count);
  }
  // Only the scrape in progress is active.
  expect(sampleValue(families, "http_server_active_requests", "http_server_active_requests", {})).toBe(1);
  // 35 distinct URLs, 7 route values: the templates, "unmatched" and /metrics (the first scrape).
  expect(labelValues(families, "http_server_request_duration_seconds", "http_route")).toEqual(
    ["/fail", "/items/:itemId", "/metrics", "/slow", "/users", "/users/:id", "unmatched"].sort(),
  );
  expect(labelValues(families, "http_server_request_duration_seconds", "http_request_method")).toEqual([
    "GET",
    "POST",
    "_OTHER",
  ]);
  expect(bucketBounds(families, "/users/:id", "200")).toEqual([...DURATION_BUCKETS.map(String), "+Inf"]);
  expect(bucketCount(families, "/slow", "1")).toBe(0);
  expect(bucketCount(families, "/slow", "2")).toBe(1);
  // Every fast request falls below the slow threshold.
  expect(bucketCount(families, "/users/:id", "2")).toBe(USER_IDS.length);

  const check = await checkMetrics(`${base}/metrics`, ...checkArgs);
  expect(check.stdout).toContain(": conforms");
  expect(check.stdout).not.toContain("FAIL");
  expect(check.code).toBe(0);
}
