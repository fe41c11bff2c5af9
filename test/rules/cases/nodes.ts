// NodeNotReady, NodeMemoryPressure, NodeDiskPressure.
import { ksm, NODE } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, span } from "../promtool.ts";

type Status = "true" | "false" | "unknown";
const CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"];
const HEALTHY: Record<string, Status> = {
  Ready: "true",
  MemoryPressure: "false",
  DiskPressure: "false",
  PIDPressure: "false",
  NetworkUnavailable: "false",
};

/**
 * kube_node_status_condition: per condition one series per status, 1 for the current one. Each
 * timeline entry gives the conditions that differ from healthy, for a number of samples.
 */
function node(timeline: [Partial<Record<string, Status>>, number][], unschedulable = 0) {
  const samples = timeline.reduce((sum, [, n]) => sum + n, 0);
  return [
    ...CONDITIONS.flatMap((condition) =>
      (["true", "false", "unknown"] as const).map((status) =>
        ksm(
          "kube_node_status_condition",
          { node: NODE, condition, status },
          segments(
            ...timeline.map(([changes, n]): [number, number] => [
              (changes[condition] ?? HEALTHY[condition]) === status ? 1 : 0,
              n,
            ]),
          ),
        ),
      ),
    ),
    ksm("kube_node_spec_unschedulable", { node: NODE }, segments([unschedulable, samples])),
  ];
}

const expected = (severity: string, summary: string, description: string): ExpectedAlert => ({
  labels: { node: NODE, severity },
  annotations: { summary, description },
});

const notReady = expected(
  "critical",
  `Node ${NODE} is not ready`,
  `Node ${NODE} has not been Ready for 5 minutes; its pods are not running or not reachable.`,
);
const memoryPressure = expected(
  "warning",
  `Node ${NODE} is under memory pressure`,
  `Node ${NODE} has reported MemoryPressure for 10 minutes: the kubelet is evicting pods and admits no new BestEffort pods.`,
);
const diskPressure = expected(
  "warning",
  `Node ${NODE} is under disk pressure`,
  `Node ${NODE} has reported DiskPressure for 10 minutes: the kubelet is evicting pods and garbage-collecting images.`,
);

const ALL = ["NodeNotReady", "NodeMemoryPressure", "NodeDiskPressure"];

export const nodeCases: RuleCase[] = [
  {
    name: "a node NotReady for 5 minutes fires",
    series: node([
      [{}, 4],
      [{ Ready: "false" }, span(10)],
    ]),
    checks: [...quiet("6m", "NodeNotReady"), fires("7m30s", "NodeNotReady", notReady)],
  },
  {
    name: "a node whose kubelet stopped reporting (Ready unknown) fires",
    series: node([
      [{}, 4],
      [{ Ready: "unknown" }, span(10)],
    ]),
    checks: [fires("8m", "NodeNotReady", notReady)],
  },
  {
    name: "a node NotReady for 3 minutes that recovers does not fire",
    series: node([
      [{}, 4],
      [{ Ready: "false" }, 6],
      [{}, span(10)],
    ]),
    checks: [...quiet("5m", "NodeNotReady"), ...quiet("8m", "NodeNotReady")],
  },
  {
    name: "a cordoned node rebooting for maintenance does not fire",
    series: node(
      [
        [{}, 4],
        [{ Ready: "unknown" }, span(10)],
      ],
      1,
    ),
    checks: quiet("9m", ...ALL),
  },
  {
    name: "memory pressure for 10 minutes fires NodeMemoryPressure",
    series: node([
      [{}, 4],
      [{ MemoryPressure: "true" }, span(15)],
    ]),
    checks: [
      ...quiet("10m", "NodeMemoryPressure", "NodeNotReady", "NodeDiskPressure"),
      fires("12m", "NodeMemoryPressure", memoryPressure),
    ],
  },
  {
    name: "disk pressure for 10 minutes fires NodeDiskPressure",
    series: node([
      [{}, 4],
      [{ DiskPressure: "true" }, span(15)],
    ]),
    checks: [...quiet("10m", "NodeDiskPressure"), fires("12m", "NodeDiskPressure", diskPressure)],
  },
  {
    name: "pressure for 5 minutes that clears does not fire",
    series: node([
      [{}, 4],
      [{ MemoryPressure: "true", DiskPressure: "true" }, 10],
      [{}, span(15)],
    ]),
    checks: quiet("13m", ...ALL),
  },
  {
    name: "a healthy node raises nothing",
    series: node([[{}, span(20)]]),
    checks: quiet("18m", ...ALL),
  },
];
