// What kube-state-metrics v2.20.0 serves for the simulated cluster, held to the recorded corpus
// test/fixtures/exporters/kube-state-metrics.prom (read from upstream's internal/store/*.go and their
// tests): the same names, types, HELP text, label names in the same order, and values from the same
// vocabularies. Series exist exactly when the real exporter emits them: a waiting reason only while
// waiting, one series per phase or condition status with 1 on the current one, resource limits only
// when set, container statuses only once the pod is on a node.
import { boolValue, type Emit, Exposition, type Labels } from "./exposition.ts";
import {
  type Cluster,
  CONDITION_STATUSES,
  type Container,
  deploymentStatus,
  NODE_CONDITIONS,
  type Node,
  type Pod,
  type PodPhase,
  podReady,
} from "./model.ts";

const POD = ["namespace", "pod", "uid"];
const CONTAINER = [...POD, "container"];
const DEPLOYMENT = ["namespace", "deployment"];
const STATEFULSET = ["namespace", "statefulset"];
const DAEMONSET = ["namespace", "daemonset"];
const PVC = ["namespace", "persistentvolumeclaim"];

// Families of stability STABLE get "[STABLE] " before their help (metric_generator/generator.go);
// ALPHA ones (the terminated and last-terminated reasons, the exit code, kube_pod_status_reason) don't.
const stable = (help: string) => `[STABLE] ${help}`;

// kube_pod_status_phase writes its five series in this order (pod.go).
const PHASES: readonly PodPhase[] = ["Pending", "Succeeded", "Failed", "Unknown", "Running"];

export class KubeStateMetrics {
  private readonly exposition = new Exposition();
  private readonly render: (cluster: Cluster) => void;

  constructor() {
    const e = this.exposition;
    const podInfo = e.gauge("kube_pod_info", stable("Information about pod."), [
      ...POD,
      "host_ip",
      "pod_ip",
      "node",
      "created_by_kind",
      "created_by_name",
      "priority_class",
      "host_network",
    ]);
    const podOwner = e.gauge("kube_pod_owner", stable("Information about the Pod's owner."), [
      ...POD,
      "owner_kind",
      "owner_name",
      "owner_is_controller",
    ]);
    const podCreated = e.gauge("kube_pod_created", stable("Unix creation timestamp"), POD);
    const podStartTime = e.gauge(
      "kube_pod_start_time",
      stable("Start time in unix timestamp for a pod."),
      POD,
    );
    const podPhase = e.gauge("kube_pod_status_phase", stable("The pods current phase."), [...POD, "phase"]);
    const podReadyCondition = e.gauge(
      "kube_pod_status_ready",
      stable("Describes whether the pod is ready to serve requests."),
      [...POD, "condition"],
    );
    const podScheduled = e.gauge(
      "kube_pod_status_scheduled",
      stable("Describes the status of the scheduling process for the pod."),
      [...POD, "condition"],
    );
    // Only for a pod whose status or conditions carry one of pod.go's podStatusReasons (Evicted,
    // NodeLost…), or "Other" for an unlisted status reason: no simulated pod has one, so it is served
    // as HELP and TYPE alone, as the real exporter serves it then.
    e.gauge("kube_pod_status_reason", "The pod status reasons", [...POD, "reason"]);
    const podUnschedulable = e.gauge(
      "kube_pod_status_unschedulable",
      stable("Describes the unschedulable status for the pod."),
      POD,
    );
    const containerInfo = e.gauge(
      "kube_pod_container_info",
      stable("Information about a container in a pod."),
      [...CONTAINER, "image_spec", "image", "image_id", "container_id"],
    );
    const waiting = e.gauge(
      "kube_pod_container_status_waiting",
      stable("Describes whether the container is currently in waiting state."),
      CONTAINER,
    );
    const waitingReason = e.gauge(
      "kube_pod_container_status_waiting_reason",
      stable("Describes the reason the container is currently in waiting state."),
      [...CONTAINER, "reason"],
    );
    const running = e.gauge(
      "kube_pod_container_status_running",
      stable("Describes whether the container is currently in running state."),
      CONTAINER,
    );
    const started = e.gauge(
      "kube_pod_container_state_started",
      stable("Start time in unix timestamp for a pod container."),
      CONTAINER,
    );
    const terminated = e.gauge(
      "kube_pod_container_status_terminated",
      stable("Describes whether the container is currently in terminated state."),
      CONTAINER,
    );
    const terminatedReason = e.gauge(
      "kube_pod_container_status_terminated_reason",
      "Describes the reason the container is currently in terminated state.",
      [...CONTAINER, "reason"],
    );
    const lastTerminatedReason = e.gauge(
      "kube_pod_container_status_last_terminated_reason",
      "Describes the last reason the container was in terminated state.",
      [...CONTAINER, "reason"],
    );
    const lastTerminatedExitCode = e.gauge(
      "kube_pod_container_status_last_terminated_exitcode",
      "Describes the exit code for the last container in terminated state.",
      CONTAINER,
    );
    const containerReady = e.gauge(
      "kube_pod_container_status_ready",
      stable("Describes whether the containers readiness check succeeded."),
      CONTAINER,
    );
    const restarts = e.counter(
      "kube_pod_container_status_restarts_total",
      stable("The number of container restarts per container."),
      CONTAINER,
    );
    const resource = [...CONTAINER, "node", "resource", "unit"];
    const requests = e.gauge(
      "kube_pod_container_resource_requests",
      stable(
        "The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.",
      ),
      resource,
    );
    const limits = e.gauge(
      "kube_pod_container_resource_limits",
      stable(
        "The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.",
      ),
      resource,
    );

    const deploymentGauge = (name: string, help: string) => e.gauge(name, help, DEPLOYMENT);
    const deploymentCreated = deploymentGauge("kube_deployment_created", stable("Unix creation timestamp"));
    const specReplicas = deploymentGauge(
      "kube_deployment_spec_replicas",
      stable("Number of desired pods for a deployment."),
    );
    const specPaused = deploymentGauge(
      "kube_deployment_spec_paused",
      stable("Whether the deployment is paused and will not be processed by the deployment controller."),
    );
    const maxUnavailable = deploymentGauge(
      "kube_deployment_spec_strategy_rollingupdate_max_unavailable",
      stable("Maximum number of unavailable replicas during a rolling update of a deployment."),
    );
    const maxSurge = deploymentGauge(
      "kube_deployment_spec_strategy_rollingupdate_max_surge",
      stable(
        "Maximum number of replicas that can be scheduled above the desired number of replicas during a rolling update of a deployment.",
      ),
    );
    const metadataGeneration = deploymentGauge(
      "kube_deployment_metadata_generation",
      stable("Sequence number representing a specific generation of the desired state."),
    );
    const observedGeneration = deploymentGauge(
      "kube_deployment_status_observed_generation",
      stable("The generation observed by the deployment controller."),
    );
    const statusReplicas = deploymentGauge(
      "kube_deployment_status_replicas",
      stable("The number of replicas per deployment."),
    );
    const statusReady = deploymentGauge(
      "kube_deployment_status_replicas_ready",
      stable("The number of ready replicas per deployment."),
    );
    const statusAvailable = deploymentGauge(
      "kube_deployment_status_replicas_available",
      stable("The number of available replicas per deployment."),
    );
    const statusUnavailable = deploymentGauge(
      "kube_deployment_status_replicas_unavailable",
      stable("The number of unavailable replicas per deployment."),
    );
    const statusUpdated = deploymentGauge(
      "kube_deployment_status_replicas_updated",
      stable("The number of updated replicas per deployment."),
    );
    const deploymentCondition = e.gauge(
      "kube_deployment_status_condition",
      stable("The current status conditions of a deployment."),
      [...DEPLOYMENT, "reason", "condition", "status"],
    );

    const statefulSetGauge = (name: string, help: string) => e.gauge(name, help, STATEFULSET);
    const stsReplicas = statefulSetGauge(
      "kube_statefulset_replicas",
      stable("Number of desired pods for a StatefulSet."),
    );
    const stsStatusReplicas = statefulSetGauge(
      "kube_statefulset_status_replicas",
      stable("The number of replicas per StatefulSet."),
    );
    const stsReady = statefulSetGauge(
      "kube_statefulset_status_replicas_ready",
      stable("The number of ready replicas per StatefulSet."),
    );
    const stsUpdated = statefulSetGauge(
      "kube_statefulset_status_replicas_updated",
      stable("The number of updated replicas per StatefulSet."),
    );
    const stsObserved = statefulSetGauge(
      "kube_statefulset_status_observed_generation",
      stable("The generation observed by the StatefulSet controller."),
    );
    const stsGeneration = statefulSetGauge(
      "kube_statefulset_metadata_generation",
      stable("Sequence number representing a specific generation of the desired state for the StatefulSet."),
    );

    const daemonSetGauge = (name: string, help: string) => e.gauge(name, help, DAEMONSET);
    const dsDesired = daemonSetGauge(
      "kube_daemonset_status_desired_number_scheduled",
      stable("The number of nodes that should be running the daemon pod."),
    );
    const dsCurrent = daemonSetGauge(
      "kube_daemonset_status_current_number_scheduled",
      stable("The number of nodes running at least one daemon pod and are supposed to."),
    );
    const dsReady = daemonSetGauge(
      "kube_daemonset_status_number_ready",
      stable(
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
      ),
    );
    const dsAvailable = daemonSetGauge(
      "kube_daemonset_status_number_available",
      stable(
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available",
      ),
    );
    const dsUnavailable = daemonSetGauge(
      "kube_daemonset_status_number_unavailable",
      stable(
        "The number of nodes that should be running the daemon pod and have none of the daemon pod running and available",
      ),
    );
    const dsMisscheduled = daemonSetGauge(
      "kube_daemonset_status_number_misscheduled",
      stable("The number of nodes running a daemon pod but are not supposed to."),
    );
    const dsUpdated = daemonSetGauge(
      "kube_daemonset_status_updated_number_scheduled",
      stable("The total number of nodes that are running updated daemon pod"),
    );
    const dsObserved = daemonSetGauge(
      "kube_daemonset_status_observed_generation",
      stable("The most recent generation observed by the daemon set controller."),
    );
    const dsGeneration = daemonSetGauge(
      "kube_daemonset_metadata_generation",
      stable("Sequence number representing a specific generation of the desired state."),
    );

    const nodeInfo = e.gauge("kube_node_info", stable("Information about a cluster node."), [
      "node",
      "kernel_version",
      "os_image",
      "container_runtime_version",
      "kubelet_version",
      "kubeproxy_version",
      "provider_id",
      "pod_cidr",
      "system_uuid",
      "internal_ip",
    ]);
    const nodeCreated = e.gauge("kube_node_created", stable("Unix creation timestamp"), ["node"]);
    const nodeUnschedulable = e.gauge(
      "kube_node_spec_unschedulable",
      stable("Whether a node can schedule new pods."),
      ["node"],
    );
    const nodeCondition = e.gauge("kube_node_status_condition", stable("The condition of a cluster node."), [
      "node",
      "condition",
      "status",
    ]);
    const nodeCapacity = e.gauge(
      "kube_node_status_capacity",
      stable("The capacity for different resources of a node."),
      ["node", "resource", "unit"],
    );
    const nodeAllocatable = e.gauge(
      "kube_node_status_allocatable",
      stable("The allocatable for different resources of a node that are available for scheduling."),
      ["node", "resource", "unit"],
    );

    const pvcInfo = e.gauge(
      "kube_persistentvolumeclaim_info",
      stable("Information about persistent volume claim."),
      [...PVC, "storageclass", "volumename", "volumemode"],
    );
    const pvcPhase = e.gauge(
      "kube_persistentvolumeclaim_status_phase",
      stable("The phase the persistent volume claim is currently in."),
      [...PVC, "phase"],
    );
    const pvcRequest = e.gauge(
      "kube_persistentvolumeclaim_resource_requests_storage_bytes",
      stable("The capacity of storage requested by the persistent volume claim."),
      PVC,
    );
    const pvcAccessMode = e.gauge(
      "kube_persistentvolumeclaim_access_mode",
      stable("The access mode(s) specified by the persistent volume claim."),
      [...PVC, "access_mode"],
    );

    const namespacePhase = e.gauge(
      "kube_namespace_status_phase",
      stable("kubernetes namespace status phase."),
      ["namespace", "phase"],
    );

    const renderPod = (cluster: Cluster, pod: Pod) => {
      const ids: Labels = { namespace: pod.namespace, pod: pod.name, uid: pod.uid };
      const node = pod.node ? cluster.nodes.find((candidate) => candidate.name === pod.node) : undefined;
      podInfo(
        {
          ...ids,
          host_ip: node?.internalIp ?? "",
          pod_ip: pod.podIp ?? "",
          node: pod.node ?? "",
          // The controlling owner (every simulated owner is one); "" without one.
          created_by_kind: pod.owner?.kind ?? "",
          created_by_name: pod.owner?.name ?? "",
          priority_class: "",
          host_network: "false",
        },
        1,
      );
      // A pod without ownerReferences still has its one series, with the three labels empty (since
      // v2.8.0; "<none>" before), which Prometheus stores as no labels at all.
      podOwner(
        {
          ...ids,
          owner_kind: pod.owner?.kind ?? "",
          owner_name: pod.owner?.name ?? "",
          owner_is_controller: pod.owner ? "true" : "",
        },
        1,
      );
      podCreated(ids, pod.createdAt);
      if (pod.startedAt !== undefined) podStartTime(ids, pod.startedAt);
      for (const phase of PHASES) podPhase({ ...ids, phase }, boolValue(pod.phase === phase));
      const scheduled = pod.node !== undefined;
      for (const status of CONDITION_STATUSES) {
        podScheduled({ ...ids, condition: status }, boolValue(status === (scheduled ? "true" : "false")));
      }
      if (pod.unschedulable) podUnschedulable(ids, 1);
      if (scheduled) {
        const ready = podReady(pod);
        for (const status of CONDITION_STATUSES) {
          podReadyCondition({ ...ids, condition: status }, boolValue(status === (ready ? "true" : "false")));
        }
      }
      for (const container of pod.containers) {
        renderContainerSpec(pod, container);
        // Container statuses exist once the pod is on a node.
        if (node) renderContainerStatus(node, ids, container);
      }
    };

    const renderContainerSpec = (pod: Pod, container: Container) => {
      const labels = {
        namespace: pod.namespace,
        pod: pod.name,
        uid: pod.uid,
        container: container.name,
        node: pod.node ?? "",
      };
      if (container.requests) {
        requests({ ...labels, resource: "cpu", unit: "core" }, container.requests.cpu);
        requests({ ...labels, resource: "memory", unit: "byte" }, container.requests.memory);
      }
      if (container.limits) {
        limits({ ...labels, resource: "cpu", unit: "core" }, container.limits.cpu);
        limits({ ...labels, resource: "memory", unit: "byte" }, container.limits.memory);
      }
    };

    const renderContainerStatus = (node: Node, ids: Labels, container: Container) => {
      const labels = { ...ids, container: container.name };
      const scheme = node.runtime === "containerd" ? "containerd" : "cri-o";
      containerInfo(
        {
          ...labels,
          image_spec: container.image,
          image: container.image,
          image_id: container.imageId,
          container_id: `${scheme}://${container.id}`,
        },
        1,
      );
      const status = container.status;
      waiting(labels, boolValue(status.state === "waiting"));
      running(labels, boolValue(status.state === "running"));
      terminated(labels, boolValue(status.state === "terminated"));
      if (status.state === "waiting") waitingReason({ ...labels, reason: status.reason }, 1);
      // A terminated container keeps the start time of the run that ended.
      if (status.state !== "waiting") started(labels, status.startedAt);
      if (status.state === "terminated") terminatedReason({ ...labels, reason: status.reason }, 1);
      if (container.lastTermination) {
        lastTerminatedReason({ ...labels, reason: container.lastTermination.reason }, 1);
        lastTerminatedExitCode(labels, container.lastTermination.exitCode);
      }
      containerReady(labels, boolValue(container.ready));
      restarts(labels, container.restarts);
    };

    const renderCondition = (
      emit: Emit,
      labels: Labels,
      condition: string,
      current: string,
      reason: string,
    ) => {
      for (const status of CONDITION_STATUSES) {
        emit({ ...labels, reason, condition, status }, boolValue(status === current));
      }
    };

    this.render = (cluster) => {
      for (const pod of cluster.pods) renderPod(cluster, pod);

      for (const deployment of cluster.deployments) {
        const labels = { namespace: deployment.namespace, deployment: deployment.name };
        const status = deploymentStatus(cluster, deployment);
        deploymentCreated(labels, deployment.createdAt);
        specReplicas(labels, deployment.replicas);
        specPaused(labels, 0);
        maxUnavailable(labels, deployment.maxUnavailable);
        maxSurge(labels, deployment.maxSurge);
        metadataGeneration(labels, deployment.generation);
        observedGeneration(labels, deployment.observedGeneration);
        statusReplicas(labels, status.replicas);
        statusReady(labels, status.ready);
        statusAvailable(labels, status.available);
        statusUnavailable(labels, status.unavailable);
        statusUpdated(labels, status.updated);
        const available = status.available_condition;
        renderCondition(deploymentCondition, labels, "Available", available.status, available.reason);
        renderCondition(
          deploymentCondition,
          labels,
          "Progressing",
          status.progressing.status,
          status.progressing.reason,
        );
      }

      for (const set of cluster.statefulSets) {
        const labels = { namespace: set.namespace, statefulset: set.name };
        const pods = cluster.pods.filter(
          (pod) =>
            pod.namespace === set.namespace &&
            pod.owner?.kind === "StatefulSet" &&
            pod.owner.name === set.name,
        );
        stsReplicas(labels, set.replicas);
        stsStatusReplicas(labels, pods.length);
        stsReady(labels, pods.filter(podReady).length);
        stsUpdated(labels, pods.length);
        stsObserved(labels, set.observedGeneration);
        stsGeneration(labels, set.generation);
      }

      for (const set of cluster.daemonSets) {
        const labels = { namespace: set.namespace, daemonset: set.name };
        const pods = cluster.pods.filter(
          (pod) =>
            pod.namespace === set.namespace && pod.owner?.kind === "DaemonSet" && pod.owner.name === set.name,
        );
        const ready = pods.filter(podReady).length;
        dsDesired(labels, cluster.nodes.length);
        dsCurrent(labels, pods.length);
        dsReady(labels, ready);
        dsAvailable(labels, ready);
        dsUnavailable(labels, cluster.nodes.length - ready);
        dsMisscheduled(labels, 0);
        dsUpdated(labels, pods.length);
        dsObserved(labels, set.observedGeneration);
        dsGeneration(labels, set.generation);
      }

      cluster.nodes.forEach((node, index) => {
        const labels = { node: node.name };
        nodeInfo(
          {
            ...labels,
            kernel_version: "6.8.0-60-generic",
            os_image: "Ubuntu 24.04.2 LTS",
            container_runtime_version:
              node.runtime === "containerd" ? "containerd://1.7.27" : "cri-o://1.33.2",
            kubelet_version: "v1.33.2",
            // Always "deprecated" (node.go): NodeSystemInfo.KubeProxyVersion is deprecated upstream.
            kubeproxy_version: "deprecated",
            provider_id: "",
            pod_cidr: `10.244.${index}.0/24`,
            system_uuid: `${node.name}-uuid`,
            internal_ip: node.internalIp,
          },
          1,
        );
        nodeCreated(labels, node.createdAt);
        nodeUnschedulable(labels, boolValue(node.unschedulable));
        for (const condition of NODE_CONDITIONS) {
          for (const status of CONDITION_STATUSES) {
            nodeCondition({ ...labels, condition, status }, boolValue(node.conditions[condition] === status));
          }
        }
        for (const [emit, resources] of [
          [nodeCapacity, node.capacity],
          [nodeAllocatable, node.allocatable],
        ] as const) {
          emit({ ...labels, resource: "cpu", unit: "core" }, resources.cpu);
          emit({ ...labels, resource: "memory", unit: "byte" }, resources.memory);
          emit({ ...labels, resource: "pods", unit: "integer" }, resources.pods);
          emit({ ...labels, resource: "ephemeral_storage", unit: "byte" }, resources.ephemeralStorage);
          // A Linux node lists its huge page sizes, 0 when none are reserved: a sum over every
          // resource mixes units.
          emit({ ...labels, resource: "hugepages_1Gi", unit: "byte" }, 0);
          emit({ ...labels, resource: "hugepages_2Mi", unit: "byte" }, 0);
        }
      });

      for (const volume of cluster.volumes) {
        const labels = { namespace: volume.namespace, persistentvolumeclaim: volume.claim };
        // The API server defaults a claim's volumeMode to Filesystem.
        pvcInfo(
          {
            ...labels,
            storageclass: volume.storageClass,
            volumename: volume.volumeName,
            volumemode: "Filesystem",
          },
          1,
        );
        for (const phase of ["Lost", "Bound", "Pending"])
          pvcPhase({ ...labels, phase }, boolValue(phase === "Bound"));
        pvcRequest(labels, volume.capacityBytes);
        for (const mode of volume.accessModes) pvcAccessMode({ ...labels, access_mode: mode }, 1);
      }

      for (const namespace of cluster.namespaces) {
        for (const phase of ["Active", "Terminating"]) {
          namespacePhase({ namespace, phase }, boolValue(phase === "Active"));
        }
      }
    };
  }

  get contentType(): string {
    return this.exposition.contentType;
  }

  /** The exposition text for the cluster as it is now. */
  metrics(cluster: Cluster): Promise<string> {
    this.exposition.reset();
    this.render(cluster);
    return this.exposition.text();
  }
}
