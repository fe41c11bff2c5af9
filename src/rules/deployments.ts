// Deployments that stopped converging.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { kubeStateMetrics as ksm } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

export function deploymentRules(config: StackConfig, timing: Timing): RuleGroup {
  return {
    name: "deployments",
    rules: [
      alertRule(config, {
        name: "DeploymentReplicasMismatch",
        // While a rollout progresses the count of updated replicas keeps changing; only when it has
        // not moved for 10 minutes does a mismatch mean the deployment is stuck (kubernetes-mixin).
        expr: promql`
          max by (namespace, deployment) (
            (
              kube_deployment_status_replicas_available{${ksm}}
              !=
              kube_deployment_spec_replicas{${ksm}}
            )
            and
            (changes(kube_deployment_status_replicas_updated{${ksm}}[${timing.window("10m")}]) == 0)
          )`,
        for: timing.duration("15m"),
        severity: "warning",
        summary:
          "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} does not have its desired replicas",
        description:
          "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had {{ $value }} available replicas, not the desired number, for 15 minutes with no rollout progress.",
      }),
      alertRule(config, {
        name: "DeploymentGenerationMismatch",
        expr: promql`
          max by (namespace, deployment) (
            kube_deployment_status_observed_generation{${ksm}}
            !=
            kube_deployment_metadata_generation{${ksm}}
          )`,
        for: timing.duration("15m"),
        severity: "warning",
        summary:
          "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not acted on its latest change",
        description:
          "The deployment controller has observed generation {{ $value }} of {{ $labels.namespace }}/{{ $labels.deployment }}, not its current one, for 15 minutes: the latest change has not been rolled out.",
      }),
    ],
  };
}
