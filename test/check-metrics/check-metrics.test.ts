// `plue-monitoring check-metrics` against real HTTP endpoints serving hand-written expositions:
// the example of docs/metrics-contract.md, and every way an endpoint can break the contract. (What a
// real OpenTelemetry SDK serves is checked in otel-sdk.test.ts.)
import { randomUUID } from "node:crypto";
import dns from "node:dns";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import {
  createServiceMetrics,
  DEFAULT_ROUTE_LIMIT,
  DURATION_BUCKETS,
  OVERFLOW_ROUTE,
  UNMATCHED_ROUTE,
} from "../../src/instrument/index.ts";
import { createCertificateAuthority, issueServerCertificate } from "../../src/local/tls.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { freePort, runCommand, tempDir } from "../helpers/system.ts";
import { checkMetrics } from "../instrument/traffic.ts";
import { type StreamOptions, serveStream } from "./serve-stream.ts";
import { exposition, histogram, OTEL_DEFAULT_BOUNDS, serveText, type TextServer } from "./serve-text.ts";

const servers: TextServer[] = [];
async function endpoint(body: string, options?: Parameters<typeof serveText>[1]): Promise<string> {
  const server = await serveText(body, options);
  servers.push(server);
  return server.url;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const ROOT = new URL("../..", import.meta.url).pathname;
const MiB = 1024 * 1024;

/** A /metrics body streamed on the fly, closed after the test. */
async function streamEndpoint(options: StreamOptions) {
  const server = await serveStream(options);
  servers.push(server);
  return server;
}

/** An endpoint serving the contract's exposition only to HTTP basic auth as user:password. */
async function basicAuthEndpoint(user: string, password: string): Promise<string> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const server = createServer((request, response) => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="metrics"' }).end();
      return;
    }
    response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(exposition());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  servers.push({
    url: `http://127.0.0.1:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return `127.0.0.1:${port}/metrics`;
}

/**
 * Runs fn with dns.lookup answering from `hosts` (and ENOTFOUND for any other .test or .invalid
 * name), as a resolver would: fetch connects through it.
 */
async function withFakeDns<T>(hosts: Record<string, string[]>, fn: () => Promise<T>): Promise<T> {
  const original = dns.lookup;
  const fake = (hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const addresses = hosts[hostname];
    if (!addresses && !/\.(test|invalid)$/.test(hostname)) {
      return (original as (...args: unknown[]) => void)(hostname, options, callback);
    }
    if (!addresses) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: "ENOTFOUND",
        syscall: "getaddrinfo",
        hostname,
      });
      return process.nextTick(callback, error);
    }
    const all = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    if (typeof options === "object" && options !== null && "all" in options && options.all) {
      return process.nextTick(callback, null, all);
    }
    return process.nextTick(callback, null, all[0]?.address, all[0]?.family);
  };
  Object.assign(dns, { lookup: fake });
  try {
    return await fn();
  } finally {
    Object.assign(dns, { lookup: original });
  }
}

/** The real CLI in a child process, with its peak resident set size. */
async function checkMetricsProcess(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; maxRssBytes: number }> {
  const result = await runCommand(
    "node",
    [
      "--import",
      "./test/check-metrics/report-max-rss.mjs",
      "bin/plue-monitoring.mjs",
      "check-metrics",
      ...args,
    ],
    { cwd: ROOT },
  );
  const maxRss = /^max-rss-bytes (\d+)$/m.exec(result.stderr)?.[1];
  if (!maxRss) throw new Error(`no peak RSS reported (exit ${result.code}): ${result.stderr.slice(0, 2000)}`);
  return { ...result, stdout: result.stdout.trimEnd(), maxRssBytes: Number(maxRss) };
}

/** The example exposition of the contract document, verbatim. */
function documentedExample(): string {
  const doc = readFileSync(new URL("../../docs/metrics-contract.md", import.meta.url), "utf8");
  const block = /<!-- example:start -->\n```text\n([\s\S]*?)```\n<!-- example:end -->/.exec(doc)?.[1];
  if (!block) throw new Error("docs/metrics-contract.md has no example block");
  return block;
}

describe("docs/metrics-contract.md", () => {
  it("lists the buckets the Node module uses", () => {
    const doc = readFileSync(new URL("../../docs/metrics-contract.md", import.meta.url), "utf8");
    const listed = /```\n(0\.0[^\n]*\+Inf)\n```/.exec(doc)?.[1];
    expect(listed).toBe([...DURATION_BUCKETS, "+Inf"].join(" "));
  });

  it("lists the OpenTelemetry SDKs' default buckets, which check-metrics passes with a warning", () => {
    const doc = readFileSync(new URL("../../docs/metrics-contract.md", import.meta.url), "utf8");
    const lists = [...doc.matchAll(/```\n(0\.0[^\n]*\+Inf)\n```/g)].map((match) => match[1]);
    expect(lists).toEqual([[...DURATION_BUCKETS, "+Inf"].join(" "), OTEL_DEFAULT_BOUNDS.join(" ")]);
  });
});

function findingLines(stdout: string, verdict: "ok" | "warning:" | "FAIL"): string[] {
  return stdout.split("\n").filter((line) => line.trimStart().startsWith(verdict));
}

describe("check-metrics on endpoints that conform", () => {
  it("passes the documented minimal exposition, which promtool also parses", async () => {
    const example = documentedExample();
    const url = await endpoint(example);
    const result = await checkMetrics(url);
    expect(result.stdout.split("\n")[0]).toBe(`${url}: conforms`);
    expect(findingLines(result.stdout, "ok")).toHaveLength(5);
    expect(result.code).toBe(0);

    const promtool = await promtoolCheckMetrics(example);
    // Parsed (exit 3 is lint only). The one lint remark is about the contract's own OpenTelemetry
    // name: Prometheus conventions keep the _count suffix for histograms and summaries.
    expect(promtool).toEqual({
      code: 3,
      output:
        'db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix\n',
    });
  });

  it("warns, and still passes, for a histogram declared before its first request", async () => {
    const url = await endpoint(
      exposition({ duration: "# TYPE http_server_request_duration_seconds histogram\n" }),
    );
    const result = await checkMetrics(url);
    expect(result.stdout.split("\n")[0]).toBe(`${url}: conforms (1 warning)`);
    expect(findingLines(result.stdout, "warning:")).toEqual([
      "warning: http_server_request_duration_seconds: declared but no samples yet (labels not checked)",
    ]);
    expect(result.code).toBe(0);
  });

  it("passes the OpenTelemetry SDKs' default buckets, warning that a 2 s bucket would make SlowResponseTime exact", async () => {
    const duration = histogram([{ method: "GET", route: "/api/repos", status: "200" }], OTEL_DEFAULT_BOUNDS);
    const url = await endpoint(exposition({ duration }));
    const result = await checkMetrics(url);
    expect(result.stdout.split("\n")[0]).toBe(`${url}: conforms (1 warning)`);
    expect(findingLines(result.stdout, "ok")).toHaveLength(5);
    expect(findingLines(result.stdout, "warning:")).toEqual([
      'warning: http_server_request_duration_seconds: no bucket bound at 2 (le="2"): SlowResponseTime ' +
        '(p99 > 2s) interpolates between le="1" and le="2.5"; a bucket at 2 would make that alert exact',
    ]);
    expect(result.code).toBe(0);
  });

  it("passes a service at its route cap, warning only that routes overflowed", async () => {
    const metrics = createServiceMetrics();
    metrics.registry.removeSingleMetric("http_server_active_requests"); // exposition() adds its own
    for (let index = 0; index < DEFAULT_ROUTE_LIMIT + 30; index++) {
      metrics.requestDuration.record("GET", `/api/area${index}/:id`, 200, 0.05);
    }
    metrics.requestDuration.record("GET", UNMATCHED_ROUTE, 404, 0.001);
    const duration = (await metrics.exposition()).body;
    expect(duration).toContain(`http_route="${OVERFLOW_ROUTE}"`);
    const url = await endpoint(exposition({ duration }));
    const result = await checkMetrics(url);
    expect(result.stdout.split("\n")[0]).toBe(`${url}: conforms (1 warning)`);
    expect(findingLines(result.stdout, "warning:")).toEqual([
      `warning: http_server_request_duration_seconds: http_route "${OVERFLOW_ROUTE}" holds requests on routes ` +
        `beyond the instrumentation's route cap (${DEFAULT_ROUTE_LIMIT} templates recorded): totals are right, ` +
        "per-route figures undercount",
    ]);
    expect(result.code).toBe(0);
  });

  it("accepts labels beyond the contract's and families it does not name", async () => {
    const scope = 'otel_scope_name="plue-api",otel_scope_version="1.4.0"';
    const text = exposition()
      .replaceAll(/\{([^}]*)\}/g, `{$1,${scope}}`)
      .replaceAll(/^(\w+) (\d+)$/gm, `$1{${scope}} $2`);
    const withTarget = `# TYPE target_info gauge\ntarget_info{service_name="api",telemetry_sdk_language="go"} 1\n${text}`;
    expect(withTarget).toContain(
      'db_client_connection_max{db_client_connection_pool_name="main",otel_scope_name=',
    );
    const url = await endpoint(withTarget);
    const result = await checkMetrics(url);
    expect(result.stdout.split("\n")[0]).toBe(`${url}: conforms`);
    expect(findingLines(result.stdout, "ok")).toHaveLength(5);
    expect(result.code).toBe(0);
  });

  it("warns when http_route has more distinct templates than --max-routes", async () => {
    const routes = Array.from({ length: 12 }, (_, index) => ({
      method: "GET",
      route: `/api/r${index}`,
      status: "200",
    }));
    const url = await endpoint(exposition({ duration: histogram(routes) }));
    expect((await checkMetrics(url)).code).toBe(0);
    const result = await checkMetrics("--max-routes", "10", url);
    expect(result.stdout).toMatch(
      /^warning: http_server_request_duration_seconds: http_route has 12 distinct route templates \(more than 10\)/m,
    );
    expect(result.code).toBe(0);
  });
});

describe("check-metrics on endpoints that do not conform", () => {
  it("fails wrong names and wrong types, one line per finding", async () => {
    const url = await endpoint(
      exposition({
        duration:
          '# TYPE http_requests_total counter\nhttp_requests_total{method="GET",path="/",code="200"} 3\n',
        active: "# TYPE http_server_active_requests counter\nhttp_server_active_requests 1\n",
        dbMax: "db_client_connection_max 5\n",
      }),
    );
    const result = await checkMetrics(url);
    expect(result.stdout.split("\n")[0]).toBe(`${url}: does not conform (3 problems)`);
    expect(findingLines(result.stdout, "FAIL")).toEqual([
      expect.stringMatching(/FAIL\s+http_server_request_duration_seconds\s+missing$/),
      expect.stringMatching(/FAIL\s+http_server_active_requests\s+wrong type: counter, expected gauge$/),
      expect.stringMatching(
        /FAIL\s+db_client_connection_max\s+no TYPE line \(untyped\), expected "# TYPE db_client_connection_max gauge"$/,
      ),
    ]);
    expect(findingLines(result.stdout, "ok")).toHaveLength(2);
    expect(result.code).toBe(1);
  });

  it("fails a histogram written without its TYPE line, saying so", async () => {
    const untyped = histogram([{ method: "GET", route: "/", status: "200" }]).replace(/^# TYPE.*\n/, "");
    const result = await checkMetrics(await endpoint(exposition({ duration: untyped })));
    expect(result.stdout).toMatch(
      /FAIL\s+http_server_request_duration_seconds\s+missing \(found untyped http_server_request_duration_seconds_bucket, .*: is "# TYPE http_server_request_duration_seconds histogram" missing\?\)/,
    );
    expect(result.code).toBe(1);
  });

  it("fails missing labels, counting the series that lack them", async () => {
    const duration = histogram([
      { method: "GET", route: "/api/a", status: "200" },
      { method: "GET", status: "200" },
      { method: "GET", route: "", status: "500" },
    ]);
    const dbCount = "# TYPE db_client_connection_count gauge\ndb_client_connection_count 5\n";
    const dbMax = "# TYPE db_client_connection_max gauge\ndb_client_connection_max 5\n";
    const result = await checkMetrics(await endpoint(exposition({ duration, dbCount, dbMax })));
    expect(result.stdout).toMatch(
      /FAIL\s+http_server_request_duration_seconds\s+missing label http_route on 2 of 3 series/,
    );
    expect(result.stdout).toMatch(
      /FAIL\s+db_client_connection_count\s+missing label db_client_connection_state on 1 of 1 series$/m,
    );
    expect(result.stdout).toMatch(
      /FAIL\s+db_client_connection_max\s+missing label db_client_connection_pool_name on 1 of 1 series$/m,
    );
    expect(result.code).toBe(1);
  });

  it("fails the database metrics' older names, saying which convention they come from", async () => {
    // semantic-conventions 1.26 named the attributes db.client.connections.*; 1.25 and earlier named
    // the metrics db.client.connections.* and the attributes state and pool.name.
    const dbCount =
      "# TYPE db_client_connection_count gauge\n" +
      'db_client_connection_count{db_client_connections_state="used",db_client_connections_pool_name="main"} 1\n' +
      'db_client_connection_count{db_client_connections_state="idle",db_client_connections_pool_name="main"} 4\n';
    const dbMax = '# TYPE db_client_connections_max gauge\ndb_client_connections_max{pool_name="main"} 5\n';
    const dbTimeouts =
      '# TYPE db_client_connection_errors_total counter\ndb_client_connection_errors_total{pool_name="main"} 0\n';
    const result = await checkMetrics(await endpoint(exposition({ dbCount, dbMax, dbTimeouts })));
    expect(findingLines(result.stdout, "FAIL")).toEqual([
      expect.stringMatching(
        /FAIL\s+db_client_connection_count\s+missing label db_client_connection_state on 2 of 2 series \(found db_client_connections_state, the name in semantic-conventions 1\.26: rename it db_client_connection_state\)$/,
      ),
      expect.stringMatching(
        /FAIL\s+db_client_connection_count\s+missing label db_client_connection_pool_name on 2 of 2 series \(found db_client_connections_pool_name, the name in semantic-conventions 1\.26: rename it db_client_connection_pool_name\)$/,
      ),
      expect.stringMatching(
        /FAIL\s+db_client_connection_max\s+missing \(found db_client_connections_max, the name in semantic-conventions 1\.25 and earlier\)$/,
      ),
      expect.stringMatching(
        /FAIL\s+db_client_connection_timeouts_total\s+missing \(found db_client_connection_errors_total, which no OpenTelemetry convention defines; count the pool checkouts that timed out instead\)$/,
      ),
    ]);
    expect(result.code).toBe(1);
  });

  it("fails a duration histogram named without its unit suffix, as the OpenTelemetry JS exporter writes it", async () => {
    const duration = histogram([{ method: "GET", route: "/", status: "200" }]).replaceAll(
      "http_server_request_duration_seconds",
      "http_server_request_duration",
    );
    const result = await checkMetrics(await endpoint(exposition({ duration })));
    expect(findingLines(result.stdout, "FAIL")).toEqual([
      expect.stringMatching(
        /FAIL\s+http_server_request_duration_seconds\s+missing \(found http_server_request_duration, without the unit suffix _seconds: OpenTelemetry's JS Prometheus exporter leaves units out of names; rename the stream with a View, see docs\/metrics-contract\.md\)$/,
      ),
    ]);
    expect(result.code).toBe(1);
  });

  it("fails routes that are raw URLs: numbers, UUIDs, long hex, queries", async () => {
    const raw = [
      "/api/users/17",
      `/api/sessions/${randomUUID()}`,
      "/api/commits/9f86d081884c7d659a2feaa0",
      "/api/search?q=x",
    ];
    const templates = ["/api/users/:id", "unmatched", "/api/v2/orgs/:org"];
    const duration = histogram(
      [...raw, ...templates].map((route) => ({ method: "GET", route, status: "200" })),
    );
    const result = await checkMetrics(await endpoint(exposition({ duration })));
    const failures = findingLines(result.stdout, "FAIL");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /http_route has 4 of 7 values that look like raw URLs.*"\/api\/commits\/9f86d081884c7d659a2feaa0"/,
    );
    expect(result.code).toBe(1);
  });

  it("fails a duration histogram whose buckets all end below 2 seconds, or an incomplete series", async () => {
    // histogram_quantile never answers more than the highest finite bound: p99 > 2 could never hold.
    const belowTwo = histogram([{ method: "GET", route: "/", status: "200" }], ["0.5", "1", "+Inf"]);
    const belowTwoResult = await checkMetrics(await endpoint(exposition({ duration: belowTwo })));
    expect(findingLines(belowTwoResult.stdout, "FAIL")).toEqual([
      expect.stringMatching(
        /FAIL\s+http_server_request_duration_seconds\s+no bucket bound at or above 2 \(highest le="1"\): p99 can never exceed 1s, so SlowResponseTime \(p99 > 2s\) can never fire$/,
      ),
    ]);
    expect(belowTwoResult.code).toBe(1);

    const infOnly = histogram([{ method: "GET", route: "/", status: "200" }], ["+Inf"]);
    const infOnlyResult = await checkMetrics(await endpoint(exposition({ duration: infOnly })));
    expect(findingLines(infOnlyResult.stdout, "FAIL")).toEqual([
      expect.stringMatching(
        /FAIL\s+http_server_request_duration_seconds\s+no finite bucket bound: p99 cannot be computed/,
      ),
    ]);
    expect(infOnlyResult.code).toBe(1);

    const noInf = histogram([{ method: "GET", route: "/", status: "200" }], ["0.5", "2"]);
    const noInfResult = await checkMetrics(await endpoint(exposition({ duration: noInf })));
    expect(noInfResult.stdout).toMatch(
      /FAIL\s+http_server_request_duration_seconds\s+1 of 1 series lack a le="\+Inf" bucket/,
    );
    expect(noInfResult.code).toBe(1);
  });

  it("fails label values the rules cannot use: non-numeric status codes, unknown pool states", async () => {
    const duration = histogram([{ method: "GET", route: "/", status: "OK" }]);
    const dbCount =
      "# TYPE db_client_connection_count gauge\n" +
      'db_client_connection_count{db_client_connection_state="busy",db_client_connection_pool_name="main"} 1\n' +
      'db_client_connection_count{db_client_connection_state="idle",db_client_connection_pool_name="main"} 4\n';
    const result = await checkMetrics(await endpoint(exposition({ duration, dbCount })));
    expect(result.stdout).toMatch(
      /FAIL\s+http_server_request_duration_seconds\s+http_response_status_code values that are not HTTP statuses: "OK"/,
    );
    expect(result.stdout).toMatch(
      /FAIL\s+db_client_connection_count\s+unexpected db_client_connection_state values "busy" \(expected "used" and "idle"\)/,
    );
    expect(result.stdout).toMatch(
      /FAIL\s+db_client_connection_count\s+no series with db_client_connection_state "used"/,
    );
    expect(result.code).toBe(1);
  });
});

describe("check-metrics on endpoints it cannot check", () => {
  it("exits 2 when nothing listens, saying the connection was refused and where", async () => {
    const url = `http://127.0.0.1:${await freePort()}/metrics`;
    const result = await checkMetrics(url);
    expect(result.stdout).toBe(`${url}: unreachable: connection refused (${new URL(url).host})`);
    expect(result.code).toBe(2);
  });

  it('says connection refused for a name with two addresses, naming both, not "fetch failed"', async () => {
    // fetch reports the attempts on ::1 and 127.0.0.1 as one AggregateError under "fetch failed".
    const port = await freePort();
    const result = await withFakeDns({ "two-addresses.test": ["::1", "127.0.0.1"] }, () =>
      checkMetrics(`http://two-addresses.test:${port}/metrics`),
    );
    expect(result.stdout).toBe(
      `http://two-addresses.test:${port}/metrics: unreachable: connection refused ([::1]:${port}, 127.0.0.1:${port})`,
    );
    expect(result.code).toBe(2);
  });

  it("says the host was not found when DNS has no address for it", async () => {
    const result = await withFakeDns({}, () => checkMetrics("http://no-such-service.invalid:4000/metrics"));
    expect(result.stdout).toBe(
      "http://no-such-service.invalid:4000/metrics: unreachable: host not found (no DNS address for no-such-service.invalid)",
    );
    expect(result.code).toBe(2);
  });

  it("names TLS failures: https to a plain http server, a certificate from an unknown CA", async () => {
    const plain = new URL(await endpoint(exposition()));
    plain.protocol = "https:";
    const wrongProtocol = await checkMetrics(plain.href);
    expect(wrongProtocol.stdout).toBe(
      `${plain.href}: unreachable: TLS error: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER); does it serve plain http?`,
    );
    expect(wrongProtocol.code).toBe(2);

    const dir = tempDir();
    const server = createHttpsServer((_request, response) => response.end(exposition()));
    try {
      const ca = await createCertificateAuthority(dir.path);
      const certificate = await issueServerCertificate(ca, dir.path, "127.0.0.1", 1);
      server.setSecureContext({
        cert: readFileSync(certificate.certFile),
        key: readFileSync(certificate.keyFile),
      });
      const port = await freePort();
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      const untrusted = await checkMetrics(`https://127.0.0.1:${port}/metrics`);
      expect(untrusted.stdout).toBe(
        `https://127.0.0.1:${port}/metrics: unreachable: TLS error: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
      );
      expect(untrusted.code).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
      dir.cleanup();
    }
  });

  it("exits 2 on an HTTP error status", async () => {
    const url = await endpoint("oops\n", { status: 503 });
    const result = await checkMetrics(url);
    expect(result.stdout).toBe(`${url}: unreachable: HTTP 503 Service Unavailable`);
    expect(result.code).toBe(2);
  });

  it("exits 2 on text that is not the exposition format, naming the line", async () => {
    const url = await endpoint(`${exposition()}<html>not metrics</html>\n`);
    const result = await checkMetrics(url);
    expect(result.stdout).toBe(`${url}: unparseable: line 18: invalid metric name`);
    expect(result.code).toBe(2);
  });

  it("exits 2 when a scrape times out", async () => {
    const { createServer } = await import("node:http");
    const silent = createServer(() => {}); // accepts, never answers
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    try {
      const result = await checkMetrics("--timeout", "0.3", `http://127.0.0.1:${port}/metrics`);
      expect(result.stdout).toBe(
        `http://127.0.0.1:${port}/metrics: unreachable: timed out after 0.3 s (--timeout)`,
      );
      expect(result.code).toBe(2);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe("check-metrics on bodies over the size limit", () => {
  it.each([
    ["one line", "one"],
    ["many lines", "many"],
  ] as const)(
    "refuses a 400 MB body in %s, reading no further than the limit, in bounded memory",
    async (_name, lines) => {
      const bytes = 400 * 1000 * 1000;
      const server = await streamEndpoint({ bytes, lines });
      const started = performance.now();
      const result = await checkMetricsProcess(server.url);
      expect(result.stdout).toBe(
        `${server.url}: too large: the body is over 8 MiB, the limit of --max-bytes (reading stopped there); raise it with --max-bytes SIZE`,
      );
      expect(result.code).toBe(2);
      expect(result.maxRssBytes).toBeLessThan(1024 * MiB);
      // The client went away early: the server stopped within socket buffers of the limit.
      const finished = await server.finished();
      expect(finished.complete).toBe(false);
      expect(finished.sent).toBeLessThan(64 * MiB);
      expect(performance.now() - started).toBeLessThan(20_000);
    },
  );

  it("refuses a body whose Content-Length is over the limit before reading it", async () => {
    const server = await streamEndpoint({ bytes: 400 * 1000 * 1000, lines: "many", contentLength: true });
    const result = await checkMetricsProcess(server.url);
    expect(result.stdout).toBe(
      `${server.url}: too large: Content-Length 400000000 bytes (381.5 MiB) is over 8 MiB, the limit of --max-bytes; raise it with --max-bytes SIZE`,
    );
    expect(result.code).toBe(2);
    expect(result.maxRssBytes).toBeLessThan(1024 * MiB);
    expect((await server.finished()).sent).toBeLessThan(64 * MiB);
  });

  it("--max-bytes lowers the limit: a body over it is refused, one at it is checked as usual", async () => {
    const body = exposition();
    const bytes = Buffer.byteLength(body);
    const url = await endpoint(body); // chunked: only counting the stream tells its size
    const over = await checkMetrics("--max-bytes", String(bytes - 1), url);
    expect(over.stdout).toBe(
      `${url}: too large: the body is over ${bytes - 1} bytes, the limit of --max-bytes (reading stopped there); raise it with --max-bytes SIZE`,
    );
    expect(over.code).toBe(2);
    const at = await checkMetrics("--max-bytes", String(bytes), url);
    expect(at.stdout.split("\n")[0]).toBe(`${url}: conforms`);
    expect(at.code).toBe(0);

    const declared = await streamEndpoint({ bytes: 2048, lines: "many", contentLength: true });
    const declaredOver = await checkMetrics("--max-bytes", "2047", declared.url);
    expect(declaredOver.stdout).toBe(
      `${declared.url}: too large: Content-Length 2048 bytes (2 KiB) is over 2047 bytes, the limit of --max-bytes; raise it with --max-bytes SIZE`,
    );
    expect(declaredOver.code).toBe(2);
    const declaredAt = await checkMetrics("--max-bytes", "2KiB", declared.url);
    expect(declaredAt.stdout.split("\n")[0]).toBe(`${declared.url}: does not conform (5 problems)`);
    expect(declaredAt.code).toBe(1);
  });

  it("reads sizes in bytes or with a unit, and rejects anything else", async () => {
    const url = await endpoint(exposition());
    for (const size of ["64KiB", "64kb", "1MiB", "0.5MB", "2 MiB", "100000"]) {
      const result = await checkMetrics("--max-bytes", size, url);
      expect(result.stdout.split("\n")[0], size).toBe(`${url}: conforms`);
      expect(result.code).toBe(0);
    }
    for (const size of ["", "0", "-1", "12XB", "1e6", "MiB", "0.1B"]) {
      const result = await checkMetrics(`--max-bytes=${size}`, url);
      expect(result.stderr, size).toContain(`--max-bytes must be a size such as 8388608, 512KiB or 8MiB`);
      expect(result.code).toBe(2);
    }
    const huge = await checkMetrics("--max-bytes", "1GiB", url);
    expect(huge.stderr).toContain("--max-bytes is at most 256 MiB");
    expect(huge.code).toBe(2);
  });
});

describe("check-metrics with credentials in the URL", () => {
  const PASSWORD = "s3cret%2Fpw"; // percent-encoded in the URL: the password is s3cret/pw
  const SECRETS = [/s3cret/, /%2Fpw/];
  function expectNoSecret(result: { stdout: string; stderr: string }): void {
    for (const secret of SECRETS) expect(`${result.stdout}\n${result.stderr}`).not.toMatch(secret);
  }

  it("sends them as basic auth and prints the URL with *** for them", async () => {
    const hostPath = await basicAuthEndpoint("scraper", "s3cret/pw");
    const result = await checkMetrics(`http://scraper:${PASSWORD}@${hostPath}`);
    expect(result.stdout.split("\n")[0]).toBe(`http://***@${hostPath}: conforms`);
    expect(result.code).toBe(0);
    expectNoSecret(result);

    const wrong = await checkMetrics(
      `http://scraper:s3cret-wrong@${hostPath}`,
      `http://scraper:${PASSWORD}@${hostPath}`,
    );
    expect(wrong.stdout).toContain(`http://***@${hostPath}: unreachable: HTTP 401 Unauthorized`);
    expect(wrong.stdout.split("\n").at(-1)).toBe("2 endpoints: 1 conform, 0 do not, 1 could not be checked");
    expectNoSecret(wrong);
  });

  it("never prints them for an endpoint that cannot be reached", async () => {
    const port = await freePort();
    const refused = await checkMetrics(`http://scraper:${PASSWORD}@127.0.0.1:${port}/metrics`);
    expect(refused.stdout).toBe(
      `http://***@127.0.0.1:${port}/metrics: unreachable: connection refused (127.0.0.1:${port})`,
    );
    expectNoSecret(refused);
    // A token alone, as the user name, is as secret as a password.
    const token = await checkMetrics(`http://s3cret-token@127.0.0.1:${port}/metrics`);
    expect(token.stdout).toBe(
      `http://***@127.0.0.1:${port}/metrics: unreachable: connection refused (127.0.0.1:${port})`,
    );
    expectNoSecret(token);
  });

  it("never prints them for a URL that cannot be parsed, even the part a parser would cut off", async () => {
    const malformed = [
      `http://scraper:${PASSWORD}@exa mple:4000/metrics`,
      `http://scraper:s3cret/pw@127.0.0.1:4000/metrics`,
      `scraper:${PASSWORD}@127.0.0.1:4000/metrics`,
      `ftp://scraper:${PASSWORD}@127.0.0.1:4000/metrics`,
    ];
    for (const url of malformed) {
      const result = await checkMetrics(url);
      expect(result.stderr, url).toMatch(/not (a|an http\(s\)) URL: ".*\*\*\*@/);
      expect(result.code).toBe(2);
      expectNoSecret(result);
    }
    const second = await checkMetrics(
      "http://127.0.0.1:4000/metrics",
      `http://scraper:${PASSWORD}@[bad/metrics`,
    );
    expect(second.stderr).toBe(
      'plue-monitoring check-metrics: not a URL (argument 2 of 2): "http://***@[bad/metrics"; expected http://host:port/metrics',
    );
    expectNoSecret(second);
  });

  it("never prints them from the real CLI either", async () => {
    const hostPath = await basicAuthEndpoint("scraper", "s3cret/pw");
    const result = await runCommand(
      "node",
      [
        "bin/plue-monitoring.mjs",
        "check-metrics",
        `http://scraper:${PASSWORD}@${hostPath}`,
        `http://scraper:${PASSWORD}@127.0.0.1:${await freePort()}/metrics`,
      ],
      { cwd: ROOT },
    );
    expect(result.stdout).toContain(`http://***@${hostPath}: conforms`);
    expect(result.code).toBe(2);
    expectNoSecret(result);
  });
});

describe("check-metrics with several endpoints", () => {
  it("reports each and exits with the worst: 1 when one does not conform, 2 when one is down", async () => {
    const good = await endpoint(exposition());
    const bad = await endpoint(exposition({ active: "" }));
    const mixed = await checkMetrics(good, bad);
    expect(mixed.stdout).toContain(`${good}: conforms`);
    expect(mixed.stdout).toContain(`${bad}: does not conform (1 problem)`);
    expect(mixed.stdout.split("\n").at(-1)).toBe("2 endpoints: 1 conform, 1 do not");
    expect(mixed.code).toBe(1);

    const down = `http://127.0.0.1:${await freePort()}/metrics`;
    const withDown = await checkMetrics(good, bad, down);
    expect(withDown.stdout.split("\n").at(-1)).toBe(
      "3 endpoints: 1 conform, 1 do not, 1 could not be checked",
    );
    expect(withDown.code).toBe(2);
  });
});

describe("check-metrics command line", () => {
  it("exits 2 without a URL or with a bad one, 0 for --help", async () => {
    const none = await checkMetrics();
    expect(none.stderr).toContain("no URL given");
    expect(none.code).toBe(2);
    const notUrl = await checkMetrics("localhost:4000");
    expect(notUrl.stderr).toMatch(/not an http\(s\) URL|not a URL/);
    expect(notUrl.code).toBe(2);
    const badFlag = await checkMetrics("--max-routes", "many", "http://127.0.0.1:1/metrics");
    expect(badFlag.stderr).toContain("--max-routes must be a positive number");
    expect(badFlag.code).toBe(2);
    const help = await checkMetrics("--help");
    expect(help.stdout).toContain("Usage: plue-monitoring check-metrics");
    expect(help.code).toBe(0);
  });

  it("sets the process exit code through bin/plue-monitoring.mjs", async () => {
    const bad = await endpoint(exposition({ active: "" }));
    const result = await runCommand("node", ["bin/plue-monitoring.mjs", "check-metrics", bad], {
      cwd: new URL("../..", import.meta.url).pathname,
    });
    expect(result.stdout).toContain("FAIL  http_server_active_requests");
    expect(result.code).toBe(1);
  });
});
