// Every rule file the stack loads, built from the config. The same builders serve the cluster and
// the local stack; only the Timing differs.
import type { StackConfig } from "../config/schema.ts";
import { customAlertGroup, customRecordingGroup } from "../extensions/rules.ts";
import { sloRuleGroups } from "../slo/rules.ts";
import { alertmanagerRules } from "./alertmanager.ts";
import { applicationRules } from "./application.ts";
import { certificateRules } from "./certificates.ts";
import { configReloaderRules } from "./config-reloader.ts";
import { databaseRules } from "./database.ts";
import { deploymentRules } from "./deployments.ts";
import { metaRules } from "./meta.ts";
import { nodeRules } from "./nodes.ts";
import { podRules } from "./pods.ts";
import { prometheusRules } from "./prometheus.ts";
import { recordingRules } from "./recording.ts";
import { resourceRules } from "./resources.ts";
import { storageRules } from "./storage.ts";
import { targetRules } from "./targets.ts";
import { clusterTiming, type Timing } from "./timing.ts";
import { isAlertRule, type RuleFile, type RuleGroup } from "./types.ts";

export type AlertGroupBuilder = (config: StackConfig, timing: Timing) => RuleGroup;

/**
 * The groups whose alerts read what the scrape jobs provide: the seed's eight, then the monitoring
 * stack's own (Prometheus, Alertmanager, the config reloaders).
 */
const watchingGroups: readonly AlertGroupBuilder[] = [
  podRules,
  resourceRules,
  applicationRules,
  databaseRules,
  storageRules,
  certificateRules,
  deploymentRules,
  nodeRules,
  prometheusRules,
  alertmanagerRules,
  configReloaderRules,
];

/** The team's own alerts and recording rules (config.alerts, config.recordingRules), when it has any. */
function customGroups(config: StackConfig): RuleGroup[] {
  return [customAlertGroup(config), customRecordingGroup(config)].filter(
    (group): group is RuleGroup => group !== undefined,
  );
}

/** TargetDown, its severity per job computed from what the other groups' alerts read (through any recording). */
const targetsGroup: AlertGroupBuilder = (config, timing) =>
  targetRules(config, timing, [
    ...watchingGroups.map((build) => build(config, timing)),
    ...recordingRules(config, timing),
    ...sloRuleGroups(config, timing),
    ...customGroups(config),
  ]);

/**
 * The alert groups, each written to <name>.yaml: the watching groups, targets (TargetDown), then meta
 * (Watchdog). slo.yaml, a group per SLO, comes between the watching groups and targets.
 */
export const alertGroups: readonly AlertGroupBuilder[] = [...watchingGroups, targetsGroup, metaRules];

/** recording.yaml: the recording rules the dashboards and several alerts read. */
export const RECORDING_RULE_FILE = "recording.yaml";

/** slo.yaml: a group per SLO, its recording rules and ErrorBudgetBurn. */
export const SLO_RULE_FILE = "slo.yaml";

export function ruleFiles(config: StackConfig, timing: Timing = clusterTiming(config)): RuleFile[] {
  const inFile = (build: AlertGroupBuilder): RuleFile => {
    const group = build(config, timing);
    return { name: `${group.name}.yaml`, groups: [group] };
  };
  const files: RuleFile[] = [
    ...watchingGroups.map(inFile),
    { name: SLO_RULE_FILE, groups: sloRuleGroups(config, timing) },
    inFile(targetsGroup),
    inFile(metaRules),
  ];
  const recording = recordingRules(config, timing);
  if (recording.length > 0) files.push({ name: RECORDING_RULE_FILE, groups: recording });
  // The team's groups, each in a file of its own: custom.yaml, custom-recording.yaml.
  for (const group of customGroups(config)) {
    files.push({ name: `${group.name.replace(".", "-")}.yaml`, groups: [group] });
  }
  return files;
}

/**
 * Every alert name, in rule-file order: the seed's 22, EndpointDown, the monitoring stack's own,
 * ErrorBudgetBurn (the SLOs), TargetDown and Watchdog. PrometheusRemoteStorageFailures and
 * PrometheusRemoteWriteBehind exist only when config.remoteWrite is not empty.
 */
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
  "PrometheusBadConfig",
  "PrometheusRuleFailures",
  "PrometheusMissingRuleEvaluations",
  "PrometheusNotificationQueueRunningFull",
  "PrometheusErrorSendingAlertsToAnyAlertmanager",
  "PrometheusNotConnectedToAlertmanagers",
  "PrometheusTSDBCompactionsFailing",
  "PrometheusTSDBReloadsFailing",
  "PrometheusTargetSyncFailure",
  "PrometheusRemoteStorageFailures",
  "PrometheusRemoteWriteBehind",
  "AlertmanagerFailedReload",
  "AlertmanagerFailedToSendAlerts",
  "AlertmanagerClusterFailedToSendAlerts",
  "AlertmanagerMembersInconsistent",
  "AlertmanagerClusterDown",
  "ConfigReloaderSidecarErrors",
  "ErrorBudgetBurn",
  "TargetDown",
  "Watchdog",
] as const;

/** Alerts generated only with remote-write queues configured (config.remoteWrite). */
export const REMOTE_WRITE_ALERTS: readonly AlertName[] = [
  "PrometheusRemoteStorageFailures",
  "PrometheusRemoteWriteBehind",
];

export type AlertName = (typeof ALERT_NAMES)[number];

/**
 * The alert names the built rules define, each once, in order: ALERT_NAMES (without the remote-write
 * alerts when config.remoteWrite is empty; a test holds them together). Several rules may share a name
 * (TargetDown, one per job that feeds alerts and one for the rest).
 */
export function alertNames(config: StackConfig, timing: Timing = clusterTiming(config)): string[] {
  return [
    ...new Set(
      ruleFiles(config, timing).flatMap((file) =>
        file.groups.flatMap((group) => group.rules.filter(isAlertRule).map((rule) => rule.alert)),
      ),
    ),
  ];
}

export { alertPairs, PAIR_LABEL, type PairName, pairTargetLabels } from "./alert.ts";
