// Which alerts read from which scrape job, computed from the rules (TargetDown's severity and
// description): a selector's job matcher, or the catalog's jobs without one; not `up`, which Prometheus
// writes itself; not a selector that can only silence its alert; through recording rules.
import { describe, expect, it } from "vitest";
import { ruleFiles } from "../../src/rules/index.ts";
import { alertsByJob } from "../../src/rules/targets.ts";
import type { RuleGroup } from "../../src/rules/types.ts";
import { rulesConfig } from "./config.ts";

const alert = (name: string, expr: string) => ({ alert: name, expr, labels: {}, annotations: {} });

describe("alertsByJob", () => {
  it("reads job matchers, and the catalog's jobs for a selector without one", () => {
    const groups: RuleGroup[] = [
      {
        name: "g",
        rules: [
          alert("A", 'kube_pod_info{job="kube-state-metrics"} > 0'),
          alert("B", "certmanager_certificate_expiration_timestamp_seconds > 0"),
          alert("C", 'rate(http_server_request_duration_seconds_count{job=~"api|web"}[5m]) > 0'),
        ],
      },
    ];
    expect(Object.fromEntries(alertsByJob(groups))).toEqual({
      "kube-state-metrics": ["A"],
      "kubernetes-pods": ["B"],
      api: ["C"],
      web: ["C"],
    });
  });

  it("leaves out `up`, selectors under `unless` and in absent(), and follows recorded series", () => {
    const groups: RuleGroup[] = [
      {
        name: "g",
        rules: [
          alert("Down", 'up{job="api"} == 0 or absent(pg_up{job="postgres-exporter"})'),
          alert(
            "Guarded",
            'pg_up{job="postgres-exporter"} == 0 unless on () kube_node_spec_unschedulable == 1',
          ),
          alert("Recorded", "namespace:thing:sum > 1"),
          {
            record: "namespace:thing:sum",
            expr: 'sum by (namespace) (node_memory_MemAvailable_bytes{job="node-exporter"})',
          },
        ],
      },
    ];
    expect(Object.fromEntries(alertsByJob(groups))).toEqual({
      "postgres-exporter": ["Guarded"],
      "node-exporter": ["Recorded"],
    });
  });

  it("on the stack's rules: what kube-state-metrics, Prometheus and the rest feed", () => {
    const groups = ruleFiles(rulesConfig())
      .flatMap((file) => file.groups)
      .filter((group) => group.name !== "targets");
    const fed = alertsByJob(groups);
    expect(fed.get("kube-state-metrics")).toEqual([
      "PodCrashLooping",
      "PodFrequentRestarts",
      "PodNotReady",
      "HighCPUUsage",
      "HighMemoryUsage",
      "CriticalCPUUsage",
      "CriticalMemoryUsage",
      "DeploymentReplicasMismatch",
      "DeploymentGenerationMismatch",
      "NodeNotReady",
      "NodeMemoryPressure",
      "NodeDiskPressure",
    ]);
    // Read-only claims are left out with kube-state-metrics' help (`unless`); the usage is the kubelet's.
    expect(fed.get("kubelet")).toEqual(["PersistentVolumeSpaceLow", "PersistentVolumeSpaceCritical"]);
    // The reloader alert reads Prometheus' and Alertmanager's reload gauges only to stay quiet.
    expect(fed.get("prometheus")).not.toContain("ConfigReloaderSidecarErrors");
    expect(fed.get("config-reloader")).toEqual(["ConfigReloaderSidecarErrors"]);
    // Only dashboards read these.
    for (const job of ["node-exporter", "apiserver", "grafana"]) expect(fed.has(job), job).toBe(false);
  });
});
