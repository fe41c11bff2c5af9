// kube-state-metrics v2: the state of Kubernetes objects, labelled with the object's own namespace
// and name (scraped with honor_labels so those win over the target's labels). Labels as documented
// in kube-state-metrics docs/metrics/{workload,cluster,storage}.
import type { CatalogMetric } from "./types.ts";

const job = ["kube-state-metrics"] as const;
const pod = ["namespace", "pod", "uid"] as const;
const container = [...pod, "container"] as const;
const deployment = ["namespace", "deployment"] as const;

export const kubeStateMetrics: readonly CatalogMetric[] = [
  {
    name: "kube_pod_info",
    type: "gauge",
    labels: [...pod, "node", "host_ip", "pod_ip", "created_by_kind", "created_by_name", "priority_class"],
    jobs: job,
    help: "Information about a pod; value 1",
  },
  {
    name: "kube_pod_owner",
    type: "gauge",
    labels: [...pod, "owner_kind", "owner_name", "owner_is_controller"],
    jobs: job,
    help: "The pod's owner; a pod no controller manages has its owner labels empty, which Prometheus stores as no label",
  },
  {
    name: "kube_pod_status_phase",
    type: "gauge",
    labels: [...pod, "phase"],
    jobs: job,
    help: "One series per phase (Pending, Running, Succeeded, Failed, Unknown); 1 for the current phase",
  },
  {
    name: "kube_pod_container_status_waiting_reason",
    type: "gauge",
    labels: [...container, "reason"],
    jobs: job,
    help: "1 while the container waits, for the current reason only; absent while it runs",
    // Series only for containers whose state is Waiting: kubernetes/kube-state-metrics
    // internal/store/pod.go, createPodContainerStatusWaitingReasonFamilyGenerator, tag v2.20.0.
    presence: "on-condition",
  },
  {
    name: "kube_pod_container_status_restarts_total",
    type: "counter",
    labels: container,
    jobs: job,
    help: "Restarts of the container",
  },
  {
    name: "kube_pod_container_resource_limits",
    type: "gauge",
    labels: [...container, "node", "resource", "unit"],
    jobs: job,
    help: 'A container\'s limit: resource="cpu" in cores, resource="memory" in bytes; absent without a limit',
  },
  {
    name: "kube_deployment_spec_replicas",
    type: "gauge",
    labels: deployment,
    jobs: job,
    help: "Desired replicas of a deployment",
  },
  {
    name: "kube_deployment_status_replicas_available",
    type: "gauge",
    labels: deployment,
    jobs: job,
    help: "Available replicas of a deployment",
  },
  {
    name: "kube_deployment_status_replicas_updated",
    type: "gauge",
    labels: deployment,
    jobs: job,
    help: "Replicas already running the deployment's current pod template",
  },
  {
    name: "kube_deployment_status_observed_generation",
    type: "gauge",
    labels: deployment,
    jobs: job,
    help: "The generation the deployment controller has acted on",
  },
  {
    name: "kube_deployment_metadata_generation",
    type: "gauge",
    labels: deployment,
    jobs: job,
    help: "The deployment's current generation (bumped by every spec change)",
  },
  {
    name: "kube_node_status_condition",
    type: "gauge",
    labels: ["node", "condition", "status"],
    jobs: job,
    help: "One series per condition and status (true, false, unknown); 1 for the current status",
  },
  {
    name: "kube_node_spec_unschedulable",
    type: "gauge",
    labels: ["node"],
    jobs: job,
    help: "1 while the node is cordoned",
  },
  {
    name: "kube_persistentvolumeclaim_access_mode",
    type: "gauge",
    labels: ["namespace", "persistentvolumeclaim", "access_mode"],
    jobs: job,
    help: "One series per access mode of a claim (ReadWriteOnce, ReadOnlyMany, …)",
  },
];
