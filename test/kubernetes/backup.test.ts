// The scheduled backup in the manifests: nothing unless backup.schedule is set; when set, kubectl
// kustomize builds the tree, the CronJob's VolumeSnapshots name exactly the claims the Prometheus
// StatefulSet and Grafana really get, its RBAC is create-only, and its pod may reach the API server
// and nothing else. Bad schedules are config errors naming the key.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DEFAULT_BACKUP_IMAGE } from "../../src/config/backup.ts";
import { API_SERVER_PORTS } from "../../src/kubernetes/network-policies.ts";
import { configProblems } from "../helpers/config.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import type { Manifest } from "./lib/cluster.ts";
import { buildStack, fullConfig } from "./lib/stack.ts";

const SCHEDULE = "0 3 * * *";
const off = buildStack(fullConfig);
const on = buildStack({ ...fullConfig, backup: { schedule: SCHEDULE } });

const one = (objects: Manifest[], kind: string, name: string): Manifest => {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0];
};

/** The claims Kubernetes makes for the StatefulSet (<template>-<statefulset>-<ordinal>) and Grafana's. */
function realClaims(objects: Manifest[]): string[] {
  const statefulSet = one(objects, "StatefulSet", "prometheus");
  const template = statefulSet.spec.volumeClaimTemplates[0].metadata.name;
  const prometheus = Array.from(
    { length: statefulSet.spec.replicas },
    (_, ordinal) => `${template}-${statefulSet.metadata.name}-${ordinal}`,
  );
  const grafana = objects
    .filter((object) => object.kind === "PersistentVolumeClaim")
    .map((o) => o.metadata.name);
  return [...prometheus, ...grafana];
}

/** The VolumeSnapshots one run of the CronJob creates, parsed from its ConfigMap. */
function snapshotsOf(objects: Manifest[]): Manifest[] {
  const configMap = one(objects, "ConfigMap", "prometheus-backup");
  return parseAllDocuments(configMap.data["volume-snapshots.yaml"]).map((document) => document.toJS());
}

describe("scheduled backup objects", () => {
  const dir = tempDir("plue-monitoring-backup-kustomize-");
  afterAll(() => dir.cleanup());

  it("are absent by default: synth writes no backup.yaml and no object more", () => {
    expect(off.config.backup.schedule).toBe("");
    expect(Object.keys(off.files)).not.toContain("backup.yaml");
    expect(off.kustomization.resources).not.toContain("backup.yaml");
    // Everything else is the same object for object, backup on or off.
    const backupKinds = on.objects.filter((object) => object.metadata.name === "prometheus-backup");
    expect(on.objects.length - off.objects.length).toBe(backupKinds.length);
    expect(on.objects.filter((object) => object.metadata.name !== "prometheus-backup")).toEqual(off.objects);
  });

  it("kubectl kustomize builds the tree with the backup on", async () => {
    for (const [file, text] of Object.entries(on.files)) {
      mkdirSync(dirname(join(dir.path, file)), { recursive: true });
      writeFileSync(join(dir.path, file), text);
    }
    const env = { ...process.env, KUBECONFIG: join(dir.path, "no-kubeconfig") };
    const result = await runCommand("kubectl", ["kustomize", dir.path], { env });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const built = parseAllDocuments(result.stdout).map((document) => document.toJS());
    const cronJob = one(built, "CronJob", "prometheus-backup");
    expect(cronJob.metadata.namespace).toBe("monitoring");
    expect(cronJob.spec.schedule).toBe(SCHEDULE);
  });

  it("snapshot every Prometheus replica's claim and Grafana's, by the names Kubernetes gives them", () => {
    const snapshots = snapshotsOf(on.objects);
    expect(snapshots.map((snapshot) => snapshot.spec.source.persistentVolumeClaimName)).toEqual(
      realClaims(on.objects),
    );
    expect(realClaims(on.objects)).toHaveLength(3);
    for (const snapshot of snapshots) {
      expect(snapshot.apiVersion).toBe("snapshot.storage.k8s.io/v1");
      expect(snapshot.kind).toBe("VolumeSnapshot");
      expect(snapshot.metadata.namespace).toBe("monitoring");
      expect(snapshot.metadata.generateName).toBe(`${snapshot.spec.source.persistentVolumeClaimName}-`);
      expect(snapshot.spec).not.toHaveProperty("volumeSnapshotClassName");
    }
    const onePrometheus = buildStack({
      ...fullConfig,
      prometheusReplicas: 1,
      backup: { schedule: SCHEDULE, grafana: false, volumeSnapshotClassName: "csi-snapclass" },
    });
    const only = snapshotsOf(onePrometheus.objects);
    expect(only.map((snapshot) => snapshot.spec.source.persistentVolumeClaimName)).toEqual([
      "data-prometheus-0",
    ]);
    expect(only[0].spec.volumeSnapshotClassName).toBe("csi-snapclass");
  });

  it("run kubectl create on those snapshots with create-only rights, reaching only the API server", () => {
    const cronJob = one(on.objects, "CronJob", "prometheus-backup");
    const pod = cronJob.spec.jobTemplate.spec.template;
    const [container] = pod.spec.containers;
    expect(container.image).toBe(DEFAULT_BACKUP_IMAGE);
    expect(container.command).toEqual(["/bin/kubectl"]);
    expect(container.args).toEqual(["create", "-f", "/etc/prometheus-backup/volume-snapshots.yaml"]);
    expect(pod.spec.volumes).toContainEqual({ name: "snapshots", configMap: { name: "prometheus-backup" } });
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");

    const role = one(on.objects, "Role", "prometheus-backup");
    expect(role.rules).toEqual([
      { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"], verbs: ["create"] },
    ]);
    const binding = one(on.objects, "RoleBinding", "prometheus-backup");
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: pod.spec.serviceAccountName, namespace: "monitoring" },
    ]);
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(one(on.objects, "ServiceAccount", pod.spec.serviceAccountName)).toBeDefined();
    // No ClusterRole: snapshots are namespaced, and so is what it may do.
    expect(on.objects.filter((o) => o.kind === "ClusterRole").length).toBe(
      off.objects.filter((o) => o.kind === "ClusterRole").length,
    );

    const policy = one(on.objects, "NetworkPolicy", "prometheus-backup");
    for (const [label, value] of Object.entries(policy.spec.podSelector.matchLabels)) {
      expect(pod.metadata.labels[label], label).toBe(value);
    }
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.spec).not.toHaveProperty("ingress");
    expect(policy.spec.egress).toEqual([
      { ports: API_SERVER_PORTS.map((port) => ({ protocol: "TCP", port })) },
    ]);
  });
});

describe("backup config", () => {
  it.each(["0 3 * * *", "*/15 * * * *", "30 2 * * MON-FRI", "0 0 1,15 JAN-JUN *", "@daily", ""])(
    "accepts the schedule %j",
    (schedule) => {
      expect(configProblems({ backup: { schedule } })).toEqual([]);
    },
  );

  it.each([
    ["61 * * * *", "minute"],
    ["0 24 * * *", "hour"],
    ["0 3 0 * *", "day of month"],
    ["0 3 * * 8", "day of week"],
    ["0 3 * *", "4 fields"],
    ["TZ=UTC 0 3 * * *", "6 fields"],
    ["*/0 * * * *", "step of 0"],
    ["0 3 * * MONDAY", "day of week"],
  ])("refuses the schedule %j, saying why (%s)", (schedule, why) => {
    const problems = configProblems({ backup: { schedule } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^backup\.schedule: .*a cron schedule \(minute hour/);
    expect(problems[0]).toContain(why);
  });

  it("refuses an unpinned image and an unknown field", () => {
    expect(
      configProblems({ backup: { schedule: SCHEDULE, image: "registry.k8s.io/kubectl:latest" } })[0],
    ).toMatch(/^backup\.image: /);
    // biome-ignore lint/suspicious/noExplicitAny: an unknown field on purpose
    expect(configProblems({ backup: { schedule: SCHEDULE, retain: 7 } as any })[0]).toMatch(/^backup/);
  });
});
