// An example configuration: the stack for plue.dev. Copy it to plue-monitoring.config.ts in your
// working directory and adjust. Secrets stay out of this file: either reference a Kubernetes Secret
// you already have (as below), or pass the value as a TF_VAR_* environment variable, which wins over
// this file (TF_VAR_grafana_admin_password=…).
import { defineConfig } from "../src/index.ts";

export default defineConfig({
  namespace: "monitoring",
  domain: "plue.dev",
  appNamespace: "plue",
  cluster: "plue-production",
  // Read from an existing Secret in the namespace, created once by you or your secrets operator:
  //   kubectl -n monitoring create secret generic grafana-credentials --from-literal=admin-password=…
  // synth generates no Secret for it, so the output is the same on every run (docs/kubernetes.md).
  grafanaAdminPassword: { secretName: "grafana-credentials", key: "admin-password" },
  // Receivers' credentials from one Secret with a key each; locally every receiver is the inbox.
  alertmanagerSlackWebhook: { secretName: "alertmanager-receivers", key: "slack-webhook-url" },
  alertmanagerPagerdutyKey: { secretName: "alertmanager-receivers", key: "pagerduty-routing-key" },
  alertmanagerHeartbeatUrl: { secretName: "alertmanager-receivers", key: "heartbeat-url" },
  alertCpuThreshold: 80,
  alertMemoryThreshold: 80,
  alertErrorRateThreshold: 1,
});
