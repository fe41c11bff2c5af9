// Faults of the monitoring stack itself, each meant to raise one of its meta-alerts: a notifier that
// rejects what Alertmanager sends, a config that fails to reload, a rule that fails to evaluate, a
// scrape target or an Alertmanager that is gone. Each is real here: the inbox's stand-ins answer 500,
// Prometheus and Alertmanager really reload a broken file, the process really stops.
import type { Fault, FaultOutcome, FaultTargets } from "../faults.ts";
import { LOCAL_RECEIVER_NAME } from "../parts/receiver.ts";

function required<T>(value: T | undefined, fault: string, what: string): T {
  if (value === undefined) throw new Error(`${fault} needs ${what}, which this stack does not run`);
  return value;
}

/** A notifier stand-in of the inbox answers 500 to every notification, so Alertmanager's sends fail. */
function notifierFault(name: "slack-down" | "pagerduty-down", receiver: "slack" | "pagerduty"): Fault {
  const outcome = (message: string): FaultOutcome => ({
    message,
    labels: { job: "alertmanager", integration: receiver },
  });
  return {
    name,
    alert: "AlertmanagerFailedToSendAlerts",
    description: `the inbox's ${receiver === "slack" ? "Slack" : "PagerDuty"} endpoint answers every notification with 500`,
    area: "notifications",
    apply: async (targets) => {
      required(targets.notifications, name, "the notification inbox").setFailing(receiver, true);
      return outcome(`${receiver} answers 500`);
    },
    clear: async (targets) => {
      required(targets.notifications, name, "the notification inbox").setFailing(receiver, false);
      return outcome(`${receiver} accepts notifications again`);
    },
  };
}

function receiver(targets: FaultTargets) {
  if (targets.receiver === undefined) {
    throw new Error(
      "receiver-down needs the remote-write receiver, which runs only with `plue-monitoring up --remote-write`",
    );
  }
  return targets.receiver;
}

/** The Alertmanager the faults act on: the second, so the first keeps sending. */
const FAULTY_ALERTMANAGER = 1;

export const monitoringStackFaults: readonly Fault[] = [
  notifierFault("slack-down", "slack"),
  notifierFault("pagerduty-down", "pagerduty"),
  {
    name: "prometheus-bad-config",
    alert: "PrometheusBadConfig",
    description:
      "an invalid prometheus.yml is written and Prometheus is asked to reload it (it keeps the old one)",
    area: "prometheus",
    apply: async (targets: FaultTargets) => {
      await required(targets.prometheus, "prometheus-bad-config", "Prometheus").breakConfig();
      return { message: "prometheus.yml is invalid; the reload failed", labels: { job: "prometheus" } };
    },
    clear: async (targets: FaultTargets) => {
      await required(targets.prometheus, "prometheus-bad-config", "Prometheus").restoreConfig();
      return { message: "prometheus.yml restored and reloaded", labels: { job: "prometheus" } };
    },
  },
  {
    name: "rule-failure",
    alert: "PrometheusRuleFailures",
    description: "a rule file is added whose rule fails at every evaluation (many-to-many matching)",
    area: "prometheus",
    apply: async (targets: FaultTargets) => {
      await required(targets.prometheus, "rule-failure", "Prometheus").addFailingRule();
      return { message: "a failing rule is loaded", labels: { job: "prometheus" } };
    },
    clear: async (targets: FaultTargets) => {
      await required(targets.prometheus, "rule-failure", "Prometheus").removeFailingRule();
      return { message: "the failing rule is gone", labels: { job: "prometheus" } };
    },
  },
  {
    name: "alertmanager-bad-config",
    alert: "AlertmanagerFailedReload",
    description:
      "an invalid alertmanager.yml is written for the second Alertmanager and it is asked to reload",
    area: "alertmanager",
    apply: async (targets: FaultTargets) => {
      await required(targets.alertmanagers, "alertmanager-bad-config", "the Alertmanagers").breakConfig(
        FAULTY_ALERTMANAGER,
      );
      return { message: "alertmanager.yml is invalid; the reload failed", labels: { job: "alertmanager" } };
    },
    clear: async (targets: FaultTargets) => {
      await required(targets.alertmanagers, "alertmanager-bad-config", "the Alertmanagers").restoreConfig(
        FAULTY_ALERTMANAGER,
      );
      return { message: "alertmanager.yml restored and reloaded", labels: { job: "alertmanager" } };
    },
  },
  {
    name: "alertmanager-down",
    alert: "TargetDown",
    description: "the second Alertmanager stops",
    area: "alertmanager",
    apply: async (targets: FaultTargets) => {
      await required(targets.alertmanagers, "alertmanager-down", "the Alertmanagers").stop(
        FAULTY_ALERTMANAGER,
      );
      return { message: "one Alertmanager stopped", labels: { job: "alertmanager" } };
    },
    clear: async (targets: FaultTargets) => {
      await required(targets.alertmanagers, "alertmanager-down", "the Alertmanagers").start(
        FAULTY_ALERTMANAGER,
      );
      return { message: "the Alertmanager runs again", labels: { job: "alertmanager" } };
    },
  },
  {
    name: "ksm-down",
    alert: "TargetDown",
    description: "the cluster simulator stops serving kube-state-metrics (its scrapes fail)",
    area: "cluster",
    apply: async (targets: FaultTargets) => {
      required(targets.cluster, "ksm-down", "the cluster simulator").setExporterDown(
        "kube-state-metrics",
        true,
      );
      return { message: "kube-state-metrics answers 503", labels: { job: "kube-state-metrics" } };
    },
    clear: async (targets: FaultTargets) => {
      required(targets.cluster, "ksm-down", "the cluster simulator").setExporterDown(
        "kube-state-metrics",
        false,
      );
      return { message: "kube-state-metrics serves again", labels: { job: "kube-state-metrics" } };
    },
  },
  {
    name: "receiver-down",
    alert: "PrometheusRemoteWriteBehind",
    description:
      "the remote-write receiver stops (up --remote-write); Prometheus keeps the samples in its WAL and sends them once it is back",
    area: "remote-write",
    apply: async (targets: FaultTargets) => {
      await receiver(targets).stop();
      return { message: "the remote-write receiver stopped", labels: { remote_name: LOCAL_RECEIVER_NAME } };
    },
    clear: async (targets: FaultTargets) => {
      await receiver(targets).start();
      return {
        message: "the remote-write receiver runs again",
        labels: { remote_name: LOCAL_RECEIVER_NAME },
      };
    },
  },
];
