// The simulated cluster as plain data, so that every exporter reports the same objects: the pods
// kube-state-metrics lists are the pods cAdvisor measures, on the nodes node-exporter runs on, and
// Plue's pods are scraped under the names kube-state-metrics gives them. Counts follow the sizing's
// reference cluster (src/sizing/cluster-shape.ts: 2,000 pods in Deployments, 500 in StatefulSets each
// with a claim, 5 DaemonSets); names and values are made up but shaped like real ones.
import { scopeCounts } from "../../src/sizing/cluster-shape.ts";
import { hexOf, unitHash } from "./series.ts";

export const PLUE_SERVICES = ["api", "web", "electric"] as const;
export type PlueService = (typeof PLUE_SERVICES)[number];
export const PLUE_PODS_PER_SERVICE = 10;

export interface NodeModel {
  name: string;
  ip: string;
}

export interface ContainerModel {
  name: string;
  image: string;
  /** The runtime's id (cri-containerd-<id>.scope). */
  id: string;
  /** Cores used: the rate its CPU counter grows at. */
  cpu: number;
  memoryBytes: number;
  limits: { cpu?: number; memory?: number };
  restarts: number;
  crashLooping: boolean;
}

export type OwnerKind = "ReplicaSet" | "StatefulSet" | "DaemonSet";

export interface PodModel {
  namespace: string;
  name: string;
  uid: string;
  node: NodeModel;
  ip: string;
  phase: "Running" | "Pending";
  owner: { kind: OwnerKind; name: string };
  qos: "burstable" | "besteffort";
  containers: ContainerModel[];
  /** The Plue service it serves, for api, web and electric pods. */
  service?: PlueService;
}

export interface ClaimModel {
  namespace: string;
  name: string;
  node: NodeModel;
  capacityBytes: number;
  accessMode: "ReadWriteOnce" | "ReadOnlyMany";
}

export interface DeploymentModel {
  namespace: string;
  name: string;
  replicas: number;
}

export interface ClusterModel {
  nodes: NodeModel[];
  pods: PodModel[];
  claims: ClaimModel[];
  deployments: DeploymentModel[];
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

const DAEMONSETS = [
  { namespace: "kube-system", name: "kube-proxy", image: "registry.k8s.io/kube-proxy:v1.37.0" },
  {
    namespace: "kube-system",
    name: "ebs-csi-node",
    image: "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.45.0",
  },
  { namespace: "kube-system", name: "cilium", image: "quay.io/cilium/cilium:v1.18.2" },
  { namespace: "logging", name: "fluent-bit", image: "cr.fluentbit.io/fluent/fluent-bit:4.0.3" },
] as const;

/** Spreads `total` over `count` slots as evenly as whole numbers allow; slot `index`'s share. */
const spread = (total: number, count: number, index: number) =>
  Math.round(((index + 1) * total) / count) - Math.round((index * total) / count);

export function buildCluster(
  nodeCount: number,
  podCount: number,
  namespaces: { app: string; monitoring: string },
): ClusterModel {
  const counts = scopeCounts(nodeCount, podCount);
  const nodes: NodeModel[] = Array.from({ length: nodeCount }, (_, i) => ({
    name: `worker-${String(i + 1).padStart(3, "0")}`,
    ip: `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`,
  }));
  const pods: PodModel[] = [];
  const claims: ClaimModel[] = [];
  const deployments: DeploymentModel[] = [];
  const teamNamespaces = Array.from(
    { length: Math.max(1, counts.namespace - 5) },
    (_, i) => `team-${String(i + 1).padStart(2, "0")}`,
  );
  let placed = 0;
  const nextNode = () => nodes[placed++ % nodes.length] as NodeModel;

  // Limits: kube-state-metrics' fixture has 0.83 limit series per container; here 60% of containers
  // have a memory limit and 39% of those a CPU limit too (0.83), Plue's containers always both.
  const container = (
    key: string,
    name: string,
    image: string,
    limited: boolean,
    plue = false,
  ): ContainerModel => {
    const cpu = 0.005 + 0.25 * unitHash(`${key}/cpu`) ** 2;
    const memoryBytes = (32 + 900 * unitHash(`${key}/mem`) ** 2) * MiB;
    return {
      name,
      image,
      id: hexOf(`${key}/id`, 64),
      cpu,
      memoryBytes,
      limits: limited
        ? {
            memory: Math.ceil((memoryBytes * 1.6) / (64 * MiB)) * 64 * MiB,
            ...(plue || unitHash(`${key}/cpu-limit`) < 0.39 ? { cpu: Math.ceil(cpu * 8) / 4 } : {}),
          }
        : {},
      restarts: unitHash(`${key}/restarts`) < 0.1 ? Math.floor(unitHash(`${key}/r`) * 6) : 0,
      crashLooping: false,
    };
  };
  const pod = (
    namespace: string,
    name: string,
    node: NodeModel,
    owner: PodModel["owner"],
    image: string,
    containerName: string,
    service?: PlueService,
  ): PodModel => {
    const limited = service !== undefined || unitHash(`${namespace}/${name}/limited`) < 0.6;
    return {
      namespace,
      name,
      uid: uuid(`${namespace}/${name}`),
      node,
      ip: `10.${1 + (pods.length >> 16)}.${(pods.length >> 8) & 255}.${pods.length & 255}`,
      phase: "Running",
      owner,
      qos: limited ? "burstable" : "besteffort",
      containers: [container(`${namespace}/${name}`, containerName, image, limited, service !== undefined)],
      ...(service ? { service } : {}),
    };
  };

  // Plue's services: one Deployment each in the app namespace.
  for (const service of PLUE_SERVICES) {
    const replicaSet = `${service}-${hexOf(`${service}/template`, 10)}`;
    deployments.push({ namespace: namespaces.app, name: service, replicas: PLUE_PODS_PER_SERVICE });
    for (let i = 0; i < PLUE_PODS_PER_SERVICE; i++) {
      pods.push(
        pod(
          namespaces.app,
          `${replicaSet}-${hexOf(`${service}/${i}`, 5)}`,
          nextNode(),
          { kind: "ReplicaSet", name: replicaSet },
          `ghcr.io/plue/${service}:1.4.2`,
          service,
          service,
        ),
      );
    }
  }
  // DaemonSets: one pod per node each (node-exporter among them, in the monitoring namespace).
  const daemonSets = [
    ...DAEMONSETS,
    {
      namespace: namespaces.monitoring,
      name: "node-exporter",
      image: "quay.io/prometheus/node-exporter:v1.12.0",
    },
  ].slice(0, counts.daemonset);
  for (const ds of daemonSets) {
    for (const node of nodes) {
      pods.push(
        pod(
          ds.namespace,
          `${ds.name}-${hexOf(`${ds.name}/${node.name}`, 5)}`,
          node,
          { kind: "DaemonSet", name: ds.name },
          ds.image,
          ds.name,
        ),
      );
    }
  }
  // StatefulSets: each pod with its own claim, mounted on the pod's node.
  for (let s = 0; s < counts.statefulset; s++) {
    const namespace = teamNamespaces[s % teamNamespaces.length] as string;
    const name = `store-${String(s + 1).padStart(3, "0")}`;
    const replicas = spread(counts.persistentvolumeclaim, counts.statefulset, s);
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const p = pod(
        namespace,
        `${name}-${ordinal}`,
        nextNode(),
        { kind: "StatefulSet", name },
        "docker.io/library/postgres:17.6",
        "db",
      );
      pods.push(p);
      claims.push({
        namespace,
        name: `data-${name}-${ordinal}`,
        node: p.node,
        capacityBytes: (10 + Math.floor(unitHash(`${name}/${ordinal}/size`) * 10) * 10) * GiB,
        accessMode: unitHash(`${name}/${ordinal}/mode`) < 0.02 ? "ReadOnlyMany" : "ReadWriteOnce",
      });
    }
  }
  // Deployments: the rest of the pods.
  const otherDeployments = Math.max(1, counts.deployment - PLUE_SERVICES.length);
  const deploymentPods = Math.max(0, podCount - pods.length);
  for (let d = 0; d < otherDeployments; d++) {
    const namespace = teamNamespaces[d % teamNamespaces.length] as string;
    const name = `svc-${String(d + 1).padStart(3, "0")}`;
    const replicas = spread(deploymentPods, otherDeployments, d);
    deployments.push({ namespace, name, replicas });
    const replicaSet = `${name}-${hexOf(`${name}/template`, 10)}`;
    for (let i = 0; i < replicas; i++) {
      pods.push(
        pod(
          namespace,
          `${replicaSet}-${hexOf(`${name}/${i}`, 5)}`,
          nextNode(),
          { kind: "ReplicaSet", name: replicaSet },
          `ghcr.io/teams/${name}:2.0.${d % 10}`,
          "app",
        ),
      );
    }
  }

  // Second containers (sidecars) up to the reference ratio of containers to pods; never on Plue's pods.
  const others = pods.filter((p) => p.service === undefined);
  const extra = Math.max(0, counts.container - pods.length);
  for (let i = 0; i < others.length; i++) {
    if (spread(extra, others.length, i) === 0) continue;
    const p = others[i] as PodModel;
    const limited = Object.keys(p.containers[0]?.limits ?? {}).length > 0;
    p.containers.push(
      container(`${p.namespace}/${p.name}/sidecar`, "proxy", "docker.io/envoyproxy/envoy:v1.35.0", limited),
    );
  }
  // A few pods stuck Pending (not Plue's), a few containers crash looping: what the pod alerts look for.
  others.forEach((p, i) => {
    if (i % 397 === 200) p.phase = "Pending";
    if (i % 601 === 300 && p.containers[0]) p.containers[0].crashLooping = true;
  });
  return { nodes, pods, claims, deployments };
}

function uuid(key: string): string {
  const hex = hexOf(key, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
