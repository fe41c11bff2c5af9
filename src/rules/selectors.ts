// Job selectors, in one place like kubernetes-mixin's config: each names the scrape job of DESIGN.md
// "Target labels" that provides the metric, so a same-named series from another target (say the
// kubelet's /metrics/resource, which also exports container_* series) is never counted twice.
import { PLUE_SERVICES } from "../catalog/plue-services.ts";

export const kubeStateMetrics = 'job="kube-state-metrics"';
export const cadvisor = 'job="cadvisor"';
export const kubelet = 'job="kubelet"';
export const blackbox = 'job="blackbox"';
export const postgresExporter = 'job="postgres-exporter"';
/** api, web and electric: each service is scraped as its own job. */
export const plueServices = `job=~"${PLUE_SERVICES.join("|")}"`;
// The monitoring stack itself (meta-monitoring): Prometheus' self-scrape, every Alertmanager replica,
// and the config reloader sidecars beside Prometheus and each Alertmanager.
export const prometheus = 'job="prometheus"';
export const alertmanager = 'job="alertmanager"';
export const configReloader = 'job="config-reloader"';
