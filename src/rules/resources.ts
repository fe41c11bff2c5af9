// CPU and memory of each pod against the pod's limits.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql, ratio } from "./alert.ts";
import { recorded } from "./recording.ts";
import { kubeStateMetrics as ksm } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

/**
 * Usage of a pod's limited containers over the sum of their limits. The usage is per named container
 * (recorded from cAdvisor without its pod-level series, container="", and the sandbox,
 * container="POD", which would count the pod twice); a container without a limit is left out of both
 * sides, and a pod without any limit yields no ratio at all.
 */
function usageOfLimit(usage: string, resource: "cpu" | "memory"): string {
  const limits = `kube_pod_container_resource_limits{${ksm}, resource="${resource}"}`;
  return promql`
    sum by (namespace, pod) (
      ${usage}
      and on (namespace, pod, container)
      (${limits} > 0)
    )
    /
    sum by (namespace, pod) (
      max by (namespace, pod, container) (${limits})
    )`;
}

export function resourceRules(config: StackConfig, timing: Timing): RuleGroup {
  // The per-container usage the container-resources recording already sums from cAdvisor's named
  // containers: re-reading cAdvisor's thousands of series here would compute it twice.
  const cpu = usageOfLimit(recorded.containerCpu, "cpu");
  const memory = usageOfLimit(recorded.containerMemory, "memory");
  const cpuAlert = (name: string, percent: number, forDuration: string, severity: "warning" | "critical") =>
    alertRule(config, {
      name,
      expr: `${cpu}\n> ${ratio(percent)}`,
      for: timing.duration(forDuration),
      severity,
      pair: "cpu",
      summary:
        "Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit",
      description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has used {{ $value | humanizePercentage }} of its CPU limit over the last 5 minutes (alert above ${percent}%). At its limit it is throttled.`,
    });
  const memoryAlert = (
    name: string,
    percent: number,
    forDuration: string,
    severity: "warning" | "critical",
  ) =>
    alertRule(config, {
      name,
      expr: `${memory}\n> ${ratio(percent)}`,
      for: timing.duration(forDuration),
      severity,
      pair: "memory",
      summary:
        "Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit",
      description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has a working set of {{ $value | humanizePercentage }} of its memory limit (alert above ${percent}%). At its limit a container is OOM-killed.`,
    });
  return {
    name: "resources",
    rules: [
      cpuAlert("HighCPUUsage", config.alertCpuThreshold, "10m", "warning"),
      memoryAlert("HighMemoryUsage", config.alertMemoryThreshold, "10m", "warning"),
      cpuAlert("CriticalCPUUsage", config.alertCpuCriticalThreshold, "5m", "critical"),
      memoryAlert("CriticalMemoryUsage", config.alertMemoryCriticalThreshold, "5m", "critical"),
    ],
  };
}
