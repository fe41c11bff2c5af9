// Every pod template against the restricted Pod Security Standard (node-exporter's documented
// exception aside) and the stack's own rules: sized, probed, pinned, tokens only where used, and
// config changes that reach the running pods.
import { describe, expect, it } from "vitest";
import { nodeExporterExceptions } from "../../src/kubernetes/node-exporter.ts";
import { prometheusMemory } from "../../src/sizing/memory.ts";
import { testConfig } from "../helpers/config.ts";
import type { Manifest } from "./lib/cluster.ts";
import { containerProblems, isPinned, restrictedViolations } from "./lib/pod-security.ts";
import { buildStack, fullConfig, podTemplates } from "./lib/stack.ts";

const stack = buildStack();
const templates = podTemplates(stack.objects);
const template = (workload: string): Manifest => {
  const found = templates.find((t) => t.workload === workload);
  if (!found) throw new Error(`no workload ${workload}`);
  return found.template;
};

describe("restricted Pod Security Standard", () => {
  it("covers every workload of the stack", () => {
    expect(templates.map((t) => t.workload).sort()).toEqual([
      "alertmanager",
      "blackbox-exporter",
      "grafana",
      "kube-state-metrics",
      "node-exporter",
      "postgres-exporter",
      "prometheus",
    ]);
  });

  it("holds for every pod but node-exporter", () => {
    for (const { workload, template: t } of templates) {
      if (workload === "node-exporter") continue;
      expect(restrictedViolations(t.spec, t.metadata.annotations), workload).toEqual([]);
    }
  });

  it("node-exporter breaks exactly its documented exceptions and nothing else", () => {
    const t = template("node-exporter");
    expect(restrictedViolations(t.spec, t.metadata.annotations)).toEqual([...nodeExporterExceptions].sort());
  });

  it("the check catches each kind of violation", () => {
    const broken = structuredClone(template("prometheus").spec);
    expect(restrictedViolations(broken)).toEqual([]);
    broken.containers[0].securityContext.allowPrivilegeEscalation = true;
    broken.containers[1].securityContext.capabilities = { add: ["NET_ADMIN"] };
    broken.securityContext.seccompProfile = { type: "Unconfined" };
    delete broken.containers[0].securityContext.seccompProfile;
    broken.securityContext.runAsNonRoot = false;
    delete broken.containers[0].securityContext.runAsNonRoot;
    broken.volumes.push({ name: "host", hostPath: { path: "/var/run" } });
    broken.hostIPC = true;
    expect(restrictedViolations(broken)).toEqual(
      expect.arrayContaining([
        "allowPrivilegeEscalation",
        "capabilities (baseline)",
        "capabilities add",
        "capabilities drop ALL",
        "hostIPC",
        "hostPath volumes",
        "runAsNonRoot",
        "seccomp (baseline)",
        "seccomp (restricted)",
      ]),
    );
  });

  it("runs each image as its own non-root user, volumes owned by its group", () => {
    const uids: Record<string, number> = {
      prometheus: 65534,
      alertmanager: 65534,
      "kube-state-metrics": 65534,
      "node-exporter": 65534,
      "blackbox-exporter": 65534,
      "postgres-exporter": 65534,
      grafana: 472,
    };
    for (const [workload, uid] of Object.entries(uids)) {
      const sc = template(workload).spec.securityContext;
      expect(sc, workload).toMatchObject({ runAsNonRoot: true, runAsUser: uid, fsGroup: uid });
    }
  });
});

describe("containers", () => {
  it("every container has requests, limits, liveness and readiness probes, a pinned image, a read-only root", () => {
    for (const { workload, template: t } of templates) {
      for (const container of t.spec.containers) {
        expect(containerProblems(container), `${workload}/${container.name}`).toEqual([]);
      }
    }
  });

  it("the container check catches what it is for", () => {
    const container = structuredClone(template("grafana").spec.containers[0]);
    delete container.resources.limits.memory;
    delete container.readinessProbe;
    container.image = "docker.io/grafana/grafana:latest";
    container.securityContext.readOnlyRootFilesystem = false;
    expect(containerProblems(container)).toEqual([
      "no memory limit",
      "no readiness probe",
      "image docker.io/grafana/grafana:latest is not pinned",
      "root filesystem is writable",
    ]);
    expect(isPinned("quay.io/prometheus/prometheus")).toBe(false);
    expect(isPinned("localhost:5000/prometheus")).toBe(false);
    expect(isPinned("localhost:5000/prometheus:v3.5.5")).toBe(true);
    expect(isPinned(`quay.io/prometheus/prometheus@sha256:${"a".repeat(64)}`)).toBe(true);
  });

  it("asks for the seed's resources, and Prometheus' memory from the size estimate", () => {
    const sized = (workload: string) => template(workload).spec.containers[0].resources;
    const memory = prometheusMemory(testConfig(fullConfig));
    expect(sized("prometheus")).toEqual({
      requests: { cpu: "500m", memory: memory.request },
      limits: { cpu: "2", memory: memory.limit },
    });
    expect(sized("alertmanager")).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    });
    expect(sized("grafana")).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
  });

  it("mounts a service-account token only where the API is used: Prometheus and kube-state-metrics", () => {
    const withToken = templates.filter(({ template: t }) => t.spec.automountServiceAccountToken !== false);
    expect(withToken.map((t) => t.workload).sort()).toEqual(["kube-state-metrics", "prometheus"]);
    for (const { workload, template: t } of withToken) {
      expect(t.spec.serviceAccountName, workload).toBe(workload);
    }
    const accounts = stack.objects.filter((o) => o.kind === "ServiceAccount");
    expect(accounts.every((account) => account.automountServiceAccountToken === false)).toBe(true);
  });
});

/** Volumes fed from ConfigMaps or Secrets, by name. */
function configVolumes(spec: Manifest): string[] {
  return (spec.volumes ?? [])
    .filter(
      (v: Manifest) =>
        v.configMap || v.secret || v.projected?.sources.some((s: Manifest) => s.configMap || s.secret),
    )
    .map((v: Manifest) => v.name);
}

describe("config changes roll out", () => {
  it("each mounted config is either reloaded in place or covered by a checksum annotation", () => {
    // Grafana's admin password is read once, when the admin user is created (docs/kubernetes.md).
    const readOnce = new Set(["grafana/admin"]);
    // Read again on every remote-write request (prometheus/common's FileSecret): nothing to reload.
    const readPerRequest = new Set(["prometheus/remote-write"]);
    for (const { workload, template: t } of templates) {
      const reloader = t.spec.containers.find((c: Manifest) => c.name === "config-reloader");
      const watched = new Set<string>((reloader?.volumeMounts ?? []).map((m: Manifest) => m.name));
      const checksums = Object.keys(t.metadata.annotations ?? {}).filter((key) =>
        key.startsWith("checksum/"),
      );
      const mountedBy = (volume: string) =>
        t.spec.containers.filter(
          (c: Manifest) =>
            c.name !== "config-reloader" && c.volumeMounts?.some((m: Manifest) => m.name === volume),
        );
      for (const volume of configVolumes(t.spec)) {
        if (readOnce.has(`${workload}/${volume}`)) continue;
        if (readPerRequest.has(`${workload}/${volume}`)) {
          expect(mountedBy(volume).length, `${workload}/${volume} is mounted`).toBeGreaterThan(0);
          continue;
        }
        expect(mountedBy(volume).length, `${workload}/${volume} is mounted`).toBeGreaterThan(0);
        expect(watched.has(volume) || checksums.length > 0, `${workload}/${volume}`).toBe(true);
      }
      // Environment from a Secret needs a restart: a checksum.
      const fromSecrets = t.spec.containers.some((c: Manifest) =>
        c.env?.some((e: Manifest) => e.valueFrom?.secretKeyRef),
      );
      if (fromSecrets) expect(checksums, workload).toContain("checksum/secret");
    }
  });

  it("the reloaders watch the config file and the directories the servers read", () => {
    const args = (workload: string) =>
      template(workload).spec.containers.find((c: Manifest) => c.name === "config-reloader").args;
    expect(args("prometheus")).toEqual(
      expect.arrayContaining([
        "--config-file=/etc/prometheus/prometheus.yml",
        "--watched-dir=/etc/prometheus/rules",
        "--reload-url=http://127.0.0.1:9090/-/reload",
      ]),
    );
    expect(args("alertmanager")).toEqual(
      expect.arrayContaining([
        "--config-file=/etc/alertmanager/alertmanager.yml",
        "--watched-dir=/etc/alertmanager/secrets",
        "--reload-url=http://127.0.0.1:9093/-/reload",
      ]),
    );
  });

  it("a rule change reaches Prometheus by reload, without restarting it", () => {
    const changed = buildStack({ ...fullConfig, alertCpuThreshold: 70 });
    const rules = (s: typeof stack) =>
      s.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "prometheus-rules").data;
    expect(rules(changed)).not.toEqual(rules(stack));
    const prometheus = (s: typeof stack) =>
      s.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "prometheus");
    expect(prometheus(changed).spec.template).toEqual(prometheus(stack).spec.template);
    expect(prometheus(changed).metadata.annotations["plue-monitoring/config-checksum"]).not.toBe(
      prometheus(stack).metadata.annotations["plue-monitoring/config-checksum"],
    );
  });

  it("a changed DSN restarts postgres-exporter; a changed dashboard restarts Grafana", () => {
    const checksumOf = (s: typeof stack, workload: string, key: string) =>
      podTemplates(s.objects).find((t) => t.workload === workload)?.template.metadata.annotations[key];
    const newDsn = buildStack({
      ...fullConfig,
      postgresExporterDsn: "postgresql://monitor:other@db:5432/plue",
    });
    expect(checksumOf(newDsn, "postgres-exporter", "checksum/secret")).toMatch(/^[a-f0-9]{64}$/);
    expect(checksumOf(newDsn, "postgres-exporter", "checksum/secret")).not.toBe(
      checksumOf(stack, "postgres-exporter", "checksum/secret"),
    );

    const otherNamespace = buildStack({ ...fullConfig, namespace: "observability" });
    const provisioning = (s: typeof stack) =>
      s.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "grafana-provisioning").data;
    expect(provisioning(otherNamespace)).not.toEqual(provisioning(stack));
    expect(checksumOf(otherNamespace, "grafana", "checksum/config")).not.toBe(
      checksumOf(stack, "grafana", "checksum/config"),
    );
    expect(checksumOf(buildStack(), "grafana", "checksum/config")).toBe(
      checksumOf(stack, "grafana", "checksum/config"),
    );
  });
});
