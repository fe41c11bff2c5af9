// Pinned container images: the one place their versions live. Override any of them with the
// `images` config key (e.g. --set images.grafana=docker.io/grafana/grafana:12.4.12).
//
// Each tag is a published release (checked against the projects' release notes and public
// deployments pinning it, November 2026):
//   Prometheus 3.5 is the LTS line the rules and configs are written for; v3.5.5 is its latest patch.
//   Its support ended 2026-07-31 (3.13 is the supported LTS now): moving is a deliberate decision,
//   taken together with the config tests.
//   Alertmanager v0.34.1, Grafana 12.4.12 (the latest 12.x), prometheus-config-reloader v0.94.1,
//   kube-state-metrics v2.20.0, node-exporter v1.12.1, blackbox-exporter v0.29.0,
//   postgres-exporter v0.20.1.
export const defaultImages = {
  prometheus: "quay.io/prometheus/prometheus:v3.5.5",
  alertmanager: "quay.io/prometheus/alertmanager:v0.34.1",
  grafana: "docker.io/grafana/grafana:12.4.12",
  configReloader: "quay.io/prometheus-operator/prometheus-config-reloader:v0.94.1",
  kubeStateMetrics: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
  nodeExporter: "quay.io/prometheus/node-exporter:v1.12.1",
  blackboxExporter: "quay.io/prometheus/blackbox-exporter:v0.29.0",
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.20.1",
} as const;

export type ImageName = keyof typeof defaultImages;
