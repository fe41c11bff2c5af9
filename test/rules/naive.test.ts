// The edge cases are traps: a naive version of each rule must fail the case written against it. Each
// mutation below swaps one safeguard out of the real rule and runs promtool on the one case that
// guards it; if that case still passed, it would prove nothing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../src/render.ts";
import { RECORDING_RULE_FILE, ruleFiles } from "../../src/rules/index.ts";
import { recorded } from "../../src/rules/recording.ts";
import { isAlertRule } from "../../src/rules/types.ts";
import { tempDir } from "../helpers/system.ts";
import { casesByRuleFile } from "./cases/index.ts";
import { rulesConfig } from "./config.ts";
import { runPromtoolTests } from "./promtool.ts";

/** What a mutation may change: an alert, or a recording rule an alert reads. */
interface MutableRule {
  expr: string;
  alert?: string;
  record?: string;
  for?: string;
  labels?: Record<string, string>;
}

interface Mutation {
  /** What the naive rule gets wrong. */
  naive: string;
  alerts: string[];
  /** The recorded series the alerts read that keep the safeguard: their recording rules are mutated. */
  records?: string[];
  mutate: (rule: MutableRule) => void;
  /** The case that must catch it. */
  caughtBy: string;
}

/** Replaces every occurrence (regular expressions must carry the g flag). */
const replace = (from: string | RegExp, to: string) => (rule: MutableRule) => {
  const before = rule.expr;
  rule.expr = rule.expr.replaceAll(from, to);
  if (rule.expr === before)
    throw new Error(`mutation did not apply to ${rule.alert ?? rule.record}: ${from}`);
};

const mutations: Mutation[] = [
  {
    naive: "reads the waiting reason at the instant, so a flapping container resets `for`",
    alerts: ["PodCrashLooping"],
    mutate: replace(/max_over_time\((.*)\[5m\]\)/g, "$1"),
    caughtBy: "a container flapping between running and CrashLoopBackOff keeps firing",
  },
  {
    naive: "compares extrapolated increase() with 5",
    alerts: ["PodFrequentRestarts"],
    records: [recorded.podRestarts],
    mutate: replace(/round\((increase\(.*\))\)/g, "$1"),
    caughtBy: "exactly five restarts in an hour do not fire, whatever the extrapolation",
  },
  {
    naive: "counts every pod not Running or Succeeded",
    alerts: ["PodNotReady"],
    mutate: (rule) => {
      rule.expr = 'max by (namespace, pod) (kube_pod_status_phase{phase!~"Running|Succeeded"} == 1)';
    },
    caughtBy: "a Failed pod of a Job, or an evicted pod its ReplicaSet already replaced, does not fire",
  },
  {
    // kube-state-metrics wrote "<none>" before v2.8.0; it now exports the owner labels empty.
    naive: 'takes an ownerless pod\'s owner_kind to be "<none>"',
    alerts: ["PodNotReady"],
    mutate: replace('owner_kind=""', 'owner_kind="<none>"'),
    caughtBy: "a Failed pod no controller manages fires",
  },
  {
    naive: "counts every pod not Running",
    alerts: ["PodNotReady"],
    mutate: (rule) => {
      rule.expr = 'max by (namespace, pod) (kube_pod_status_phase{phase!="Running"} == 1)';
    },
    caughtBy: "Succeeded (completed Job) and Running pods never fire",
  },
  {
    naive: "joins the node from kube_pod_info and so loses pods not scheduled yet",
    alerts: ["PodNotReady"],
    mutate: replace(/\nor on \(namespace, pod\)\n\([\s\S]*\)$/g, ""),
    caughtBy: "a pod no node can take, Pending for more than 10 minutes, fires without a node label",
  },
  {
    naive: "sums every cAdvisor series of the pod, pod-level cgroup included",
    alerts: ["CriticalCPUUsage"],
    mutate: (rule) => {
      rule.expr =
        'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total[5m])) / sum by (namespace, pod) (kube_pod_container_resource_limits{resource="cpu"}) > 0.95';
    },
    caughtBy:
      "a pod at 85% of its CPU limit fires HighCPUUsage only; pod-level and pause series are not counted",
  },
  {
    naive: "counts containers without a limit against the limited ones",
    alerts: ["HighCPUUsage"],
    mutate: replace(
      /\n\s*and on \(namespace, pod, container\)\n\s*\(kube_pod_container_resource_limits\{[^}]*\} > 0\)/g,
      "",
    ),
    caughtBy: "a container without a limit is left out: the limited container uses 50%",
  },
  {
    naive: "knows only targets that still exist",
    alerts: ["ServiceDown"],
    mutate: replace(/\nor\n[\s\S]*/g, ""),
    caughtBy: "a service whose targets vanished from discovery fires ServiceDown",
  },
  {
    naive: "fires when any instance is down",
    alerts: ["ServiceDown"],
    mutate: replace("max by (namespace, service) (up{", "min by (namespace, service) (up{"),
    caughtBy: "one of two replicas down is not ServiceDown",
  },
  {
    naive: "counts 4xx as errors",
    alerts: ["HighErrorRate"],
    records: [recorded.serverErrorRatio],
    mutate: replace('http_response_status_code=~"5.."', 'http_response_status_code=~"[45].."'),
    caughtBy: "4xx responses never count as errors",
  },
  {
    naive: "keeps one checkout timeout in a 5-minute window",
    alerts: ["DatabaseConnectionFailure"],
    mutate: replace(/\[2m\]/g, "[5m]"),
    caughtBy: "a single checkout timeout does not page",
  },
  {
    naive: "reports a claim once per kubelet that mounts it",
    alerts: ["PersistentVolumeSpaceLow"],
    mutate: (rule) => {
      rule.expr = "kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.8";
    },
    caughtBy: "a ReadWriteMany claim reported by two kubelets fires once",
  },
  {
    naive: "reads used/capacity, blind to the blocks reserved for root",
    alerts: ["PersistentVolumeSpaceCritical"],
    mutate: replace("1 - kubelet_volume_stats_available_bytes", "kubelet_volume_stats_used_bytes"),
    caughtBy:
      "a volume with 8% left to write fires PersistentVolumeSpaceCritical, whatever used/capacity says",
  },
  {
    naive: "alerts on read-only claims",
    alerts: ["PersistentVolumeSpaceLow"],
    mutate: replace(/\nunless on[\s\S]*/g, ""),
    caughtBy: "a read-only claim, full by design, does not fire",
  },
  {
    naive: "takes cert-manager's 0 for a Certificate not yet issued as an expiry",
    alerts: ["CertificateExpiringSoon", "CertificateExpiryCritical"],
    mutate: replace(
      "certmanager_certificate_expiration_timestamp_seconds > 0",
      "certmanager_certificate_expiration_timestamp_seconds",
    ),
    caughtBy: "a Certificate not issued yet (expiry 0) does not fire",
  },
  {
    naive: "forgets a certificate once it expired and the probe fails",
    alerts: ["CertificateExpiryCritical"],
    mutate: replace(/last_over_time\((.*)\[1d\]\)/g, "$1"),
    caughtBy: "an expired certificate that fails the probe keeps the critical alert firing",
  },
  {
    naive: "reads the earliest expiry of every certificate served, stray ones included",
    alerts: ["CertificateExpiringSoon", "CertificateExpiryCritical"],
    mutate: replace("probe_ssl_last_chain_expiry_timestamp_seconds", "probe_ssl_earliest_cert_expiry"),
    caughtBy: "a stray certificate outside the verified chain, expiring soon, does not fire",
  },
  {
    naive: "takes the Certificate's namespace from the target when honor_labels is off",
    alerts: ["CertificateExpiryCritical"],
    mutate: replace(/label_replace\(\n\s*(certmanager_[^\n]*),\n[^\n]*\n\s*\)/g, "$1"),
    caughtBy: "a Certificate keeps its own namespace, not the one of cert-manager's pod",
  },
  {
    naive: "warns the moment a certificate enters cert-manager's renewal window",
    alerts: ["CertificateExpiringSoon"],
    mutate: (rule) => {
      delete rule.for;
    },
    caughtBy: "a routine renewal at 30 days, done within the hour, does not fire",
  },
  {
    naive: "pages on any failed probe",
    alerts: ["EndpointDown"],
    mutate: (rule) => {
      rule.expr = 'probe_success{job="blackbox"} == 0';
      delete rule.for;
    },
    caughtBy: "a single failed probe is not EndpointDown",
  },
  {
    naive: "compares available with desired replicas, ignoring rollout progress",
    alerts: ["DeploymentReplicasMismatch"],
    mutate: replace(/\n\s*and\n\s*\(changes\(.*\) == 0\)/g, ""),
    caughtBy:
      "a rollout that keeps progressing stays quiet however long it takes (12 replicas, 8 minutes each)",
  },
  {
    naive: "pages for a cordoned node under maintenance",
    alerts: ["NodeNotReady"],
    mutate: replace(/\nunless on \(node\)[\s\S]*/g, ""),
    caughtBy: "a cordoned node rebooting for maintenance does not fire",
  },
  {
    naive: "pages on a single failed rule evaluation",
    alerts: ["PrometheusRuleFailures"],
    mutate: (rule) => {
      delete rule.for;
    },
    caughtBy: "a rule failing once (a label clash while a pod is replaced) does not page",
  },
  {
    // Prometheus 3 keeps one queue per Alertmanager, labelled; the capacity has no such label.
    naive: "compares the queue with its capacity label for label, as 2.42's single queue allowed",
    alerts: ["PrometheusNotificationQueueRunningFull"],
    mutate: replace("> ignoring (alertmanager) group_left", ">"),
    caughtBy: "an alert queue growing towards its capacity fires PrometheusNotificationQueueRunningFull",
  },
  {
    naive: "pages when one Alertmanager is unreachable though the other receives every alert",
    alerts: ["PrometheusErrorSendingAlertsToAnyAlertmanager"],
    mutate: replace("min without (alertmanager)", "max without (alertmanager)"),
    caughtBy: "one Alertmanager unreachable while the other receives every alert is no loss",
  },
  {
    naive: "warns at the first failed compaction",
    alerts: ["PrometheusTSDBCompactionsFailing"],
    mutate: (rule) => {
      delete rule.for;
    },
    caughtBy: "a compaction that fails once and then succeeds does not fire",
  },
  {
    naive: "forgets a failed target sync after 5 minutes, while its targets are still missing",
    alerts: ["PrometheusTargetSyncFailure"],
    mutate: replace(/\[30m\]/g, "[5m]"),
    caughtBy:
      "discovered targets that cannot be created fire PrometheusTargetSyncFailure until 30 minutes after the last sync",
  },
  {
    naive: "counts samples retried after recoverable errors as lost",
    alerts: ["PrometheusRemoteStorageFailures"],
    mutate: replace(
      "prometheus_remote_storage_samples_failed_total",
      "prometheus_remote_storage_samples_retried_total",
    ),
    caughtBy: "samples retried after recoverable errors are not lost",
  },
  {
    naive:
      "takes each failure reason apart, so one integration fires once per reason at a share of its failures",
    alerts: ["AlertmanagerFailedToSendAlerts"],
    mutate: replace(
      /sum without \(reason\) \((rate\(alertmanager_notifications_failed_total\{[^}]*\}\[15m\]\))\)\n\//g,
      "$1\n/ ignoring (reason) group_left",
    ),
    caughtBy:
      "one replica failing half its Slack notifications, across failure reasons, fires once for slack",
  },
  {
    naive: "pages when one replica fails an integration its peer delivers to",
    alerts: ["AlertmanagerClusterFailedToSendAlerts"],
    mutate: replace(
      "min by (job, namespace, service, integration)",
      "max by (job, namespace, service, integration)",
    ),
    caughtBy:
      "one replica failing half its Slack notifications, across failure reasons, fires once for slack",
  },
  {
    naive: "reports a config the server refused, which PrometheusBadConfig already does",
    alerts: ["ConfigReloaderSidecarErrors"],
    mutate: replace(/\nunless on \(namespace, pod\)\n[\s\S]*/g, ""),
    caughtBy: "a config the server refuses is PrometheusBadConfig's, not the reloader's",
  },
  {
    naive: "fires when any one target of a job is down",
    alerts: ["TargetDown"],
    mutate: replace("avg by (job, namespace, service)", "max by (job, namespace, service)"),
    caughtBy: "one of three api replicas down is not TargetDown",
  },
  {
    naive: "counts a target down only while its last scrape failed, so a flapping one resets `for`",
    alerts: ["TargetDown"],
    mutate: replace(/avg_over_time\((up\{[^}]*\})\[5m\]\) < bool 0\.5/g, "$1 == bool 0"),
    caughtBy: "a target failing two scrapes in three fires TargetDown",
  },
  {
    naive: "gives every job's TargetDown one severity, whether alerts read from it or not",
    alerts: ["TargetDown"],
    mutate: (rule) => {
      rule.labels = { ...rule.labels, severity: "critical" };
    },
    caughtBy: "a job no alert reads from down for 15 minutes fires a warning TargetDown",
  },
  {
    naive: "pages on a high ratio however few requests failed",
    alerts: ["ErrorBudgetBurn"],
    mutate: replace(/\n {2}and\n {2}sum_over_time\([^\n]*/g, ""),
    caughtBy: "a handful of requests an hour with one failure does not page",
  },
  {
    naive: "reads the long window alone, so a burn that stopped keeps paging",
    alerts: ["ErrorBudgetBurn"],
    // The second line of each condition is the short window's.
    mutate: replace(/(\(\n {2}[^\n]+)\n {2}and\n {2}[^\n]+/g, "$1"),
    caughtBy: "a burn that stops resolves: the page within minutes, the warning once 6 hours have passed",
  },
  {
    naive: "pages at the first evaluation over the factors",
    alerts: ["ErrorBudgetBurn"],
    mutate: (rule) => {
      delete rule.for;
    },
    caughtBy: "a fast burn (10% of requests failing) pages within 15 minutes",
  },
];

const config = rulesConfig();
let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir("plue-naive-rules-");
});
afterAll(() => dir.cleanup());

describe("a naive rule fails the case written against it", () => {
  it.each(mutations.map((m) => [`${m.alerts.join(", ")} ${m.naive}`, m] as const))(
    "%s",
    async (_, mutation) => {
      const file = ruleFiles(config).find((f) =>
        f.groups.some((g) => g.rules.some((r) => isAlertRule(r) && mutation.alerts.includes(r.alert))),
      );
      if (!file) throw new Error(`no rule file defines ${mutation.alerts.join(", ")}`);
      const recording = ruleFiles(config).find((f) => f.name === RECORDING_RULE_FILE);
      if (!recording) throw new Error(`no ${RECORDING_RULE_FILE}`);
      const records = mutation.records;
      if (records) {
        for (const rule of recording.groups.flatMap((g) => g.rules)) {
          if (!isAlertRule(rule) && records.includes(rule.record)) mutation.mutate(rule);
        }
      } else {
        for (const rule of file.groups.flatMap((g) => g.rules).filter(isAlertRule)) {
          if (mutation.alerts.includes(rule.alert)) mutation.mutate(rule);
        }
      }
      const testCase = casesByRuleFile[file.name]?.find((c) => c.name === mutation.caughtBy);
      if (!testCase) throw new Error(`no case named "${mutation.caughtBy}" in ${file.name}`);

      const slug = mutation.alerts.join("-") + mutations.indexOf(mutation);
      const ruleFile = `${slug}.yaml`;
      const recordingFile = `${slug}-recording.yaml`;
      writeFileSync(join(dir.path, ruleFile), toYaml({ groups: file.groups }));
      writeFileSync(join(dir.path, recordingFile), toYaml({ groups: recording.groups }));
      const result = await runPromtoolTests(dir.path, ruleFile, config, [testCase], undefined, [
        recordingFile,
      ]);
      expect(result.code, result.output).not.toBe(0);
      expect(result.output).toContain(`name: ${mutation.caughtBy}`);
    },
  );
});
