// Inhibitions: the more specific alert silences the noise it explains.
import type { InhibitRule } from "./types.ts";

/**
 * Labels that identify the thing an alert is about (DESIGN.md "Alerts"). A label missing from both
 * alerts counts as equal, so one list serves pods, services, volumes and certificates alike.
 */
export const TARGET_LABELS = ["namespace", "pod", "service", "persistentvolumeclaim", "instance", "name"];

export function inhibitRules(): InhibitRule[] {
  return [
    {
      // Warning/critical twins share the label `pair` (cpu, memory, error-rate, volume-space,
      // certificate-expiry): the critical one silences its warning for the same target.
      source_matchers: ['severity="critical"', 'pair=~".+"'],
      target_matchers: ['severity="warning"', 'pair=~".+"'],
      equal: ["pair", ...TARGET_LABELS],
    },
    {
      // A node that is not ready explains the trouble of the pods on it. Only alerts that carry
      // both `pod` and `node` can be matched to the node; pod alerts from kube-state-metrics carry
      // no `node` unless their rule joins it from kube_pod_info (docs/alerting.md).
      source_matchers: ['alertname="NodeNotReady"'],
      target_matchers: ['pod=~".+"', 'node=~".+"'],
      equal: ["node"],
    },
    {
      // Half the replicas or more down (or flapping: each answering fewer than half its scrapes) is
      // the news; replicas that come and go also drop out of the survivors' gossip view for a while,
      // so MembersInconsistent of the same cluster is its echo.
      source_matchers: ['alertname="AlertmanagerClusterDown"'],
      target_matchers: ['alertname="AlertmanagerMembersInconsistent"'],
      equal: ["namespace", "service"],
    },
  ];
}
