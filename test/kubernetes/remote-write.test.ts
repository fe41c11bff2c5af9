// Remote-write credentials reach Prometheus as files of a Secret mounted where prometheus.yml looks
// for them; the Secret exists only when some entry has credentials, and nothing else holds them.
import { dirname, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { mounts } from "../../src/components.ts";
import { synthesize } from "../../src/synth.ts";
import { testConfig } from "../helpers/config.ts";
import type { Manifest } from "./lib/cluster.ts";
import { buildStack, fullConfig, remoteWriteSecrets, type Stack } from "./lib/stack.ts";

const SECRET = "prometheus-remote-write";
const VOLUME = "remote-write";

const stack = buildStack();
const find = (s: Stack, kind: string, name: string): Manifest | undefined =>
  s.objects.find((o) => o.kind === kind && o.metadata.name === name);
const statefulSet = (s: Stack) => find(s, "StatefulSet", "prometheus");
const container = (s: Stack, name: string) =>
  statefulSet(s).spec.template.spec.containers.find((c: Manifest) => c.name === name);
const prometheusYml = (s: Stack) =>
  parseYaml(find(s, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as {
    remote_write?: Manifest[];
  };

/** Every credential file prometheus.yml names. */
function credentialFiles(s: Stack): string[] {
  return (prometheusYml(s).remote_write ?? []).flatMap((entry) => [
    ...(entry.basic_auth?.password_file ? [entry.basic_auth.password_file] : []),
    ...(entry.authorization?.credentials_file ? [entry.authorization.credentials_file] : []),
    ...(entry.bearer_token_file ? [entry.bearer_token_file] : []),
  ]);
}

describe("remote-write credentials in the manifests", () => {
  it("are a Secret holding each credential under the file name prometheus.yml uses", () => {
    const secret = find(stack, "Secret", SECRET);
    expect(secret).toBeDefined();
    expect(secret.type).toBe("Opaque");
    const decoded = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([key, value]) => [
        key,
        Buffer.from(value, "base64").toString("utf8"),
      ]),
    );
    expect(decoded).toEqual({
      "central.password": remoteWriteSecrets.password,
      "remote-write-1.bearer-token": remoteWriteSecrets.bearerToken,
    });
    const files = credentialFiles(stack);
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(dirname(file), file).toBe(mounts.prometheusRemoteWriteSecrets);
      expect(Object.keys(secret.data), file).toContain(posix.basename(file));
    }
  });

  it("are mounted read-only into the Prometheus container alone, at the directory prometheus.yml names", () => {
    const spec = statefulSet(stack).spec.template.spec;
    const volume = spec.volumes.find((v: Manifest) => v.name === VOLUME);
    // Owner and group (fsGroup) may read, as the other secret volumes.
    expect(volume).toEqual({ name: VOLUME, secret: { secretName: SECRET, defaultMode: 0o440 } });
    const mount = container(stack, "prometheus").volumeMounts.find((m: Manifest) => m.name === VOLUME);
    expect(mount).toEqual({ name: VOLUME, mountPath: mounts.prometheusRemoteWriteSecrets, readOnly: true });
    expect(new Set(credentialFiles(stack).map((file) => dirname(file)))).toEqual(new Set([mount.mountPath]));
    // No mount point inside another mount: /etc/prometheus is a read-only volume.
    for (const other of container(stack, "prometheus").volumeMounts) {
      if (other.name !== VOLUME) expect(mount.mountPath.startsWith(`${other.mountPath}/`)).toBe(false);
    }
    for (const other of spec.containers.filter((c: Manifest) => c.name !== "prometheus")) {
      expect(other.volumeMounts?.some((m: Manifest) => m.name === VOLUME) ?? false, other.name).toBe(false);
    }
  });

  it("exist only when some entry has credentials", () => {
    const without = [
      buildStack({}),
      buildStack({ remoteWrite: [{ url: "https://metrics.example.com/api/v1/write", name: "open" }] }),
    ];
    for (const s of without) {
      expect(s.objects.filter((o) => o.kind === "Secret").map((o) => o.metadata.name)).not.toContain(SECRET);
      const spec = statefulSet(s).spec.template.spec;
      expect(spec.volumes.map((v: Manifest) => v.name)).not.toContain(VOLUME);
      expect(container(s, "prometheus").volumeMounts.map((m: Manifest) => m.name)).not.toContain(VOLUME);
      expect(statefulSet(s).metadata.annotations).not.toHaveProperty("plue-monitoring/remote-write-checksum");
      expect(credentialFiles(s)).toEqual([]);
    }
  });

  it("a changed credential reaches Prometheus without a restart or a reload", () => {
    const remoteWrite = fullConfig.remoteWrite ?? [];
    const changed = buildStack({
      ...fullConfig,
      remoteWrite: remoteWrite.map((entry) =>
        entry.bearerToken ? { ...entry, bearerToken: "rwRotatedToken0042" } : entry,
      ),
    });
    expect(find(changed, "Secret", SECRET).data).not.toEqual(find(stack, "Secret", SECRET).data);
    // Same pod template: no rolling restart. Same prometheus.yml: nothing for the reloader to do.
    // Prometheus reads the files again on every request (prometheus/common's FileSecret).
    expect(statefulSet(changed).spec.template).toEqual(statefulSet(stack).spec.template);
    expect(find(changed, "ConfigMap", "prometheus-config").data).toEqual(
      find(stack, "ConfigMap", "prometheus-config").data,
    );
    const checksum = (s: Stack) =>
      statefulSet(s).metadata.annotations["plue-monitoring/remote-write-checksum"];
    expect(checksum(stack)).toMatch(/^[a-f0-9]{64}$/);
    expect(checksum(changed)).not.toBe(checksum(stack));
  });

  it("keeps the Secret in prometheus.yaml, which the kustomization lists", () => {
    expect(stack.kustomization.resources).toContain("prometheus.yaml");
    expect(stack.files["prometheus.yaml"]).toMatch(new RegExp(`^  name: ${SECRET}$`, "m"));
  });
});

/**
 * Where a credential shows in a synthesized tree: in any file as plain text, and outside Secret
 * objects base64- or URL-encoded too. Also counts the Secret objects that hold one (base64).
 */
function scan(tree: ReadonlyMap<string, string>, values: readonly string[]) {
  const leaks: string[] = [];
  let inSecrets = 0;
  for (const [path, text] of tree) {
    const documents = path.startsWith("manifests/") ? text.split(/^---$/m) : [text];
    for (const document of documents) {
      const isSecret = /^kind: Secret$/m.test(document);
      for (const value of values) {
        const base64 = Buffer.from(value).toString("base64");
        if (document.includes(value)) leaks.push(`${path}: plain`);
        if (isSecret && document.includes(base64)) inSecrets += 1;
        if (!isSecret && document.includes(base64)) leaks.push(`${path}: base64`);
        const encoded = encodeURIComponent(value);
        if (!isSecret && encoded !== value && document.includes(encoded)) leaks.push(`${path}: URL-encoded`);
      }
    }
  }
  return { leaks: [...new Set(leaks)], inSecrets };
}

describe("remote-write credentials in the synthesized tree", () => {
  const tree = synthesize(testConfig(fullConfig));
  const values = Object.values(remoteWriteSecrets);

  it("appear in no file but in Secret objects, and there only base64-encoded", () => {
    const { leaks, inSecrets } = scan(tree, values);
    expect(leaks).toEqual([]);
    // Both were found where they belong: the scan looks for what is really there.
    expect(inSecrets).toBe(values.length);
  });

  it("the scan notices a credential in prometheus.yml or a ConfigMap (the check can fail)", () => {
    const leaked = new Map(tree);
    const yml = leaked.get("config/prometheus/prometheus.yml") ?? "";
    leaked.set("config/prometheus/prometheus.yml", `${yml}# ${remoteWriteSecrets.password}\n`);
    const manifest = leaked.get("manifests/prometheus.yaml") ?? "";
    leaked.set(
      "manifests/prometheus.yaml",
      manifest.replace(
        "kind: ConfigMap\n",
        `kind: ConfigMap\n# ${Buffer.from(remoteWriteSecrets.bearerToken).toString("base64")}\n`,
      ),
    );
    expect(scan(leaked, values).leaks.sort()).toEqual([
      "config/prometheus/prometheus.yml: plain",
      "manifests/prometheus.yaml: base64",
    ]);
  });
});
