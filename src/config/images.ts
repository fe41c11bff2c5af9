// Pinned container images: the one place their versions live. Override any of them with the
// `images` config key (e.g. --set images.grafana=docker.io/grafana/grafana:12.4.10).
//
// Every tag below is a release found in its project's own history. Beside each: the release date and
// where it was seen. A tag that does not exist is an ImagePullBackOff on the first deploy, so move a pin
// only to a tag seen the same way. The rules and metric corpus (test/fixtures/exporters) are written
// for exactly these versions: moving an exporter means re-reading its metrics at the new tag.
export const defaultImages = {
  // v3.13.2, 2026-07-29: git tag and CHANGELOG.md "## 3.13.2 / 2026-07-29" of prometheus/prometheus.
  // 3.13 is the LTS line, supported to 2027-07-31; 3.5 LTS ended 2026-07-31.
  prometheus: "quay.io/prometheus/prometheus:v3.13.2",
  // v0.34.0, 2026-08-16: git tag of prometheus/alertmanager (the newest; there is no v0.34.1).
  alertmanager: "quay.io/prometheus/alertmanager:v0.34.0",
  // 12.4.10, 2026 (the 12.4 line is the last 12.x minor, supported to May 2027): the docker.io tag
  // grafana/grafana:12.4.10, adopted by NethServer/ns8-metrics release 1.4.0 (2026-09-18). Grafana 13
  // stores dashboards in a format our file provisioning does not write.
  grafana: "docker.io/grafana/grafana:12.4.10",
  // v0.93.0, 2026-07-28: git tag of prometheus-operator/prometheus-operator, which publishes the
  // config reloader with every release.
  configReloader: "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0",
  // v2.20.0, 2026-08-17: git tag of kubernetes/kube-state-metrics.
  kubeStateMetrics: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
  // v1.12.1, 2026-07-14: git tag of prometheus/node_exporter.
  nodeExporter: "quay.io/prometheus/node-exporter:v1.12.1",
  // v0.28.0, 2025-12-04: git tag of prometheus/blackbox_exporter, the newest (there is no v0.29.0).
  blackboxExporter: "quay.io/prometheus/blackbox-exporter:v0.28.0",
  // v0.20.1, 2026-07-07: git tag of prometheus-community/postgres_exporter.
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.20.1",
} as const;

export type ImageName = keyof typeof defaultImages;
