import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../src/catalog/index.ts";
import { CRASH_LOOP } from "../../src/local/cluster/model.ts";
import {
  ClusterSimulator,
  clusterOptions,
  type RunningClusterSimulator,
  SIMULATOR_PATHS,
  startClusterSimulator,
} from "../../src/local/cluster-simulator.ts";
import { clusterTargets, FaultController } from "../../src/local/faults.ts";
import { defaultTopology } from "../../src/local/topology.ts";
import { testConfig } from "../helpers/config.ts";
import { freePort } from "../helpers/system.ts";
import { only, parseExposition, type Sample, select } from "./exposition.ts";

const config = testConfig();
const NODES = defaultTopology.nodes;

/** A simulator on a clock the test moves; time runs 60× (a simulated minute per real second). */
function simulator(timeScale = 60) {
  let now = Date.UTC(2026, 0, 1);
  const simulated = new ClusterSimulator({
    cluster: clusterOptions(config, defaultTopology, timeScale),
    clock: () => now,
  });
  return {
    simulated,
    faults: new FaultController({ config, cluster: simulated }),
    targets: clusterTargets(simulated.cluster, config),
    /** Moves the clock forward by real seconds. */
    wait: (seconds: number) => {
      now += seconds * 1000;
    },
    scrape: async (path: string): Promise<Sample[]> => {
      const scraped = await simulated.scrape(path);
      if (!scraped) throw new Error(`nothing served at ${path}`);
      return parseExposition(scraped.body);
    },
  };
}

const ksm = SIMULATOR_PATHS.kubeStateMetrics;

describe("cluster simulator over HTTP", () => {
  let running: RunningClusterSimulator;

  beforeAll(async () => {
    running = await startClusterSimulator({
      host: "127.0.0.1",
      port: await freePort(),
      cluster: clusterOptions(config, defaultTopology, 60),
    });
  });
  afterAll(async () => {
    await running?.close();
  });

  const paths = [
    ksm,
    ...NODES.flatMap((node) => [SIMULATOR_PATHS.kubelet(node), SIMULATOR_PATHS.cadvisor(node)]),
  ];

  it.each(paths)("serves %s as exposition promtool accepts without a lint warning", async (path) => {
    const response = await fetch(`${running.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    expect(body.length).toBeGreaterThan(100);
    const lint = await promtoolCheckMetrics(body);
    expect(lint).toEqual({ code: 0, output: "" });
  });

  it("answers 503 for kube-state-metrics while it is down, and serves it again after", async () => {
    running.simulator.setExporterDown("kube-state-metrics", true);
    expect((await fetch(`${running.url}${ksm}`)).status).toBe(503);
    expect((await fetch(`${running.url}${SIMULATOR_PATHS.kubelet(NODES[0] as string)}`)).status).toBe(200);
    running.simulator.setExporterDown("kube-state-metrics", false);
    expect((await fetch(`${running.url}${ksm}`)).status).toBe(200);
  });

  it("answers 404 for an unknown node or path, and lists its paths at /", async () => {
    expect((await fetch(`${running.url}/nodes/no-such-node/metrics`)).status).toBe(404);
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
    const index = await (await fetch(`${running.url}/`)).text();
    for (const path of paths) expect(index).toContain(path);
  });
});

async function promtoolCheckMetrics(body: string): Promise<{ code: number; output: string }> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output: output.trim() }));
    child.stdin.end(body);
  });
}

describe("cluster simulator", () => {
  it("makes promtool fail on a broken exposition (so the check above can fail)", async () => {
    const broken = await promtoolCheckMetrics("# TYPE requests counter\nrequests 1\nnot a metric line\n");
    expect(broken.code).not.toBe(0);
  });

  it("serves, for every catalog metric of kube-state-metrics, the kubelet and cAdvisor, series with the catalog's labels", async () => {
    const sim = simulator();
    // Some series exist only in trouble (a waiting reason only while a container waits): apply every
    // cluster fault so each metric has a chance to appear.
    for (const fault of sim.faults.list()) {
      // ksm-down makes kube-state-metrics serve nothing at all.
      if (fault.area === "cluster" && fault.available && fault.name !== "ksm-down") {
        await sim.faults.apply(fault.name);
      }
    }
    sim.wait(1);
    const served: Record<string, Sample[]> = {
      "kube-state-metrics": await sim.scrape(ksm),
      kubelet: (await Promise.all(NODES.map((node) => sim.scrape(SIMULATOR_PATHS.kubelet(node))))).flat(),
      cadvisor: (await Promise.all(NODES.map((node) => sim.scrape(SIMULATOR_PATHS.cadvisor(node))))).flat(),
    };
    // Labels Prometheus attaches itself: job and instance, and `node` from relabeling for the kubelet's jobs.
    const attachedByPrometheus: Record<string, string[]> = {
      "kube-state-metrics": ["job", "instance"],
      kubelet: ["job", "instance", "node"],
      cadvisor: ["job", "instance", "node"],
    };
    const checked: string[] = [];
    for (const metric of catalog) {
      if (metric.name === "up") continue;
      for (const job of metric.jobs) {
        const samples = served[job];
        if (!samples) continue;
        const names = metric.type === "histogram" ? [`${metric.name}_bucket`] : [metric.name];
        const series = samples.filter((sample) => names.includes(sample.name));
        expect(series.length, `${metric.name} from ${job}`).toBeGreaterThan(0);
        const wanted = metric.labels.filter((label) => !attachedByPrometheus[job]?.includes(label));
        const labelled = series.filter((sample) => wanted.every((label) => label in sample.labels));
        expect(
          labelled.length,
          `${metric.name} from ${job} with labels ${wanted.join(", ")}`,
        ).toBeGreaterThan(0);
        checked.push(`${job}/${metric.name}`);
      }
    }
    expect(checked).toContain("kube-state-metrics/kube_pod_container_status_waiting_reason");
    expect(checked).toContain("kubelet/kubelet_volume_stats_available_bytes");
    expect(checked).toContain("cadvisor/container_cpu_usage_seconds_total");
  });

  it("starts healthy: every pod Running and ready, no waiting container, deployments complete, nodes Ready", async () => {
    const sim = simulator();
    sim.wait(30);
    const samples = await sim.scrape(ksm);
    const running = select(samples, "kube_pod_status_phase", { phase: "Running" });
    expect(running.length).toBe(sim.simulated.cluster.pods.length);
    expect(running.every((sample) => sample.value === 1)).toBe(true);
    expect(select(samples, "kube_pod_container_status_waiting_reason")).toEqual([]);
    for (const deployment of ["api", "web", "electric"]) {
      const labels = { namespace: "plue", deployment };
      expect(only(samples, "kube_deployment_spec_replicas", labels).value).toBe(2);
      expect(only(samples, "kube_deployment_status_replicas_available", labels).value).toBe(2);
      expect(only(samples, "kube_deployment_status_replicas_updated", labels).value).toBe(2);
      expect(only(samples, "kube_deployment_metadata_generation", labels).value).toBe(
        only(samples, "kube_deployment_status_observed_generation", labels).value,
      );
    }
    for (const node of NODES) {
      expect(
        only(samples, "kube_node_status_condition", { node, condition: "Ready", status: "true" }).value,
      ).toBe(1);
    }
    // Every Plue container runs with CPU and memory limits.
    const limits = select(samples, "kube_pod_container_resource_limits", { namespace: "plue" });
    expect(new Set(limits.map((sample) => `${sample.labels.pod}/${sample.labels.resource}`)).size).toBe(14);
    expect(only(samples, "kube_pod_info", { pod: sim.targets.cpuPod().name }).labels.node).toMatch(
      /^plue-node-/,
    );
  });

  it("serves the series that trip naive rules: pod cgroups, sandboxes of both runtimes and the root cgroup", async () => {
    const sim = simulator();
    sim.wait(10);
    const [containerd, crio] = await Promise.all(
      NODES.map((node) => sim.scrape(SIMULATOR_PATHS.cadvisor(node))),
    );
    const cpu = (samples: Sample[] | undefined) => select(samples ?? [], "container_cpu_usage_seconds_total");
    expect(
      cpu(containerd).some(
        (s) => s.labels.container === "" && s.labels.image?.startsWith("registry.k8s.io/pause"),
      ),
    ).toBe(true);
    expect(cpu(crio).some((s) => s.labels.container === "POD")).toBe(true);
    expect(cpu(containerd).some((s) => s.labels.id === "/" && s.labels.pod === "")).toBe(true);
    // A pod's cgroup counts all its containers: it is above the sum of its named containers.
    const pod = sim.targets.cpuPod();
    const onItsNode = pod.node === NODES[0] ? containerd : crio;
    const podCgroup = only(onItsNode ?? [], "container_cpu_usage_seconds_total", {
      pod: pod.name,
      container: "",
      image: "",
    });
    const named = only(onItsNode ?? [], "container_cpu_usage_seconds_total", {
      pod: pod.name,
      container: "api",
    });
    expect(podCgroup.value).toBeGreaterThan(named.value);
    expect(named.labels.cpu).toBe("total");
  });
});

/** Usage of the pod's named containers over the pod's limits, as the rules compute it. */
function usageShare(
  cadvisorBefore: Sample[],
  cadvisorAfter: Sample[],
  ksmSamples: Sample[],
  podName: string,
  seconds: number,
) {
  const container = (samples: Sample[]) =>
    only(samples, "container_cpu_usage_seconds_total", { pod: podName, container: "api" }).value;
  const limit = only(ksmSamples, "kube_pod_container_resource_limits", {
    pod: podName,
    resource: "cpu",
  }).value;
  return (container(cadvisorAfter) - container(cadvisorBefore)) / seconds / limit;
}

describe("cluster faults change the right series", () => {
  const cadvisorOf = (sim: ReturnType<typeof simulator>, pod: { node?: string }) =>
    sim.scrape(SIMULATOR_PATHS.cadvisor(pod.node as string));

  it("cpu-high and cpu-critical: the api pod's CPU counter grows at 87.5% and 97.5% of its limit; clear restores it", async () => {
    const sim = simulator();
    const pod = sim.targets.cpuPod();
    const measure = async () => {
      const before = await cadvisorOf(sim, pod);
      sim.wait(60);
      return usageShare(before, await cadvisorOf(sim, pod), await sim.scrape(ksm), pod.name, 60);
    };
    expect(await measure()).toBeCloseTo(0.3, 5);
    const applied = await sim.faults.apply("cpu-high");
    expect(applied.labels).toEqual({ namespace: "plue", pod: pod.name });
    expect(await measure()).toBeCloseTo(0.875, 5);
    await sim.faults.apply("cpu-critical");
    expect(await measure()).toBeCloseTo(0.975, 5);
    await sim.faults.clear("cpu-critical");
    expect(await measure()).toBeCloseTo(0.3, 5);
    // Other pods are untouched.
    const other = sim.targets.memoryPod();
    const before = await cadvisorOf(sim, other);
    await sim.faults.apply("cpu-critical");
    sim.wait(60);
    expect(
      usageShare(before, await cadvisorOf(sim, other), await sim.scrape(ksm), other.name, 60),
    ).toBeCloseTo(0.3, 5);
  });

  it("cpu thresholds follow the config", async () => {
    const custom = testConfig({ alertCpuThreshold: 60, alertCpuCriticalThreshold: 70 });
    const simulated = new ClusterSimulator({ cluster: clusterOptions(custom, defaultTopology, 60) });
    const faults = new FaultController({ config: custom, cluster: simulated });
    await faults.apply("cpu-high");
    const pod = clusterTargets(simulated.cluster, custom).cpuPod();
    expect(pod.containers[0]?.usage.cpu).toBeCloseTo(0.65, 5);
    await faults.apply("cpu-critical");
    expect(pod.containers[0]?.usage.cpu).toBeCloseTo(0.85, 5);
  });

  it("memory-high and memory-critical: the working set of the second api pod against its memory limit", async () => {
    const sim = simulator();
    const pod = sim.targets.memoryPod();
    const share = async () =>
      only(await cadvisorOf(sim, pod), "container_memory_working_set_bytes", {
        pod: pod.name,
        container: "api",
      }).value /
      only(await sim.scrape(ksm), "kube_pod_container_resource_limits", { pod: pod.name, resource: "memory" })
        .value;
    expect(await share()).toBeCloseTo(0.45, 3);
    await sim.faults.apply("memory-high");
    expect(await share()).toBeCloseTo(0.875, 3);
    await sim.faults.apply("memory-critical");
    expect(await share()).toBeCloseTo(0.975, 3);
    await sim.faults.clear("memory-critical");
    expect(await share()).toBeCloseTo(0.45, 3);
  });

  it("pod-crashloop: CrashLoopBackOff flapping with Running, restarts increasing, the deployment a replica short", async () => {
    const sim = simulator();
    const pod = sim.targets.crashLoopPod();
    const labels = { pod: pod.name, container: "electric" };
    const state = async () => {
      const samples = await sim.scrape(ksm);
      return {
        waiting: select(samples, "kube_pod_container_status_waiting_reason", labels).map(
          (s) => s.labels.reason,
        ),
        running: only(samples, "kube_pod_container_status_running", labels).value,
        restarts: only(samples, "kube_pod_container_status_restarts_total", labels).value,
        phase: only(samples, "kube_pod_status_phase", { pod: pod.name, phase: "Running" }).value,
        available: only(samples, "kube_deployment_status_replicas_available", { deployment: "electric" })
          .value,
      };
    };
    expect(await state()).toEqual({ waiting: [], running: 1, restarts: 0, phase: 1, available: 2 });
    const applied = await sim.faults.apply("pod-crashloop");
    expect(applied.labels).toEqual({ namespace: "plue", pod: pod.name });
    sim.wait(1);
    expect(await state()).toEqual({
      waiting: ["CrashLoopBackOff"],
      running: 0,
      restarts: 0,
      phase: 1,
      available: 1,
    });
    // While it waits, cAdvisor has no container to report.
    expect(select(await cadvisorOf(sim, pod), "container_cpu_usage_seconds_total", labels)).toEqual([]);
    // Simulated seconds since the fault: it crashed at 0 and backs off until 240, runs until 300, …
    sim.wait((CRASH_LOOP.backOffSeconds + 30) / 60 - 1); // 270
    expect(await state()).toEqual({ waiting: [], running: 1, restarts: 1, phase: 1, available: 1 });
    expect(select(await cadvisorOf(sim, pod), "container_cpu_usage_seconds_total", labels)).toHaveLength(1);
    sim.wait(1); // 330
    expect((await state()).waiting).toEqual(["CrashLoopBackOff"]);
    sim.wait(CRASH_LOOP.backOffSeconds / 60); // 570
    expect((await state()).restarts).toBe(2);
    expect(
      only(await sim.scrape(ksm), "kube_pod_container_status_last_terminated_reason", labels).labels.reason,
    ).toBe("Error");
    await sim.faults.clear("pod-crashloop");
    sim.wait(600);
    const cleared = await state();
    expect(cleared.waiting).toEqual([]);
    expect(cleared.running).toBe(1);
    expect(cleared.available).toBe(2);
    const restartsAfterClear = cleared.restarts;
    sim.wait(600);
    expect((await state()).restarts).toBe(restartsAfterClear);
  });

  it("pod-restarts: 12 restarts per simulated hour (OOMKilled), never waiting; clear stops them", async () => {
    const sim = simulator();
    const pod = sim.targets.restartingPod();
    const labels = { pod: pod.name, container: "electric" };
    const restarts = async () =>
      only(await sim.scrape(ksm), "kube_pod_container_status_restarts_total", labels).value;
    await sim.faults.apply("pod-restarts");
    sim.wait(0.5);
    const first = await restarts();
    sim.wait(60); // one simulated hour
    const samples = await sim.scrape(ksm);
    expect((await restarts()) - first).toBe(12);
    expect(select(samples, "kube_pod_container_status_waiting_reason", labels)).toEqual([]);
    expect(only(samples, "kube_pod_container_status_last_terminated_reason", labels).labels.reason).toBe(
      "OOMKilled",
    );
    await sim.faults.clear("pod-restarts");
    const settled = await restarts();
    sim.wait(60);
    expect(await restarts()).toBe(settled);
  });

  it("pod-pending: an unschedulable Job pod, Pending with no node; clear removes it", async () => {
    const sim = simulator();
    const applied = await sim.faults.apply("pod-pending");
    const name = applied.labels.pod as string;
    expect(name).toMatch(/^plue-migrate-/);
    const samples = await sim.scrape(ksm);
    expect(only(samples, "kube_pod_status_phase", { pod: name, phase: "Pending" }).value).toBe(1);
    expect(only(samples, "kube_pod_status_phase", { pod: name, phase: "Running" }).value).toBe(0);
    expect(only(samples, "kube_pod_status_unschedulable", { pod: name }).value).toBe(1);
    expect(only(samples, "kube_pod_info", { pod: name }).labels.node).toBe("");
    expect(only(samples, "kube_pod_owner", { pod: name }).labels.owner_kind).toBe("Job");
    expect(select(samples, "kube_pod_container_status_waiting", { pod: name })).toEqual([]);
    await sim.faults.clear("pod-pending");
    expect(select(await sim.scrape(ksm), "kube_pod_status_phase", { pod: name })).toEqual([]);
  });

  it("pv-filling and pv-critical: PostgreSQL's claim at 85% and 95% in its node's kubelet volume stats", async () => {
    const sim = simulator();
    const postgres = sim.simulated.cluster.pods.find((pod) => pod.name === "postgres-0");
    const share = async () => {
      const samples = await sim.scrape(SIMULATOR_PATHS.kubelet(postgres?.node as string));
      const labels = { namespace: "plue", persistentvolumeclaim: "data-postgres-0" };
      const used = only(samples, "kubelet_volume_stats_used_bytes", labels).value;
      const available = only(samples, "kubelet_volume_stats_available_bytes", labels).value;
      const capacity = only(samples, "kubelet_volume_stats_capacity_bytes", labels).value;
      expect(used + available).toBe(capacity);
      return used / capacity;
    };
    expect(await share()).toBeCloseTo(0.35, 5);
    const applied = await sim.faults.apply("pv-filling");
    expect(applied.labels).toEqual({ namespace: "plue", persistentvolumeclaim: "data-postgres-0" });
    expect(await share()).toBeCloseTo(0.85, 5);
    await sim.faults.apply("pv-critical");
    expect(await share()).toBeCloseTo(0.95, 5);
    await sim.faults.clear("pv-critical");
    expect(await share()).toBeCloseTo(0.35, 5);
    // The other node's kubelet does not report the claim.
    const other = NODES.find((node) => node !== postgres?.node) as string;
    expect(
      select(await sim.scrape(SIMULATOR_PATHS.kubelet(other)), "kubelet_volume_stats_used_bytes", {
        persistentvolumeclaim: "data-postgres-0",
      }),
    ).toEqual([]);
  });

  it("deployment-stuck: web runs a replica short and its updated replicas stop changing; clear completes the rollout", async () => {
    const sim = simulator();
    const labels = { namespace: "plue", deployment: "web" };
    const status = async () => {
      const samples = await sim.scrape(ksm);
      return {
        spec: only(samples, "kube_deployment_spec_replicas", labels).value,
        available: only(samples, "kube_deployment_status_replicas_available", labels).value,
        updated: only(samples, "kube_deployment_status_replicas_updated", labels).value,
        progressing: only(samples, "kube_deployment_status_condition", {
          ...labels,
          condition: "Progressing",
          status: "true",
        }).value,
      };
    };
    expect(await status()).toEqual({ spec: 2, available: 2, updated: 2, progressing: 1 });
    await sim.faults.apply("deployment-stuck");
    sim.wait(1);
    expect(await status()).toEqual({ spec: 2, available: 1, updated: 1, progressing: 1 });
    sim.wait(20); // 20 simulated minutes: past the 10-minute progress deadline
    expect(await status()).toEqual({ spec: 2, available: 1, updated: 1, progressing: 0 });
    const ksmSamples = await sim.scrape(ksm);
    expect(
      only(ksmSamples, "kube_deployment_status_condition", {
        ...labels,
        condition: "Progressing",
        status: "false",
      }).labels.reason,
    ).toBe("ProgressDeadlineExceeded");
    // The new pod runs (it is no PodNotReady) but is not ready.
    const webPods = select(ksmSamples, "kube_pod_status_phase", {
      namespace: "plue",
      phase: "Running",
    }).filter((s) => s.labels.pod?.startsWith("web-"));
    expect(webPods.map((s) => s.value)).toEqual([1, 1]);
    await sim.faults.clear("deployment-stuck");
    expect(await status()).toEqual({ spec: 2, available: 2, updated: 2, progressing: 1 });
  });

  it("rollout-unobserved: api's metadata generation moves ahead of the observed one; clear observes it", async () => {
    const sim = simulator();
    const labels = { namespace: "plue", deployment: "api" };
    const generations = async () => {
      const samples = await sim.scrape(ksm);
      return [
        only(samples, "kube_deployment_metadata_generation", labels).value,
        only(samples, "kube_deployment_status_observed_generation", labels).value,
      ];
    };
    await sim.faults.apply("rollout-unobserved");
    expect(await generations()).toEqual([2, 1]);
    await sim.faults.clear("rollout-unobserved");
    expect(await generations()).toEqual([2, 2]);
  });

  it.each([
    ["node-not-ready", "Ready", "unknown", "true"],
    ["node-memory-pressure", "MemoryPressure", "true", "false"],
    ["node-disk-pressure", "DiskPressure", "true", "false"],
  ] as const)(
    "%s: the last node's %s condition turns %s, and back",
    async (fault, condition, faulty, healthy) => {
      const sim = simulator();
      const node = NODES[NODES.length - 1] as string;
      const current = async (which: string) =>
        select(await sim.scrape(ksm), "kube_node_status_condition", { node: which, condition }).find(
          (s) => s.value === 1,
        )?.labels.status;
      const applied = await sim.faults.apply(fault);
      expect(applied.labels).toEqual({ node });
      expect(await current(node)).toBe(faulty);
      expect(await current(NODES[0] as string)).toBe(healthy);
      await sim.faults.clear(fault);
      expect(await current(node)).toBe(healthy);
    },
  );
});
