// Pinned container images: the one place their versions live. Override any of them with the
// `images` config key (e.g. --set images.grafana=grafana/grafana:12.1.0).
export const defaultImages = {
  prometheus: "quay.io/prometheus/prometheus:v3.5.0",
  alertmanager: "quay.io/prometheus/alertmanager:v0.28.1",
  grafana: "docker.io/grafana/grafana:12.1.1",
  configReloader: "quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0",
  kubeStateMetrics: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.16.0",
  nodeExporter: "quay.io/prometheus/node-exporter:v1.9.1",
  blackboxExporter: "quay.io/prometheus/blackbox-exporter:v0.27.0",
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
} as const;

export type ImageName = keyof typeof defaultImages;
