// Every rule file the stack loads, built from the config. The same builders serve the cluster and
// the local stack; only the Timing differs.
import type { StackConfig } from "../config/schema.ts";
import { applicationRules } from "./application.ts";
import { certificateRules } from "./certificates.ts";
import { databaseRules } from "./database.ts";
import { deploymentRules } from "./deployments.ts";
import { metaRules } from "./meta.ts";
import { nodeRules } from "./nodes.ts";
import { podRules } from "./pods.ts";
import { recordingRules } from "./recording.ts";
import { resourceRules } from "./resources.ts";
import { storageRules } from "./storage.ts";
import { realTime, type Timing } from "./timing.ts";
import { isAlertRule, type RuleFile, type RuleGroup } from "./types.ts";

export type AlertGroupBuilder = (config: StackConfig, timing: Timing) => RuleGroup;

/** The alert groups, each written to <name>.yaml: the seed's eight groups, then meta (Watchdog). */
export const alertGroups: readonly AlertGroupBuilder[] = [
  podRules,
  resourceRules,
  applicationRules,
  databaseRules,
  storageRules,
  certificateRules,
  deploymentRules,
  nodeRules,
  metaRules,
];

export function ruleFiles(config: StackConfig, timing: Timing = realTime): RuleFile[] {
  const files: RuleFile[] = alertGroups.map((build) => {
    const group = build(config, timing);
    return { name: `${group.name}.yaml`, groups: [group] };
  });
  const recording = recordingRules(config, timing);
  if (recording.length > 0) files.push({ name: "recording.yaml", groups: recording });
  return files;
}

/** The seed's 22 alerts, EndpointDown and Watchdog, in rule-file order. */
export const ALERT_NAMES = [
  "PodCrashLooping",
  "PodFrequentRestarts",
  "PodNotReady",
  "HighCPUUsage",
  "HighMemoryUsage",
  "CriticalCPUUsage",
  "CriticalMemoryUsage",
  "ServiceDown",
  "EndpointDown",
  "HighErrorRate",
  "CriticalErrorRate",
  "SlowResponseTime",
  "DatabaseConnectionFailure",
  "HighDatabaseConnections",
  "PersistentVolumeSpaceLow",
  "PersistentVolumeSpaceCritical",
  "CertificateExpiringSoon",
  "CertificateExpiryCritical",
  "DeploymentReplicasMismatch",
  "DeploymentGenerationMismatch",
  "NodeNotReady",
  "NodeMemoryPressure",
  "NodeDiskPressure",
  "Watchdog",
] as const;

export type AlertName = (typeof ALERT_NAMES)[number];

/** The alert names the built rules define, in order (equal to ALERT_NAMES; a test holds them together). */
export function alertNames(config: StackConfig, timing: Timing = realTime): string[] {
  return ruleFiles(config, timing).flatMap((file) =>
    file.groups.flatMap((group) => group.rules.filter(isAlertRule).map((rule) => rule.alert)),
  );
}

export { alertPairs, PAIR_LABEL, type PairName, pairTargetLabels } from "./alert.ts";
