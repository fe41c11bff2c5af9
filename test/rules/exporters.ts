// Input series labelled exactly as the real exporters label them, after the scrape attaches its
// target labels (DESIGN.md "Target labels"). Target labels come first; an exporter's own labels win
// where kube-state-metrics is scraped with honor_labels.
import { type InputSeries, type Labels, segments, series } from "./promtool.ts";

export const NODE = "plue-node-1";
export const OTHER_NODE = "plue-node-2";

// kube-state-metrics' job attaches no target label of its own (src/prometheus/jobs/kube-state-metrics.ts):
// a series has the object's namespace and pod, or none (nodes).
export const ksmTarget: Labels = { job: "kube-state-metrics", instance: "10.244.0.15:8080" };

export const ksm = (name: string, labels: Labels, values: string): InputSeries =>
  series(name, { ...ksmTarget, ...labels }, values);

export interface PodRef {
  namespace: string;
  pod: string;
  uid: string;
}

export const apiPod: PodRef = {
  namespace: "plue",
  pod: "api-7d9f8c6b5-x2x9k",
  uid: "5f0c2a4e-9b1d-4c7e-8a3f-2d6b1e9c0a71",
};
export const webPod: PodRef = {
  namespace: "plue",
  pod: "web-6b8d9f7c4-m4p7r",
  uid: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
};

type Phase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
const PHASES: Phase[] = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

/** kube_pod_status_phase: one series per phase, 1 for the current one, over a timeline. */
export function podPhases(pod: PodRef, timeline: [Phase, number][]): InputSeries[] {
  return PHASES.map((phase) =>
    ksm(
      "kube_pod_status_phase",
      { ...pod, phase },
      segments(
        ...timeline.map(([current, samples]): [number, number] => [current === phase ? 1 : 0, samples]),
      ),
    ),
  );
}

/** kube_pod_info; `node` is "" until the pod is scheduled. */
export function podInfo(pod: PodRef, node: string, samples: number): InputSeries {
  return ksm(
    "kube_pod_info",
    {
      ...pod,
      node,
      host_ip: node === "" ? "" : "10.0.1.17",
      pod_ip: node === "" ? "" : "10.244.1.20",
      created_by_kind: "ReplicaSet",
      created_by_name: pod.pod.replace(/-[^-]+$/, ""),
      priority_class: "",
      host_network: "false",
    },
    segments([1, samples]),
  );
}

/** kube_pod_owner; `undefined` for a pod no controller owns: kube-state-metrics exports its owner labels empty. */
export function podOwner(
  pod: PodRef,
  owner: { kind: string; name: string } | undefined,
  samples: number,
): InputSeries {
  return ksm(
    "kube_pod_owner",
    {
      ...pod,
      owner_kind: owner?.kind ?? "",
      owner_name: owner?.name ?? "",
      owner_is_controller: owner ? "true" : "",
    },
    segments([1, samples]),
  );
}

export function containerLimit(
  pod: PodRef,
  container: string,
  resource: "cpu" | "memory",
  value: number,
  samples: number,
): InputSeries {
  return ksm(
    "kube_pod_container_resource_limits",
    { ...pod, container, node: NODE, resource, unit: resource === "cpu" ? "core" : "byte" },
    segments([value, samples]),
  );
}

// cAdvisor through the kubelet: target labels from node discovery.
const cadvisorTarget: Labels = { job: "cadvisor", instance: NODE, node: NODE };

const podCgroup = (pod: PodRef) =>
  `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${pod.uid.replaceAll("-", "_")}.slice`;
const containerId = (seed: string) => seed.repeat(64).slice(0, 64);

/**
 * What cAdvisor exports for one pod: a series per container, plus the pod-level cgroup
 * (container="", image="", name="") and the sandbox — containerd's pause container (container="" with
 * the pause image) or dockershim's (container="POD"). `values` per container; the pod-level series
 * carries `podValues`.
 */
export function cadvisorPod(
  name: "container_cpu_usage_seconds_total" | "container_memory_working_set_bytes",
  pod: PodRef,
  containers: Record<string, string>,
  podValues: string,
  sandbox: { runtime: "containerd" | "dockershim"; values: string } = { runtime: "containerd", values: "0" },
): InputSeries[] {
  const extra: Labels = name === "container_cpu_usage_seconds_total" ? { cpu: "total" } : {};
  const base = { ...cadvisorTarget, ...extra, namespace: pod.namespace, pod: pod.pod };
  const out = Object.entries(containers).map(([container, values], index) => {
    const id = containerId(String.fromCharCode(97 + index));
    return series(
      name,
      {
        ...base,
        container,
        id: `${podCgroup(pod)}/cri-containerd-${id}.scope`,
        image: `ghcr.io/plue/${container}:1.4.2`,
        name: id,
      },
      values,
    );
  });
  out.push(series(name, { ...base, container: "", id: podCgroup(pod), image: "", name: "" }, podValues));
  const sandboxId = containerId("f");
  out.push(
    sandbox.runtime === "containerd"
      ? series(
          name,
          {
            ...base,
            container: "",
            id: `${podCgroup(pod)}/cri-containerd-${sandboxId}.scope`,
            image: "registry.k8s.io/pause:3.9",
            name: sandboxId,
          },
          sandbox.values,
        )
      : series(
          name,
          {
            ...base,
            container: "POD",
            id: `${podCgroup(pod)}/${sandboxId}`,
            image: "registry.k8s.io/pause:3.9",
            name: `k8s_POD_${pod.pod}_${pod.namespace}_${pod.uid}_0`,
          },
          sandbox.values,
        ),
  );
  return out;
}

// Plue's services: namespace, service (= job) and pod as target labels.
const SERVICE_PORTS = { api: 4000, web: 5173, electric: 3000 } as const;
export type PlueServiceName = keyof typeof SERVICE_PORTS;

export function plueTarget(service: PlueServiceName, replica = 0): Labels {
  const pods = {
    api: "api-7d9f8c6b5-x2x9k",
    web: "web-6b8d9f7c4-m4p7r",
    electric: "electric-5c7b9d8f6-t6w2n",
  };
  const pod = replica === 0 ? pods[service] : `${pods[service].slice(0, -5)}r${replica}q${replica}z`;
  return {
    job: service,
    instance: `10.244.1.${20 + replica * 10 + Object.keys(SERVICE_PORTS).indexOf(service)}:${SERVICE_PORTS[service]}`,
    namespace: "plue",
    service,
    pod,
  };
}

export const up = (service: PlueServiceName, values: string, replica = 0): InputSeries =>
  series("up", plueTarget(service, replica), values);

/** `up` of every Plue service, healthy, except those named in `except`. */
export const healthyUp = (samples: number, ...except: PlueServiceName[]): InputSeries[] =>
  (["api", "web", "electric"] as const)
    .filter((service) => !except.includes(service))
    .map((service) => up(service, segments([1, samples])));

export const postgresExporterTarget: Labels = {
  job: "postgres-exporter",
  instance: "10.244.2.31:9187",
  namespace: "monitoring",
  pod: "postgres-exporter-5f7c9d8b4-kz7q2",
  service: "postgres-exporter",
};

export const kubeletTarget = (node: string): Labels => ({ job: "kubelet", instance: node, node });

export const blackboxTarget = (url: string): Labels => ({ job: "blackbox", instance: url });

/** cert-manager's controller pod, found by the kubernetes-pods job through its scrape annotation. */
export const certManagerTarget: Labels = {
  job: "kubernetes-pods",
  instance: "10.244.3.8:9402",
  namespace: "cert-manager",
  pod: "cert-manager-6c69b8c9d4-wp4kq",
};

// The monitoring stack itself (src/prometheus/jobs/{prometheus,alertmanager,config-reloader,grafana}.ts):
// namespace, pod and service as target labels. The config reloader shares its pod (and pod IP) with
// the server it reloads; its `service` names that server.
const PROMETHEUS_POD_IP = "10.244.2.40";
const alertmanagerPodIp = (ordinal: number) => `10.244.${1 + ordinal}.5${ordinal}`;

export const prometheusTarget: Labels = {
  job: "prometheus",
  instance: `${PROMETHEUS_POD_IP}:9090`,
  namespace: "monitoring",
  pod: "prometheus-0",
  service: "prometheus",
};

export const alertmanagerTarget = (ordinal: number): Labels => ({
  job: "alertmanager",
  instance: `${alertmanagerPodIp(ordinal)}:9093`,
  namespace: "monitoring",
  pod: `alertmanager-${ordinal}`,
  service: "alertmanager",
});

/** The reloader beside Prometheus, or beside Alertmanager `ordinal`. */
export const configReloaderTarget = (beside: "prometheus" | number): Labels => ({
  job: "config-reloader",
  instance: `${beside === "prometheus" ? PROMETHEUS_POD_IP : alertmanagerPodIp(beside)}:8080`,
  namespace: "monitoring",
  pod: beside === "prometheus" ? "prometheus-0" : `alertmanager-${beside}`,
  service: beside === "prometheus" ? "prometheus" : "alertmanager",
});

export const grafanaTarget: Labels = {
  job: "grafana",
  instance: "10.244.3.12:3000",
  namespace: "monitoring",
  pod: "grafana-7c9d5b8f6d-q2w8x",
  service: "grafana",
};
