// Pod health: crash loops, frequent restarts, pods that never reach Running.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { recorded } from "./recording.ts";
import { kubeStateMetrics as ksm } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

/**
 * Adds the pod's `node` from kube_pod_info, so Alertmanager can let NodeNotReady silence the pod
 * alerts it explains. A pod not scheduled yet has no node: `or on` keeps its alert, without one.
 * topk keeps one node per pod while a recreated pod of the same name briefly has two.
 */
function withNode(expr: string): string {
  const nodeOfPod = `topk by (namespace, pod) (1, max by (namespace, pod, node) (kube_pod_info{${ksm}, node!=""}))`;
  return [
    "(",
    "  (",
    indent(expr, "    "),
    "  )",
    "  * on (namespace, pod) group_left (node)",
    `  ${nodeOfPod}`,
    ")",
    "or on (namespace, pod)",
    "(",
    indent(expr, "  "),
    ")",
  ].join("\n");
}

const indent = (text: string, by: string) =>
  text
    .split("\n")
    .map((line) => by + line)
    .join("\n");

export function podRules(config: StackConfig, timing: Timing): RuleGroup {
  return {
    name: "pods",
    rules: [
      alertRule(config, {
        name: "PodCrashLooping",
        // kube-state-metrics exports the waiting reason only while the container waits; between
        // crashes it runs and the series goes stale. The 5m window (the kubelet's longest back-off)
        // bridges those gaps, so a flapping container keeps the alert firing.
        expr: withNode(promql`
          max by (namespace, pod, container) (
            max_over_time(kube_pod_container_status_waiting_reason{${ksm}, reason="CrashLoopBackOff"}[${timing.window("5m")}])
          ) >= 1`),
        for: timing.duration("15m"),
        severity: "critical",
        summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping",
        description:
          "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} keeps crashing: it has been in CrashLoopBackOff for 15 minutes.",
      }),
      alertRule(config, {
        name: "PodFrequentRestarts",
        // Whole restarts in the last hour, as recorded (rounded there: increase() extrapolates 5 to
        // 5.04), so "more than 5" means 6 or more.
        expr: withNode(`${recorded.podRestarts} > 5`),
        severity: "warning",
        summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} restarts frequently",
        description:
          "Pod {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value }} times in the last hour.",
      }),
      alertRule(config, {
        name: "PodNotReady",
        // Pending always counts; Unknown too, though current kubelets never report it. A Failed pod
        // counts only when no controller owns it: a Job accounts for its failed pods itself, and an
        // evicted ReplicaSet pod lingers as Failed after its replacement already runs. Succeeded pods
        // never count. kube-state-metrics (v2.8.0 on) exports an ownerless pod's owner_kind as "",
        // which Prometheus stores as no label at all: owner_kind="" matches exactly that.
        expr: withNode(promql`
          max by (namespace, pod) (kube_pod_status_phase{${ksm}, phase=~"Pending|Unknown"} == 1)
          or
          (
            max by (namespace, pod) (kube_pod_status_phase{${ksm}, phase="Failed"} == 1)
            and on (namespace, pod)
            kube_pod_owner{${ksm}, owner_kind=""}
          )`),
        for: timing.duration("10m"),
        severity: "warning",
        summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} is not running",
        description:
          "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Pending, Unknown or Failed for more than 10 minutes.",
      }),
    ],
  };
}
