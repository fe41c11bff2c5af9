// HighCPUUsage, CriticalCPUUsage, HighMemoryUsage, CriticalMemoryUsage.
import { apiPod, cadvisorPod, containerLimit, type PodRef, webPod } from "../exporters.ts";
import {
  counter,
  counterSegments,
  type ExpectedAlert,
  fires,
  quiet,
  type RuleCase,
  segments,
  span,
} from "../promtool.ts";

const SAMPLE_SECONDS = 30;
const MEMORY_LIMIT = 512 * 1024 * 1024;

/** cAdvisor CPU series of a pod whose containers use the given cores; the pause container idles. */
function cpu(
  pod: PodRef,
  cores: Record<string, number>,
  minutes: number,
  runtime: "containerd" | "dockershim" = "containerd",
) {
  const samples = span(minutes);
  const total = Object.values(cores).reduce((sum, value) => sum + value, 0) + 0.001;
  return cadvisorPod(
    "container_cpu_usage_seconds_total",
    pod,
    Object.fromEntries(
      Object.entries(cores).map(([name, value]) => [name, counter(value * SAMPLE_SECONDS, samples)]),
    ),
    counter(total * SAMPLE_SECONDS, samples),
    { runtime, values: counter(0.001 * SAMPLE_SECONDS, samples) },
  );
}

function memory(
  pod: PodRef,
  bytes: Record<string, number>,
  minutes: number,
  runtime: "containerd" | "dockershim" = "containerd",
) {
  const samples = span(minutes);
  const pause = 720_896;
  const total = Object.values(bytes).reduce((sum, value) => sum + value, 0) + pause;
  return cadvisorPod(
    "container_memory_working_set_bytes",
    pod,
    Object.fromEntries(Object.entries(bytes).map(([name, value]) => [name, segments([value, samples])])),
    segments([total, samples]),
    { runtime, values: segments([pause, samples]) },
  );
}

export const cpuAlert = (name: string, pod: PodRef, percent: string, threshold: number): ExpectedAlert => ({
  labels: {
    namespace: pod.namespace,
    pod: pod.pod,
    pair: "cpu",
    severity: name === "HighCPUUsage" ? "warning" : "critical",
  },
  annotations: {
    summary: `Pod ${pod.namespace}/${pod.pod} uses ${percent} of its CPU limit`,
    description: `Pod ${pod.namespace}/${pod.pod} has used ${percent} of its CPU limit over the last 5 minutes (alert above ${threshold}%). At its limit it is throttled.`,
  },
});

const memoryAlert = (name: string, pod: PodRef, percent: string, threshold: number): ExpectedAlert => ({
  labels: {
    namespace: pod.namespace,
    pod: pod.pod,
    pair: "memory",
    severity: name === "HighMemoryUsage" ? "warning" : "critical",
  },
  annotations: {
    summary: `Pod ${pod.namespace}/${pod.pod} uses ${percent} of its memory limit`,
    description: `Pod ${pod.namespace}/${pod.pod} has a working set of ${percent} of its memory limit (alert above ${threshold}%). At its limit a container is OOM-killed.`,
  },
});

const ALL = ["HighCPUUsage", "CriticalCPUUsage", "HighMemoryUsage", "CriticalMemoryUsage"];

/** The api pod using 75% of its one-core limit: between a lowered (70) and the default (80) threshold. */
export const cpuAt75Percent: RuleCase = {
  name: "the api pod uses 75% of its CPU limit",
  series: [...cpu(apiPod, { api: 0.75 }, 20), containerLimit(apiPod, "api", "cpu", 1, span(20))],
  checks: [],
};

// A 5-minute rate of a series that starts at 0m reaches its full value at 5m: the warning (10m
// `for`) fires from 15m, the critical (5m) from 10m.
export const resourceCases: RuleCase[] = [
  {
    // Counting cAdvisor's pod-level series as well would read 170% and page CriticalCPUUsage.
    name: "a pod at 85% of its CPU limit fires HighCPUUsage only; pod-level and pause series are not counted",
    series: [...cpu(apiPod, { api: 0.85 }, 20), containerLimit(apiPod, "api", "cpu", 1, span(20))],
    checks: [
      ...quiet("14m", "HighCPUUsage"),
      fires("16m", "HighCPUUsage", cpuAlert("HighCPUUsage", apiPod, "85%", 80)),
      ...quiet("16m", "CriticalCPUUsage"),
    ],
  },
  {
    name: "a pod at 97% of its CPU limit fires CriticalCPUUsage after 5 minutes, and the warning too",
    series: [
      ...cpu(apiPod, { api: 0.97 }, 20, "dockershim"),
      containerLimit(apiPod, "api", "cpu", 1, span(20)),
    ],
    checks: [
      ...quiet("9m", "CriticalCPUUsage"),
      fires("11m", "CriticalCPUUsage", cpuAlert("CriticalCPUUsage", apiPod, "97%", 95)),
      fires("16m", "HighCPUUsage", cpuAlert("HighCPUUsage", apiPod, "97%", 80)),
    ],
  },
  {
    name: "a pod just under the threshold (79%) does not fire",
    series: [...cpu(apiPod, { api: 0.79 }, 20), containerLimit(apiPod, "api", "cpu", 1, span(20))],
    checks: quiet("18m", "HighCPUUsage", "CriticalCPUUsage"),
  },
  {
    name: "usage of several containers is compared with the sum of their limits (68%)",
    series: [
      ...cpu(apiPod, { api: 0.7, "cloud-sql-proxy": 0.15 }, 15),
      containerLimit(apiPod, "api", "cpu", 1, span(15)),
      containerLimit(apiPod, "cloud-sql-proxy", "cpu", 0.25, span(15)),
    ],
    checks: quiet("12m", ...ALL),
  },
  {
    name: "a pod without limits never fires, however busy",
    series: [...cpu(webPod, { web: 2 }, 15), ...memory(webPod, { web: 3 * MEMORY_LIMIT }, 15)],
    checks: quiet("12m", ...ALL),
  },
  {
    name: "a container without a limit is left out: the limited container uses 50%",
    series: [
      ...cpu(apiPod, { api: 0.5, "log-shipper": 3 }, 15),
      containerLimit(apiPod, "api", "cpu", 1, span(15)),
    ],
    checks: quiet("12m", "HighCPUUsage", "CriticalCPUUsage"),
  },
  {
    name: "an 8-minute CPU spike is shorter than HighCPUUsage's 10 minutes",
    series: [
      ...cadvisorPod(
        "container_cpu_usage_seconds_total",
        apiPod,
        { api: counterSegments([9, 20], [27, 16], [9, span(20)]) },
        counterSegments([9.03, 20], [27.03, 16], [9.03, span(20)]),
      ),
      containerLimit(apiPod, "api", "cpu", 1, span(38)),
    ],
    checks: [...quiet("20m", "HighCPUUsage"), ...quiet("25m", "HighCPUUsage")],
  },
  {
    name: "a working set at 90% of the memory limit fires HighMemoryUsage only",
    series: [
      ...memory(apiPod, { api: Math.round(0.9 * MEMORY_LIMIT) }, 15),
      containerLimit(apiPod, "api", "memory", MEMORY_LIMIT, span(15)),
    ],
    checks: [
      ...quiet("9m", "HighMemoryUsage"),
      fires("11m", "HighMemoryUsage", memoryAlert("HighMemoryUsage", apiPod, "90%", 80)),
      ...quiet("11m", "CriticalMemoryUsage"),
    ],
  },
  {
    name: "a working set at 97% of the memory limit fires CriticalMemoryUsage (dockershim sandbox)",
    series: [
      ...memory(apiPod, { api: Math.round(0.97 * MEMORY_LIMIT) }, 15, "dockershim"),
      containerLimit(apiPod, "api", "memory", MEMORY_LIMIT, span(15)),
    ],
    checks: [
      ...quiet("4m", "CriticalMemoryUsage"),
      fires("6m", "CriticalMemoryUsage", memoryAlert("CriticalMemoryUsage", apiPod, "97%", 95)),
    ],
  },
  {
    name: "memory just under the threshold (79%) does not fire",
    series: [
      ...memory(apiPod, { api: Math.round(0.79 * MEMORY_LIMIT) }, 15),
      containerLimit(apiPod, "api", "memory", MEMORY_LIMIT, span(15)),
    ],
    checks: quiet("12m", "HighMemoryUsage", "CriticalMemoryUsage"),
  },
];
