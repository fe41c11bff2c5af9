// The cluster's relabeling, run by the real Prometheus. Debian's build has no Kubernetes service
// discovery, so each job's kubernetes_sd_configs is replaced by a file_sd_configs holding what
// Kubernetes SD would discover in a small synthetic cluster (the same __meta_kubernetes_* labels,
// per role and namespace). Prometheus then applies the generated relabel_configs, and its target
// list shows which targets are kept and with which labels. Addresses are on loopback only.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../../src/deployment.ts";
import { prometheusConfig } from "../../src/prometheus/index.ts";
import type { KubernetesSdConfig, ScrapeConfig } from "../../src/prometheus/types.ts";
import { toYaml } from "../../src/render.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import { fullConfig } from "./fixtures.ts";
import { eventually, type RunningBinary, startPrometheus } from "./processes.ts";

type Labels = Record<string, string>;
interface Discovered {
  role: KubernetesSdConfig["role"];
  namespace?: string;
  address: string;
  labels: Labels;
}

const m = (name: string) => `__meta_kubernetes_${name}`;

function podMeta(namespace: string, pod: string, node: string, extra: Labels = {}): Labels {
  return { [m("namespace")]: namespace, [m("pod_name")]: pod, [m("pod_node_name")]: node, ...extra };
}

/** An EndpointSlice endpoint of a Service backed by a pod, on one port. */
function sliceEndpoint(
  namespace: string,
  service: string,
  pod: string,
  node: string,
  ip: string,
  port: number,
) {
  return {
    role: "endpointslice" as const,
    namespace,
    address: `${ip}:${port}`,
    labels: {
      ...podMeta(namespace, pod, node),
      [m("service_name")]: service,
      [m("endpointslice_name")]: `${service}-abcde`,
      [m("endpointslice_port")]: String(port),
      [m("endpointslice_port_name")]: "http",
      [m("endpointslice_port_protocol")]: "TCP",
      [m("endpointslice_endpoint_conditions_ready")]: "true",
      [m("endpointslice_address_target_kind")]: "Pod",
      [m("endpointslice_address_target_name")]: pod,
    },
  };
}

/** A container port of a pod behind a Service that the Service does not expose: no slice port. */
function unexposedPodPort(
  namespace: string,
  service: string,
  pod: string,
  node: string,
  ip: string,
  port: number,
) {
  return {
    role: "endpointslice" as const,
    namespace,
    address: `${ip}:${port}`,
    labels: { ...podMeta(namespace, pod, node), [m("service_name")]: service },
  };
}

/** What the pod role discovers: one target per container port. */
function podTarget(
  namespace: string,
  pod: string,
  node: string,
  address: string,
  annotations: Labels,
  extra: Labels = {},
): Discovered {
  const annotationLabels = Object.fromEntries(
    Object.entries(annotations).map(([key, value]) => [m(`pod_annotation_prometheus_io_${key}`), value]),
  );
  return {
    role: "pod",
    namespace,
    address,
    labels: {
      ...podMeta(namespace, pod, node, { [m("pod_phase")]: "Running", [m("pod_container_init")]: "false" }),
      ...annotationLabels,
      ...extra,
    },
  };
}

/** What the pod role discovers for one named container port of a pod of a stack component. */
function componentPodPort(
  pod: string,
  component: string,
  node: string,
  ip: string,
  port: { name: string; number: number },
  extra: Labels = {},
): Discovered {
  return {
    role: "pod",
    namespace: "monitoring",
    address: `${ip}:${port.number}`,
    labels: {
      ...podMeta("monitoring", pod, node, {
        [m("pod_phase")]: "Running",
        [m("pod_container_init")]: "false",
        [m("pod_label_app_kubernetes_io_name")]: component,
        [m("pod_container_port_name")]: port.name,
        [m("pod_container_port_number")]: String(port.number),
      }),
      ...extra,
    },
  };
}

const reloaderPort = { name: "reloader-web", number: 8080 };

const syntheticCluster: Discovered[] = [
  // plue: the three services; a look-alike Service; a port the api Service does not expose.
  sliceEndpoint("plue", "api", "api-7d9f-a", "node-1", "127.1.0.1", 4000),
  unexposedPodPort("plue", "api", "api-7d9f-a", "node-1", "127.1.0.1", 9464),
  sliceEndpoint("plue", "api-internal", "api-internal-1", "node-2", "127.1.0.11", 4000),
  sliceEndpoint("plue", "web", "web-1", "node-2", "127.1.0.2", 5173),
  sliceEndpoint("plue", "electric", "electric-1", "node-1", "127.1.0.3", 3000),
  // The same Service names in another namespace must not be scraped as Plue's.
  sliceEndpoint("staging", "api", "api-staging-1", "node-1", "127.1.0.12", 4000),
  // monitoring: our exporters and Prometheus.
  sliceEndpoint("monitoring", "kube-state-metrics", "ksm-1", "node-2", "127.1.0.20", 8080),
  sliceEndpoint("monitoring", "kube-state-metrics", "ksm-1", "node-2", "127.1.0.20", 8081),
  sliceEndpoint("monitoring", "node-exporter", "node-exporter-a", "node-1", "127.2.0.1", 9100),
  sliceEndpoint("monitoring", "node-exporter", "node-exporter-b", "node-2", "127.2.0.2", 9100),
  sliceEndpoint("monitoring", "postgres-exporter", "postgres-exporter-1", "node-1", "127.1.0.21", 9187),
  sliceEndpoint("monitoring", "prometheus", "prometheus-0", "node-2", "127.1.0.22", 9090),
  // Alertmanager's pods behind both its Services: scraped once each, through `alertmanager`.
  sliceEndpoint("monitoring", "alertmanager", "alertmanager-0", "node-1", "127.1.0.24", 9093),
  sliceEndpoint("monitoring", "alertmanager", "alertmanager-1", "node-2", "127.1.0.25", 9093),
  sliceEndpoint("monitoring", "alertmanager-headless", "alertmanager-0", "node-1", "127.1.0.24", 9093),
  sliceEndpoint("monitoring", "alertmanager-headless", "alertmanager-0", "node-1", "127.1.0.24", 9094),
  sliceEndpoint("monitoring", "alertmanager-headless", "alertmanager-1", "node-2", "127.1.0.25", 9093),
  sliceEndpoint("monitoring", "grafana", "grafana-1", "node-1", "127.1.0.23", 3000),
  // Pods of the monitoring namespace, one target per container port: the reloaders beside Prometheus
  // and each Alertmanager, the servers' own ports, a look-alike reloader port of a pod that is not
  // ours, and a terminated replica that still has its address.
  componentPodPort("prometheus-0", "prometheus", "node-2", "127.1.0.22", { name: "web", number: 9090 }),
  componentPodPort("prometheus-0", "prometheus", "node-2", "127.1.0.22", reloaderPort),
  componentPodPort("alertmanager-0", "alertmanager", "node-1", "127.1.0.24", { name: "web", number: 9093 }),
  componentPodPort("alertmanager-0", "alertmanager", "node-1", "127.1.0.24", reloaderPort),
  componentPodPort("alertmanager-1", "alertmanager", "node-2", "127.1.0.25", reloaderPort),
  componentPodPort("alertmanager-2", "alertmanager", "node-1", "127.1.0.26", reloaderPort, {
    [m("pod_phase")]: "Failed",
  }),
  componentPodPort("thanos-ruler-0", "thanos-ruler", "node-1", "127.1.0.27", reloaderPort),
  // default: the API server's endpoints (no pod behind them).
  {
    role: "endpointslice",
    namespace: "default",
    address: "127.3.0.1:6443",
    labels: {
      [m("namespace")]: "default",
      [m("service_name")]: "kubernetes",
      [m("endpointslice_port")]: "6443",
      [m("endpointslice_port_name")]: "https",
    },
  },
  // Nodes: the kubelet's address; Kubernetes SD sets instance to the node name.
  ...["node-1", "node-2"].map((node, index) => ({
    role: "node" as const,
    address: `127.2.0.${index + 1}:10250`,
    labels: { [m("node_name")]: node, instance: node },
  })),
  // Pods: annotated ones that other jobs already scrape, and some that only kubernetes-pods does.
  podTarget("plue", "api-7d9f-a", "node-1", "127.1.0.1:4000", { scrape: "true", port: "4000" }),
  podTarget("plue", "api-7d9f-a", "node-1", "127.1.0.1:9464", { scrape: "true", port: "4000" }),
  podTarget("plue", "web-1", "node-2", "127.1.0.2:5173", { scrape: "true" }),
  podTarget("plue", "worker-1", "node-2", "127.1.0.9:8000", {
    scrape: "true",
    port: "9464",
    path: "/custom",
    scheme: "https",
  }),
  podTarget("monitoring", "ksm-1", "node-2", "127.1.0.20:8080", { scrape: "true" }),
  podTarget("monitoring", "grafana-1", "node-1", "127.1.0.23:3000", { scrape: "true" }),
  podTarget("other", "batch-1", "node-1", "127.1.0.30:8080", {}),
  podTarget(
    "other",
    "done-1",
    "node-1",
    "127.1.0.31:8080",
    { scrape: "true" },
    { [m("pod_phase")]: "Succeeded" },
  ),
  podTarget("other", "app-1", "node-2", "127.1.0.32:8080", { scrape: "true" }),
  podTarget(
    "other",
    "app-1",
    "node-2",
    "127.1.0.32:8081",
    { scrape: "true" },
    { [m("pod_container_init")]: "true" },
  ),
];

interface ApiTarget {
  labels: Labels;
  scrapePool: string;
  scrapeUrl: string;
}

const dir = tempDir("plue-prometheus-relabel-");
let prometheus: RunningBinary | undefined;
let active: ApiTarget[] = [];

beforeAll(async () => {
  const generated = prometheusConfig(fullConfig(), cluster);
  mkdirSync(join(dir.path, "sd"));
  const scrapeConfigs = (generated.scrape_configs as ScrapeConfig[])
    .filter((job) => job.kubernetes_sd_configs)
    .map(({ kubernetes_sd_configs, ...job }) => {
      const sd = kubernetes_sd_configs?.[0] as KubernetesSdConfig;
      const discovered = syntheticCluster.filter(
        (target) =>
          target.role === sd.role && (!sd.namespaces || sd.namespaces.names.includes(target.namespace ?? "")),
      );
      const file = join(dir.path, "sd", `${job.job_name}.json`);
      writeFileSync(
        file,
        JSON.stringify(discovered.map((target) => ({ targets: [target.address], labels: target.labels }))),
      );
      // Files the jobs reference must exist for Prometheus to start; they are never read by a scrape
      // that matters here (every address is a closed port on loopback).
      return { ...job, file_sd_configs: [{ files: [file] }] };
    });
  writeFileSync(join(dir.path, "token"), "token");
  const yml = toYaml({ global: { scrape_interval: "1h" }, scrape_configs: scrapeConfigs }).replaceAll(
    "/var/run/secrets/kubernetes.io/serviceaccount/token",
    join(dir.path, "token"),
  );
  // Prometheus loads the CA when it creates the scrape pool: any valid certificate does here.
  await runCommand("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    join(dir.path, "ca.key"),
    "-out",
    join(dir.path, "ca.crt"),
  ]);
  const started = await startPrometheus(
    dir.path,
    yml.replaceAll("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", join(dir.path, "ca.crt")),
  );
  prometheus = started.prometheus;
  const base = started.url;
  const expectedPools = scrapeConfigs.length;
  active = await eventually(
    "every job's targets",
    async () => {
      const response = await fetch(`${base}/api/v1/targets?state=active`);
      const body = (await response.json()) as { data: { activeTargets: ApiTarget[] } };
      const targets = body.data.activeTargets;
      return new Set(targets.map((target) => target.scrapePool)).size === expectedPools ? targets : undefined;
    },
    15_000,
    () => prometheus?.output() ?? "",
  );
}, 40_000);

afterAll(async () => {
  await prometheus?.stop();
  dir.cleanup();
});

const targetsOf = (job: string) =>
  active
    .filter((target) => target.scrapePool === job)
    .sort((a, b) => a.scrapeUrl.localeCompare(b.scrapeUrl))
    .map((target) => ({ url: target.scrapeUrl, labels: target.labels }));

describe("cluster relabeling on the real Prometheus", () => {
  it("scrapes api, web and electric in the app namespace with namespace, pod and service", () => {
    expect(targetsOf("api")).toEqual([
      {
        url: "http://127.1.0.1:4000/metrics",
        labels: {
          job: "api",
          instance: "127.1.0.1:4000",
          namespace: "plue",
          pod: "api-7d9f-a",
          service: "api",
        },
      },
    ]);
    expect(targetsOf("web")).toEqual([
      {
        url: "http://127.1.0.2:5173/metrics",
        labels: { job: "web", instance: "127.1.0.2:5173", namespace: "plue", pod: "web-1", service: "web" },
      },
    ]);
    expect(targetsOf("electric").map((target) => target.labels)).toEqual([
      {
        job: "electric",
        instance: "127.1.0.3:3000",
        namespace: "plue",
        pod: "electric-1",
        service: "electric",
      },
    ]);
  });

  it("scrapes the kubelet and cAdvisor of every node over HTTPS with the node name as `node`", () => {
    expect(targetsOf("kubelet")).toEqual([
      {
        url: "https://127.2.0.1:10250/metrics",
        labels: { job: "kubelet", instance: "node-1", node: "node-1" },
      },
      {
        url: "https://127.2.0.2:10250/metrics",
        labels: { job: "kubelet", instance: "node-2", node: "node-2" },
      },
    ]);
    expect(targetsOf("cadvisor").map((target) => target.url)).toEqual([
      "https://127.2.0.1:10250/metrics/cadvisor",
      "https://127.2.0.2:10250/metrics/cadvisor",
    ]);
    expect(targetsOf("cadvisor").map((target) => target.labels.node)).toEqual(["node-1", "node-2"]);
  });

  it("gives node-exporter the Kubernetes node name, and kube-state-metrics no labels of its own", () => {
    expect(targetsOf("node-exporter").map((target) => target.labels)).toEqual([
      { job: "node-exporter", instance: "127.2.0.1:9100", node: "node-1" },
      { job: "node-exporter", instance: "127.2.0.2:9100", node: "node-2" },
    ]);
    expect(targetsOf("kube-state-metrics")).toEqual([
      {
        url: "http://127.1.0.20:8080/metrics",
        labels: { job: "kube-state-metrics", instance: "127.1.0.20:8080" },
      },
    ]);
  });

  it("finds the API server, postgres-exporter and Prometheus", () => {
    expect(targetsOf("apiserver")).toEqual([
      { url: "https://127.3.0.1:6443/metrics", labels: { job: "apiserver", instance: "127.3.0.1:6443" } },
    ]);
    expect(targetsOf("postgres-exporter").map((target) => target.labels)).toEqual([
      {
        job: "postgres-exporter",
        instance: "127.1.0.21:9187",
        namespace: "monitoring",
        pod: "postgres-exporter-1",
        service: "postgres-exporter",
      },
    ]);
    expect(targetsOf("prometheus").map((target) => target.labels.pod)).toEqual(["prometheus-0"]);
  });

  it("scrapes every Alertmanager replica once, through the Service alertmanager, and Grafana", () => {
    expect(targetsOf("alertmanager")).toEqual(
      ["0", "1"].map((ordinal, index) => ({
        url: `http://127.1.0.${24 + index}:9093/metrics`,
        labels: {
          job: "alertmanager",
          instance: `127.1.0.${24 + index}:9093`,
          namespace: "monitoring",
          pod: `alertmanager-${ordinal}`,
          service: "alertmanager",
        },
      })),
    );
    expect(targetsOf("grafana")).toEqual([
      {
        url: "http://127.1.0.23:3000/metrics",
        labels: {
          job: "grafana",
          instance: "127.1.0.23:3000",
          namespace: "monitoring",
          pod: "grafana-1",
          service: "grafana",
        },
      },
    ]);
  });

  it("scrapes the config reloader in Prometheus' and each Alertmanager's pod, `service` its component", () => {
    const reloaders: [ip: string, pod: string, service: string][] = [
      ["127.1.0.22", "prometheus-0", "prometheus"],
      ["127.1.0.24", "alertmanager-0", "alertmanager"],
      ["127.1.0.25", "alertmanager-1", "alertmanager"],
    ];
    expect(targetsOf("config-reloader")).toEqual(
      reloaders.map(([ip, pod, service]) => ({
        url: `http://${ip}:8080/metrics`,
        labels: { job: "config-reloader", instance: `${ip}:8080`, namespace: "monitoring", pod, service },
      })),
    );
  });

  it("scrapes annotated pods honoring port, path and scheme, and nothing another job scrapes", () => {
    // Not kube-state-metrics, api or web, nor Grafana (annotated, but the grafana job scrapes it).
    expect(targetsOf("kubernetes-pods")).toEqual([
      {
        url: "http://127.1.0.32:8080/metrics",
        labels: {
          job: "kubernetes-pods",
          instance: "127.1.0.32:8080",
          namespace: "other",
          pod: "app-1",
          node: "node-2",
        },
      },
      {
        url: "https://127.1.0.9:9464/custom",
        labels: {
          job: "kubernetes-pods",
          instance: "127.1.0.9:9464",
          namespace: "plue",
          pod: "worker-1",
          node: "node-2",
        },
      },
    ]);
  });
});
