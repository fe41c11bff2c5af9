// No Slack webhook, PagerDuty key, DSN, webhook URL, admin password or remote-write credential in any
// object but a Secret: not in ConfigMaps, not in pod specs or annotations, not base64-encoded
// somewhere else either.
import { describe, expect, it } from "vitest";
import { secretKeys, secretValuesIn } from "../../src/config/schema.ts";
import { secretValues } from "../helpers/config.ts";
import type { Manifest } from "./lib/cluster.ts";
import { buildStack, remoteWriteSecrets } from "./lib/stack.ts";

const stack = buildStack();

/** Every secret value of the stack's config: secret keys', and remoteWrite's credentials. */
const allSecrets: Record<string, string> = {
  ...secretValues,
  "remoteWrite password": remoteWriteSecrets.password,
  "remoteWrite bearerToken": remoteWriteSecrets.bearerToken,
};

/** Each secret, and the parts of it that would give it away on their own. */
const needles: [string, string][] = Object.entries(allSecrets).flatMap(([key, value]) => {
  const parts: string[] = [value];
  if (key === "postgresExporterDsn") parts.push("pgSecretPass5521");
  if (key === "alertmanagerSlackWebhook") parts.push("slackSecretToken9912");
  if (key === "alertmanagerDefaultWebhookUrl") parts.push("defaultSecretPath4410");
  if (key === "alertmanagerHeartbeatUrl") parts.push("heartbeatSecretId8802");
  return parts.flatMap((part): [string, string][] => [
    [key, part],
    [`${key} (base64)`, Buffer.from(part).toString("base64")],
    ...(encodeURIComponent(part) === part
      ? []
      : [[`${key} (URL-encoded)`, encodeURIComponent(part)] as [string, string]]),
  ]);
});

function leaks(object: Manifest): string[] {
  const text = JSON.stringify(object);
  return [...new Set(needles.filter(([, needle]) => text.includes(needle)).map(([what]) => what))];
}

function decodedSecretData(objects: readonly Manifest[]): string {
  return objects
    .filter((o) => o.kind === "Secret")
    .flatMap((secret) => Object.values(secret.data ?? {}) as string[])
    .map((value) => Buffer.from(value, "base64").toString("utf8"))
    .join("\n");
}

describe("secrets", () => {
  it("are all set by the fixture: every key the schema marks secret", () => {
    expect(Object.keys(secretValues).sort()).toEqual([...secretKeys].sort());
  });

  it("are every secret the config holds, secret fields (remoteWrite's credentials) included", () => {
    expect(secretValuesIn(stack.config).sort()).toEqual(Object.values(allSecrets).sort());
  });

  it("appear in no object but a Secret", () => {
    for (const object of [...stack.objects, ...stack.appNamespaceObjects]) {
      if (object.kind === "Secret") continue;
      expect(leaks(object), `${object.kind} ${object.metadata.name}`).toEqual([]);
    }
  });

  it("are all in Secrets, so the scan above looks for what is really there", () => {
    const decoded = decodedSecretData(stack.objects);
    for (const [key, value] of Object.entries(allSecrets)) {
      expect(decoded.includes(value), key).toBe(true);
    }
  });

  it("the scan finds a secret that slipped into a ConfigMap or an annotation", () => {
    const configMap = structuredClone(stack.objects.find((o) => o.kind === "ConfigMap"));
    configMap.data["leak.txt"] =
      `password: ${Buffer.from(secretValues.grafanaAdminPassword).toString("base64")}`;
    expect(leaks(configMap)).toEqual(["grafanaAdminPassword (base64)"]);
    const deployment = structuredClone(stack.objects.find((o) => o.kind === "Deployment"));
    deployment.spec.template.metadata.annotations = { dsn: "postgresql://monitor:pgSecretPass5521@db/plue" };
    expect(leaks(deployment)).toEqual(["postgresExporterDsn"]);
  });

  it("never reach a container's command line or plain environment", () => {
    for (const object of stack.objects) {
      for (const container of object.spec?.template?.spec?.containers ?? []) {
        for (const env of container.env ?? []) {
          if (env.value !== undefined)
            expect(leaks({ env }), `${object.metadata.name} ${env.name}`).toEqual([]);
        }
        expect(leaks({ args: container.args ?? [] })).toEqual([]);
      }
    }
  });
});
