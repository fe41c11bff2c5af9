// Secrets given as references to Secrets that already exist: the manifests read those Secrets and
// generate none in their place, kustomize builds the tree, and alertmanager.yml reads every
// referenced credential from the file the manifests mount it at.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import type { AlertmanagerConfig } from "../../src/alertmanager/index.ts";
import { GENERATED_SECRET_NAMES } from "../../src/config/secret-reference.ts";
import { APP_NAMESPACE_POLICY_FILE } from "../../src/kubernetes/index.ts";
import { synthesize } from "../../src/synth.ts";
import { checkConfig, routesTest } from "../alertmanager/amtool.ts";
import { secretValues, testConfig } from "../helpers/config.ts";
import { checkClusterConfigSyntax } from "../helpers/promtool.ts";
import { runCommand, tempDir } from "../helpers/system.ts";
import type { Manifest } from "./lib/cluster.ts";
import { buildStack } from "./lib/stack.ts";

const references = {
  grafanaAdminPassword: { secretName: "grafana-credentials", key: "admin-password" },
  alertmanagerSlackWebhook: { secretName: "alertmanager-receivers", key: "slack" },
  alertmanagerPagerdutyKey: { secretName: "alertmanager-receivers", key: "pagerduty" },
  alertmanagerHeartbeatUrl: { secretName: "heartbeat", key: "url" },
};
// A value beside the references: the default webhook stays inline.
const config = testConfig({
  ...references,
  alertmanagerDefaultWebhookUrl: secretValues.alertmanagerDefaultWebhookUrl,
});
const tree = synthesize(config);
const objects: Manifest[] = [...tree]
  .filter(([file]) => file.startsWith("manifests/") && file !== "manifests/kustomization.yaml")
  .flatMap(([, text]) => parseAllDocuments(text).map((document) => document.toJS() as Manifest));
const alertmanagerYml = tree.get("config/alertmanager/alertmanager.yml") as string;
const alertmanagerYaml = parseYaml(alertmanagerYml) as AlertmanagerConfig;

const named = (kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);

/** Where the pod sees each file of a referenced Secret: "<secret>/<key>" → mounted path. */
function referencedMounts(workload: Manifest, container: string): Map<string, string> {
  const spec = workload.spec.template.spec;
  const mountOf = new Map<string, string>(
    spec.containers
      .find((c: Manifest) => c.name === container)
      .volumeMounts.map((mount: Manifest) => [mount.name, mount.mountPath]),
  );
  const mounted = new Map<string, string>();
  for (const volume of spec.volumes) {
    const at = mountOf.get(volume.name);
    if (at === undefined) continue;
    const sources =
      volume.projected?.sources ??
      (volume.secret ? [{ secret: { ...volume.secret, name: volume.secret.secretName } }] : []);
    for (const source of sources) {
      for (const item of source.secret?.items ?? [])
        mounted.set(`${source.secret.name}/${item.key}`, `${at}/${item.path}`);
    }
  }
  return mounted;
}

describe("secrets given as references to existing Secrets", () => {
  it("generate no Secret of the referenced names, and no empty Secret", () => {
    const secrets = objects.filter((object) => object.kind === "Secret");
    const referenced = new Set(Object.values(references).map((reference) => reference.secretName));
    expect(secrets.filter((secret) => referenced.has(secret.metadata.name))).toEqual([]);
    // The Grafana password was its Secret's only content: with a reference there is none.
    expect(named("Secret", "grafana-admin")).toBeUndefined();
    for (const secret of secrets)
      expect(Object.keys(secret.data ?? {}), secret.metadata.name).not.toEqual([]);
    // alertmanager.yml is still ours, and holds the inline webhook URL: its Secret stays, with nothing else.
    expect(Object.keys(named("Secret", "alertmanager-config")?.data ?? {})).toEqual(["alertmanager.yml"]);
  });

  it("Grafana reads its admin password from the referenced Secret's key", () => {
    const grafana = named("Deployment", "grafana") as Manifest;
    const env = grafana.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const passwordFile = env.find((variable) => variable.name === "GF_SECURITY_ADMIN_PASSWORD__FILE")?.value;
    expect(referencedMounts(grafana, "grafana").get("grafana-credentials/admin-password")).toBe(passwordFile);
  });

  it("Alertmanager reads each referenced credential from the file its alertmanager.yml names", () => {
    const mounted = referencedMounts(named("StatefulSet", "alertmanager") as Manifest, "alertmanager");
    const receiver = (name: string) => alertmanagerYaml.receivers.find((r) => r.name === name);
    expect(receiver("slack")?.slack_configs?.[0]?.api_url_file).toBe(
      mounted.get("alertmanager-receivers/slack"),
    );
    expect(receiver("pagerduty")?.pagerduty_configs?.[0]?.routing_key_file).toBe(
      mounted.get("alertmanager-receivers/pagerduty"),
    );
    expect(receiver("heartbeat")?.webhook_configs).toEqual([
      { url_file: mounted.get("heartbeat/url"), send_resolved: false },
    ]);
    expect(receiver("default")?.webhook_configs).toEqual([
      { url: secretValues.alertmanagerDefaultWebhookUrl, send_resolved: true },
    ]);
    // The reloader sees the same files, so a rotated Secret reloads Alertmanager.
    const reloaderMounts = referencedMounts(
      named("StatefulSet", "alertmanager") as Manifest,
      "config-reloader",
    );
    expect(reloaderMounts.get("heartbeat/url")).toBe(mounted.get("heartbeat/url"));
  });

  it("builds with kubectl kustomize", async () => {
    const dir = tempDir("plue-secret-reference-");
    try {
      for (const [file, text] of tree) {
        mkdirSync(dirname(join(dir.path, file)), { recursive: true });
        writeFileSync(join(dir.path, file), text);
      }
      const env = { ...process.env, KUBECONFIG: join(dir.path, "no-kubeconfig") };
      const result = await runCommand("kubectl", ["kustomize", join(dir.path, "manifests")], { env });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      // Every object but the appNamespace's NetworkPolicy, which is applied apart.
      const inKustomization = [...tree].filter(
        ([file]) => file.startsWith("manifests/") && file !== `manifests/${APP_NAMESPACE_POLICY_FILE}`,
      );
      const listed = inKustomization.flatMap(([file, text]) =>
        file.endsWith("kustomization.yaml") ? [] : parseAllDocuments(text),
      );
      expect(parseAllDocuments(result.stdout)).toHaveLength(listed.length);
    } finally {
      dir.cleanup();
    }
  });
});

describe("alertmanager.yml with a referenced webhook URL", () => {
  const dir = tempDir("plue-secret-reference-amtool-");
  afterAll(() => dir.cleanup());
  const write = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  // url_file exists from Alertmanager 0.26 (prometheus/alertmanager notify/webhook/config.go
  // @v0.34.0, the cluster's pinned version); the Debian 0.25 amtool here knows only url.
  it("is refused by Alertmanager 0.25, which has no url_file: the cluster's pinned v0.34.0 reads it", async () => {
    const result = await runCommand("amtool", ["check-config", write("with-url-file.yml", alertmanagerYml)]);
    expect(result.stdout + result.stderr).toContain("field url_file not found");
    expect(result.code).not.toBe(0);
  });

  it("is otherwise what amtool accepts and routes: with the file's URL inline it passes check-config", async () => {
    const inline = alertmanagerYml.replace(
      /url_file: \/etc\/alertmanager\/secrets\/heartbeat-url/,
      `url: ${secretValues.alertmanagerHeartbeatUrl}`,
    );
    expect(inline).not.toBe(alertmanagerYml);
    const path = write("inline.yml", inline);
    await checkConfig(path);
    expect(await routesTest(path, ["alertname=Watchdog", "severity=none"])).toEqual(["heartbeat"]);
    expect(await routesTest(path, ["alertname=CriticalCPUUsage", "severity=critical"])).toEqual(
      expect.arrayContaining(["pagerduty"]),
    );
  });
});

describe("remote-write credentials given as references", () => {
  const remoteWriteConfig = testConfig({
    remoteWrite: [
      {
        url: "https://metrics.example.com/api/v1/write",
        name: "central",
        basicAuth: {
          username: "prometheus",
          password: { secretName: "remote-write", key: "central-password" },
        },
      },
      { url: "https://tenant.example.com/push", bearerToken: { secretName: "tenant-token", key: "token" } },
      { url: "https://other.example.com/push", name: "other", bearerToken: "rwValueToken7741" },
    ],
  });
  const remoteWriteTree = synthesize(remoteWriteConfig);
  const prometheusYml = parseYaml(remoteWriteTree.get("config/prometheus/prometheus.yml") as string);
  const prometheusObjects = parseAllDocuments(remoteWriteTree.get("manifests/prometheus.yaml") as string).map(
    (document) => document.toJS() as Manifest,
  );

  it("are mounted at the files prometheus.yml reads; only the value goes to our Secret", () => {
    const statefulSet = prometheusObjects.find((object) => object.kind === "StatefulSet") as Manifest;
    const mounted = referencedMounts(statefulSet, "prometheus");
    const [central, tenant, other] = prometheusYml.remote_write;
    expect(central.basic_auth.password_file).toBe(mounted.get("remote-write/central-password"));
    expect(tenant.authorization.credentials_file).toBe(mounted.get("tenant-token/token"));
    expect(other.authorization.credentials_file).toBe(
      mounted.get("prometheus-remote-write/other.bearer-token"),
    );
    const secret = prometheusObjects.find((object) => object.kind === "Secret") as Manifest;
    expect(Object.keys(secret.data)).toEqual(["other.bearer-token"]);
  });

  it("generate no Secret when every credential is a reference, and promtool accepts prometheus.yml", async () => {
    const onlyReferences = testConfig({
      remoteWrite: [
        { url: "https://tenant.example.com/push", bearerToken: { secretName: "tenant-token", key: "token" } },
      ],
    });
    const manifestsText = synthesize(onlyReferences).get("manifests/prometheus.yaml") as string;
    expect(manifestsText).not.toMatch(/^kind: Secret$/m);
    const dir = tempDir("plue-secret-reference-promtool-");
    try {
      const check = await checkClusterConfigSyntax(prometheusYml, dir.path);
      expect(check.otherComplaints).toEqual([]);
      expect(check.swapped.stderr).toBe("");
      expect(check.swapped.code).toBe(0);
    } finally {
      dir.cleanup();
    }
  });
});

describe("the Secret names a reference may not take", () => {
  it("are every Secret the stack generates", () => {
    const generated = buildStack()
      .objects.filter((object) => object.kind === "Secret")
      .map((secret) => secret.metadata.name as string);
    expect([...new Set(generated)].sort()).toEqual([...GENERATED_SECRET_NAMES].sort());
  });
});

describe("postgres-exporter's DSN given as a reference", () => {
  const dsnConfig = testConfig({ postgresExporterDsn: { secretName: "plue-db-monitor", key: "dsn" } });
  const dsnObjects: Manifest[] = [...synthesize(dsnConfig)]
    .filter(([file]) => file.startsWith("manifests/") && file !== "manifests/kustomization.yaml")
    .flatMap(([, text]) => parseAllDocuments(text).map((document) => document.toJS() as Manifest));
  const find = (kind: string, name: string) =>
    dsnObjects.find((object) => object.kind === kind && object.metadata.name === name);

  it("is read from the referenced Secret, with none generated and no checksum to roll on", () => {
    expect(find("Secret", "postgres-exporter")).toBeUndefined();
    const pod = find("Deployment", "postgres-exporter")?.spec.template;
    expect(pod.spec.containers[0].env).toEqual([
      { name: "DATA_SOURCE_NAME", valueFrom: { secretKeyRef: { name: "plue-db-monitor", key: "dsn" } } },
    ]);
    expect(pod.metadata.annotations?.["checksum/secret"]).toBeUndefined();
  });

  it("lets the exporter reach PostgreSQL's default port, the only one synth can know", () => {
    const policy = find("NetworkPolicy", "postgres-exporter");
    expect(policy?.spec.egress).toContainEqual({ ports: [{ protocol: "TCP", port: 5432 }] });
  });
});
