// A team extends the stack: its background worker exports a queue depth and a count of processed
// jobs. The worker's metrics join the catalog, its Service is scraped, an alert and a recording rule
// read it, a dashboard shows it and an SLO holds it to 99% of jobs succeeding. synth checks all of it
// the way it checks the built-in rules: a typo in a metric name is an error naming the alert, before
// anything is deployed. See docs/extending.md; examples/tests/worker-queue.test.yaml tests the rules
// with `plue-monitoring test --config examples/team.config.ts examples/tests/worker-queue.test.yaml`.
import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { defineConfig } from "../src/index.ts";

/** Every query of the dashboard reads the stack's Prometheus datasource (its uid is "prometheus"). */
const prometheus = { type: "prometheus", uid: "prometheus" };

const queueDashboard = new DashboardBuilder("Worker queues")
  .uid("plue-worker-queues")
  .tags(["plue", "worker"])
  .time({ from: "now-6h", to: "now" })
  .refresh("1m")
  .withPanel(
    new TimeseriesPanel()
      .title("Queue depth")
      .datasource(prometheus)
      .unit("short")
      .min(0)
      .withTarget(
        new DataqueryBuilder()
          .datasource(prometheus)
          .expr('max by (queue) (worker_queue_depth{job="worker"})')
          .legendFormat("{{queue}}"),
      ),
  )
  .withPanel(
    new TimeseriesPanel()
      .title("Jobs processed per second")
      .datasource(prometheus)
      .unit("ops")
      .min(0)
      .withTarget(
        new DataqueryBuilder()
          .datasource(prometheus)
          .expr("sum by (queue) (namespace_service_queue:worker_jobs_processed_total:sum_rate5m)")
          .legendFormat("{{queue}}"),
      ),
  );

export default defineConfig({
  namespace: "monitoring",
  domain: "plue.dev",
  appNamespace: "plue",
  // Given as TF_VAR_grafana_admin_password (or --set) in practice; a fixed value keeps the example stable.
  grafanaAdminPassword: "example-only-change-me",

  metrics: [
    {
      name: "worker_queue_depth",
      type: "gauge",
      labels: ["queue"],
      jobs: ["worker"],
      help: "Jobs waiting in a queue",
    },
    {
      name: "worker_jobs_processed_total",
      type: "counter",
      // outcome: "succeeded" or "failed".
      labels: ["queue", "outcome"],
      jobs: ["worker"],
      help: "Jobs the worker finished, by queue and outcome",
    },
  ],
  scrapeJobs: [{ name: "worker", namespace: "plue", service: "worker", port: 9464 }],
  alerts: [
    {
      name: "WorkerQueueBacklog",
      expr: 'max by (namespace, service, queue) (worker_queue_depth{job="worker"}) > 1000',
      for: "15m",
      severity: "warning",
      summary: "{{ $labels.queue }} queue backlog: {{ $value }} jobs",
      description:
        "The {{ $labels.queue }} queue of {{ $labels.namespace }}/{{ $labels.service }} has held more than 1000 jobs for 15 minutes.",
      runbookUrl: "https://wiki.plue.dev/runbooks/worker-queue-backlog",
    },
  ],
  recordingRules: [
    {
      record: "namespace_service_queue:worker_jobs_processed_total:sum_rate5m",
      expr: 'sum by (namespace, service, queue) (rate(worker_jobs_processed_total{job="worker"}[5m]))',
    },
  ],
  dashboards: [queueDashboard],
  slos: [
    {
      service: "worker",
      name: "jobs",
      objective: 99,
      indicator: {
        kind: "ratio",
        errors: 'worker_jobs_processed_total{job="worker", outcome="failed"}',
        total: 'worker_jobs_processed_total{job="worker"}',
      },
    },
  ],
});
