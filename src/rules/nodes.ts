// Node conditions as the kubelet reports them, through kube-state-metrics. Cordoned nodes are left
// out, as kubernetes-mixin does: they are being drained or maintained on purpose.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { kubeStateMetrics as ksm } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

const cordoned = `kube_node_spec_unschedulable{${ksm}} == 1`;

/** Nodes whose `condition` has status `status`. */
const nodesWhere = (condition: string, status: "true" | "false") => promql`
  max by (node) (kube_node_status_condition{${ksm}, condition="${condition}", status="true"}) == ${status === "true" ? 1 : 0}
  unless on (node)
  (${cordoned})`;

export function nodeRules(config: StackConfig, timing: Timing): RuleGroup {
  return {
    name: "nodes",
    rules: [
      alertRule(config, {
        name: "NodeNotReady",
        // Ready's status="true" series is 0 both when Ready is false and when it is unknown (the
        // kubelet stopped reporting).
        expr: nodesWhere("Ready", "false"),
        for: timing.duration("5m"),
        severity: "critical",
        summary: "Node {{ $labels.node }} is not ready",
        description:
          "Node {{ $labels.node }} has not been Ready for 5 minutes; its pods are not running or not reachable.",
      }),
      alertRule(config, {
        name: "NodeMemoryPressure",
        expr: nodesWhere("MemoryPressure", "true"),
        for: timing.duration("10m"),
        severity: "warning",
        summary: "Node {{ $labels.node }} is under memory pressure",
        description:
          "Node {{ $labels.node }} has reported MemoryPressure for 10 minutes: the kubelet is evicting pods and admits no new BestEffort pods.",
      }),
      alertRule(config, {
        name: "NodeDiskPressure",
        expr: nodesWhere("DiskPressure", "true"),
        for: timing.duration("10m"),
        severity: "warning",
        summary: "Node {{ $labels.node }} is under disk pressure",
        description:
          "Node {{ $labels.node }} has reported DiskPressure for 10 minutes: the kubelet is evicting pods and garbage-collecting images.",
      }),
    ],
  };
}
