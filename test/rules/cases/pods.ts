// PodCrashLooping, PodFrequentRestarts, PodNotReady.
import { apiPod, ksm, NODE, type PodRef, podInfo, podOwner, podPhases, webPod } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, span } from "../promtool.ts";

const waiting = (pod: PodRef, reason: string, values: string) =>
  ksm("kube_pod_container_status_waiting_reason", { ...pod, container: "api", reason }, values);

const crashLooping = (pod: PodRef): ExpectedAlert => ({
  labels: { namespace: pod.namespace, pod: pod.pod, container: "api", node: NODE, severity: "critical" },
  annotations: {
    summary: `Pod ${pod.namespace}/${pod.pod} is crash looping`,
    description: `Container api of pod ${pod.namespace}/${pod.pod} keeps crashing: it has been in CrashLoopBackOff for 15 minutes.`,
  },
});

const restarts = (pod: PodRef, container: string, values: string) =>
  ksm("kube_pod_container_status_restarts_total", { ...pod, container }, values);

const frequentRestarts = (pod: PodRef, count: number): ExpectedAlert => ({
  labels: { namespace: pod.namespace, pod: pod.pod, node: NODE, severity: "warning" },
  annotations: {
    summary: `Pod ${pod.namespace}/${pod.pod} restarts frequently`,
    description: `Pod ${pod.namespace}/${pod.pod} restarted ${count} times in the last hour.`,
  },
});

/** `node` as kube_pod_info has it; a pod not scheduled yet has none. */
const notReady = (pod: PodRef, node?: string): ExpectedAlert => ({
  labels: { namespace: pod.namespace, pod: pod.pod, ...(node ? { node } : {}), severity: "warning" },
  annotations: {
    summary: `Pod ${pod.namespace}/${pod.pod} is not running`,
    description: `Pod ${pod.namespace}/${pod.pod} has been Pending, Unknown or Failed for more than 10 minutes.`,
  },
});

const jobPod: PodRef = {
  namespace: "plue",
  pod: "db-migrate-28391042-7xk2p",
  uid: "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a",
};
const barePod: PodRef = {
  namespace: "plue",
  pod: "debug-shell",
  uid: "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
};

// A container in CrashLoopBackOff waits (series present) between short runs (series stale).
const flapping = Array.from({ length: 8 }, () => "1 1 1 1 1 1 1 1 stale _").join(" ");

export const podCases: RuleCase[] = [
  {
    name: "a container in CrashLoopBackOff fires after 15 minutes",
    series: [waiting(apiPod, "CrashLoopBackOff", segments([1, span(20)])), podInfo(apiPod, NODE, span(20))],
    checks: [...quiet("14m", "PodCrashLooping"), fires("16m", "PodCrashLooping", crashLooping(apiPod))],
  },
  {
    name: "a container flapping between running and CrashLoopBackOff keeps firing",
    series: [waiting(apiPod, "CrashLoopBackOff", flapping), podInfo(apiPod, NODE, span(50))],
    checks: [
      fires("16m", "PodCrashLooping", crashLooping(apiPod)),
      fires("24m", "PodCrashLooping", crashLooping(apiPod)),
      fires("39m", "PodCrashLooping", crashLooping(apiPod)),
      // It stopped crashing at 40m: the last waiting sample leaves the 5m window.
      ...quiet("46m", "PodCrashLooping"),
    ],
  },
  {
    name: "waiting for other reasons (image pull, container creation) is not a crash loop",
    series: [
      waiting(apiPod, "ImagePullBackOff", segments([1, span(30)])),
      waiting(webPod, "ContainerCreating", segments([1, span(30)])),
    ],
    checks: quiet("25m", "PodCrashLooping"),
  },
  {
    name: "one crash that recovers does not fire",
    series: [waiting(apiPod, "CrashLoopBackOff", segments([1, 4], ["stale", 1], ["_", span(30)]))],
    checks: quiet("16m", "PodCrashLooping"),
  },
  {
    name: "six restarts within an hour fire",
    series: [
      restarts(apiPod, "api", segments([0, 10], [1, 20], [2, 20], [3, 20], [4, 20], [5, 10], [6, 30])),
      podInfo(apiPod, NODE, 130),
    ],
    checks: [
      ...quiet("44m", "PodFrequentRestarts"),
      fires("50m", "PodFrequentRestarts", frequentRestarts(apiPod, 6)),
    ],
  },
  {
    // Scraped every minute and evaluated half a minute later, increase() extrapolates 5 to ~5.04.
    name: "exactly five restarts in an hour do not fire, whatever the extrapolation",
    interval: "1m",
    series: [restarts(apiPod, "api", segments([2, 5], [3, 10], [4, 10], [5, 10], [6, 10], [7, 30]))],
    checks: [...quiet("50m30s", "PodFrequentRestarts"), ...quiet("61m30s", "PodFrequentRestarts")],
  },
  {
    name: "restarts of two containers of one pod add up",
    series: [
      restarts(apiPod, "api", segments([0, 10], [1, 10], [2, 10], [3, 30])),
      restarts(apiPod, "cloud-sql-proxy", segments([0, 20], [1, 10], [2, 10], [3, 30])),
      podInfo(apiPod, NODE, 70),
    ],
    checks: [fires("30m", "PodFrequentRestarts", frequentRestarts(apiPod, 6))],
  },
  {
    name: "restarts more than an hour ago are forgotten",
    series: [restarts(apiPod, "api", segments([0, 10], [10, span(100)])), podInfo(apiPod, NODE, span(100))],
    checks: [
      fires("10m", "PodFrequentRestarts", frequentRestarts(apiPod, 10)),
      ...quiet("70m", "PodFrequentRestarts"),
    ],
  },
  {
    name: "a pod no node can take, Pending for more than 10 minutes, fires without a node label",
    series: [
      ...podPhases(apiPod, [["Pending", span(15)]]),
      podOwner(apiPod, { kind: "ReplicaSet", name: "api-7d9f8c6b5" }, span(15)),
      podInfo(apiPod, "", span(15)),
    ],
    checks: [...quiet("9m", "PodNotReady"), fires("11m", "PodNotReady", notReady(apiPod))],
  },
  {
    name: "a scheduled pod whose image cannot be pulled, Pending for more than 10 minutes, fires with its node",
    series: [
      ...podPhases(apiPod, [["Pending", span(15)]]),
      podOwner(apiPod, { kind: "ReplicaSet", name: "api-7d9f8c6b5" }, span(15)),
      podInfo(apiPod, NODE, span(15)),
      waiting(apiPod, "ImagePullBackOff", segments([1, span(15)])),
    ],
    checks: [...quiet("9m", "PodNotReady"), fires("11m", "PodNotReady", notReady(apiPod, NODE))],
  },
  {
    name: "a pod that takes 5 minutes to pull its image and then runs does not fire",
    series: [
      ...podPhases(apiPod, [
        ["Pending", 10],
        ["Running", span(20)],
      ]),
    ],
    checks: quiet("15m", "PodNotReady"),
  },
  {
    name: "Succeeded (completed Job) and Running pods never fire",
    series: [
      ...podPhases(jobPod, [
        ["Running", 4],
        ["Succeeded", span(30)],
      ]),
      podOwner(jobPod, { kind: "Job", name: "db-migrate-28391042" }, span(32)),
      ...podPhases(apiPod, [["Running", span(32)]]),
    ],
    checks: quiet("30m", "PodNotReady"),
  },
  {
    name: "a Failed pod of a Job, or an evicted pod its ReplicaSet already replaced, does not fire",
    series: [
      ...podPhases(jobPod, [["Failed", span(30)]]),
      podOwner(jobPod, { kind: "Job", name: "db-migrate-28391042" }, span(30)),
      ...podPhases(webPod, [["Failed", span(30)]]),
      podOwner(webPod, { kind: "ReplicaSet", name: "web-6b8d9f7c4" }, span(30)),
      ksm("kube_pod_status_reason", { ...webPod, reason: "Evicted" }, segments([1, span(30)])),
    ],
    checks: quiet("25m", "PodNotReady"),
  },
  {
    name: "a Failed pod no controller manages fires",
    series: [...podPhases(barePod, [["Failed", span(15)]]), podOwner(barePod, undefined, span(15))],
    checks: [fires("11m", "PodNotReady", notReady(barePod))],
  },
];
