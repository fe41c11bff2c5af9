// The recording rules on the real promtool, fed series labelled as the real exporters label them
// (exporter-series.ts). Every expected value is worked out by hand from those inputs.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../src/render.ts";
import { ruleFiles } from "../../src/rules/index.ts";
import { recorded } from "../../src/rules/recording.ts";
import { scaledTiming } from "../../src/rules/timing.ts";
import { testConfig } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import {
  API_1,
  clusterSeries,
  httpSeries,
  MiB,
  PHASES,
  podsIn,
  resourceSeries,
  restarts,
  sample,
  selector,
  WEB_1,
} from "./exporter-series.ts";

const quantileMs = (quantile: string) =>
  `round(10000 * ${recorded.latencyQuantile}{namespace="plue", service="api", quantile="${quantile}"})`;

const tests = [
  {
    name: "Plue HTTP, database pool and scrape health",
    interval: "1m",
    input_series: httpSeries,
    promql_expr_test: [
      {
        expr: recorded.requestRate,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.requestRate, { namespace: "plue", service: "api" }, 4),
          sample(recorded.requestRate, { namespace: "plue", service: "web" }, 1),
        ],
      },
      {
        expr: `${recorded.requestRateByRouteAndCode}{service="api", http_route="/orders"}`,
        eval_time: "10m",
        exp_samples: [
          ["201", 0.25],
          ["500", 0.25],
        ].map(([code, value]) =>
          sample(
            recorded.requestRateByRouteAndCode,
            {
              namespace: "plue",
              service: "api",
              http_request_method: "POST",
              http_route: "/orders",
              http_response_status_code: String(code),
            },
            Number(value),
          ),
        ),
      },
      {
        expr: recorded.requestRateByRoute,
        eval_time: "10m",
        exp_samples: [
          ["api", "GET", "/users/:id", 3.5],
          ["api", "POST", "/orders", 0.5],
          ["web", "GET", "/", 1],
        ].map(([service, method, route, value]) =>
          sample(
            recorded.requestRateByRoute,
            {
              namespace: "plue",
              service: String(service),
              http_request_method: String(method),
              http_route: String(route),
            },
            Number(value),
          ),
        ),
      },
      {
        expr: recorded.requestRateByCode,
        eval_time: "10m",
        exp_samples: [
          ["api", "200", 3.5],
          ["api", "201", 0.25],
          ["api", "500", 0.25],
          ["web", "200", 1],
        ].map(([service, code, value]) =>
          sample(
            recorded.requestRateByCode,
            { namespace: "plue", service: String(service), http_response_status_code: String(code) },
            Number(value),
          ),
        ),
      },
      {
        // web has never served a 5xx: 0, not missing.
        expr: recorded.serverErrorRatio,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.serverErrorRatio, { namespace: "plue", service: "api" }, 0.0625),
          sample(recorded.serverErrorRatio, { namespace: "plue", service: "web" }, 0),
        ],
      },
      {
        expr: `${recorded.latencyBuckets}{service="api"}`,
        eval_time: "10m",
        exp_samples: [
          ["0.25", 1.5],
          ["0.5", 3.5],
          ["1", 3.75],
          ["2", 4],
          ["+Inf", 4],
        ].map(([le, value]) =>
          sample(
            recorded.latencyBuckets,
            { namespace: "plue", service: "api", le: String(le) },
            Number(value),
          ),
        ),
      },
      // Quantiles in tenths of a millisecond: p50 interpolates inside (0.25, 0.5], p95 and p99 inside (1, 2].
      ...[
        ["0.5", 3125],
        ["0.95", 12000],
        ["0.99", 18400],
      ].map(([quantile, value]) => ({
        expr: quantileMs(String(quantile)),
        eval_time: "10m",
        exp_samples: [
          { labels: selector("", { namespace: "plue", service: "api", quantile: String(quantile) }), value },
        ],
      })),
      {
        expr: recorded.activeRequests,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.activeRequests, { namespace: "plue", service: "api" }, 5),
          sample(recorded.activeRequests, { namespace: "plue", service: "web" }, 1),
        ],
      },
      {
        expr: recorded.dbConnectionsByState,
        eval_time: "10m",
        exp_samples: [
          sample(
            recorded.dbConnectionsByState,
            { namespace: "plue", service: "api", db_client_connection_state: "used" },
            6,
          ),
          sample(
            recorded.dbConnectionsByState,
            { namespace: "plue", service: "api", db_client_connection_state: "idle" },
            14,
          ),
        ],
      },
      {
        expr: recorded.dbConnectionsMax,
        eval_time: "10m",
        exp_samples: [sample(recorded.dbConnectionsMax, { namespace: "plue", service: "api" }, 20)],
      },
      {
        expr: recorded.podsUp,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.podsUp, { namespace: "plue", service: "api" }, 1),
          sample(recorded.podsUp, { namespace: "plue", service: "web" }, 1),
        ],
      },
    ],
  },
  {
    name: "Container CPU and memory per service, without the pod cgroup or the pause container",
    interval: "1m",
    input_series: [...resourceSeries, ...httpSeries.filter((s) => s.series.startsWith("up{"))],
    promql_expr_test: [
      {
        expr: `${recorded.containerCpu}{pod="${API_1}"}`,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.containerCpu, { namespace: "plue", pod: API_1, container: "api" }, 0.5),
          sample(recorded.containerCpu, { namespace: "plue", pod: API_1, container: "log-shipper" }, 0.25),
        ],
      },
      {
        expr: `${recorded.containerMemory}{pod="${API_1}"}`,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.containerMemory, { namespace: "plue", pod: API_1, container: "api" }, 256 * MiB),
          sample(
            recorded.containerMemory,
            { namespace: "plue", pod: API_1, container: "log-shipper" },
            64 * MiB,
          ),
        ],
      },
      {
        expr: recorded.serviceCpu,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.serviceCpu, { namespace: "plue", service: "api" }, 0.875),
          sample(recorded.serviceCpu, { namespace: "plue", service: "web" }, 0.125),
        ],
      },
      {
        expr: recorded.serviceMemory,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.serviceMemory, { namespace: "plue", service: "api" }, (256 + 64 + 128) * MiB),
          sample(recorded.serviceMemory, { namespace: "plue", service: "web" }, 96 * MiB),
        ],
      },
      {
        // api-1's sidecar has no limit, so only its api container counts: 0.5 of 1 core.
        expr: recorded.serviceCpuOfLimit,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.serviceCpuOfLimit, { namespace: "plue", service: "api" }, 0.5),
          sample(recorded.serviceCpuOfLimit, { namespace: "plue", service: "web" }, 0.25),
        ],
      },
      {
        expr: recorded.serviceMemoryOfLimit,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.serviceMemoryOfLimit, { namespace: "plue", service: "api" }, 0.5),
          sample(recorded.serviceMemoryOfLimit, { namespace: "plue", service: "web" }, 0.75),
        ],
      },
    ],
  },
  {
    name: "Cluster: pods by phase, node CPU",
    interval: "1m",
    input_series: clusterSeries,
    promql_expr_test: [
      {
        expr: recorded.podsByPhase,
        eval_time: "10m",
        exp_samples: PHASES.flatMap((phase) => [
          sample(recorded.podsByPhase, { namespace: "plue", phase }, podsIn.plue[phase]),
          sample(recorded.podsByPhase, { namespace: "monitoring", phase }, podsIn.monitoring[phase]),
        ]),
      },
      {
        expr: recorded.nodeCpuUtilisation,
        eval_time: "10m",
        exp_samples: [
          sample(recorded.nodeCpuUtilisation, { node: "node-a" }, 0.25),
          sample(recorded.nodeCpuUtilisation, { node: "node-b" }, 0.5),
        ],
      },
    ],
  },
  {
    name: "Restarts over the past hour, per pod",
    interval: "1m",
    input_series: [
      // api-1's api container restarted at 26m, 37m and 48m; its sidecar once at 51m; web never.
      restarts(API_1, "api", "0x25 1x10 2x10 3x70"),
      restarts(API_1, "log-shipper", "0x50 1x70"),
      restarts(WEB_1, "web", "0x120"),
    ],
    promql_expr_test: [
      {
        expr: recorded.podRestarts,
        eval_time: "80m",
        exp_samples: [
          sample(recorded.podRestarts, { namespace: "plue", pod: API_1 }, 4),
          sample(recorded.podRestarts, { namespace: "plue", pod: WEB_1 }, 0),
        ],
      },
      {
        // At 90m the api container's first restart (26m) has left the hour: 2 + 1.
        expr: recorded.podRestarts,
        eval_time: "90m",
        exp_samples: [
          sample(recorded.podRestarts, { namespace: "plue", pod: API_1 }, 3),
          sample(recorded.podRestarts, { namespace: "plue", pod: WEB_1 }, 0),
        ],
      },
      {
        // More than an hour after the last restart (51m), the count is back to 0.
        expr: recorded.podRestarts,
        eval_time: "115m",
        exp_samples: [
          sample(recorded.podRestarts, { namespace: "plue", pod: API_1 }, 0),
          sample(recorded.podRestarts, { namespace: "plue", pod: WEB_1 }, 0),
        ],
      },
    ],
  },
];

describe("recording rules (promtool test rules)", () => {
  const dir = tempDir("plue-recording-rules-");
  const recording = ruleFiles(testConfig()).find((file) => file.name === "recording.yaml");

  beforeAll(() => {
    if (!recording) throw new Error("ruleFiles() renders no recording.yaml");
    writeFileSync(join(dir.path, "recording.yaml"), toYaml({ groups: recording.groups }));
    writeFileSync(
      join(dir.path, "recording.test.yaml"),
      toYaml({ rule_files: ["recording.yaml"], evaluation_interval: "1m", tests }),
    );
  });
  afterAll(() => dir.cleanup());

  it("pass with exporter-shaped input", async () => {
    const result = await runCommand("promtool", ["test", "rules", "recording.test.yaml"], { cwd: dir.path });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("every recorded series has a test", () => {
    const tested = JSON.stringify(tests);
    const untested = Object.values(recorded).filter((name) => !tested.includes(name));
    expect(untested).toEqual([]);
  });

  it("pass promtool check rules when time runs 60 times faster", async () => {
    const { recordingRules } = await import("../../src/rules/recording.ts");
    const fast = recordingRules(testConfig(), scaledTiming(60, "1s"));
    const text = toYaml({ groups: fast });
    expect(text).not.toContain("[5m]");
    writeFileSync(join(dir.path, "recording-fast.yaml"), text);
    const result = await runCommand("promtool", ["check", "rules", "recording-fast.yaml"], { cwd: dir.path });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
