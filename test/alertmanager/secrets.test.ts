// No secret value in any synthesized file except what becomes a Kubernetes Secret. prometheus.yml
// holds none; alertmanager.yml references the Slack and PagerDuty secrets as files, and holds only
// the two webhook URLs that Alertmanager 0.25 cannot read from files, which is why the whole file
// lives in a Secret (docs/alerting.md). The local configs hold no real secret at all.
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { alertmanagerConfig } from "../../src/alertmanager/index.ts";
import { prometheusConfig } from "../../src/prometheus/index.ts";
import { toYaml } from "../../src/render.ts";
import { synthesize } from "../../src/synth.ts";
import { secretValues } from "../helpers/config.ts";
import { tempDir } from "../helpers/system.ts";
import { fullConfig, localDeployment } from "../prometheus/fixtures.ts";

const config = fullConfig();
const dir = tempDir("plue-secrets-");
afterAll(() => dir.cleanup());

const allSecrets = Object.entries(secretValues);
/** The webhook URLs Alertmanager 0.25 can only read inline. */
const inlineInAlertmanagerYml = ["alertmanagerDefaultWebhookUrl", "alertmanagerHeartbeatUrl"];

function leaks(text: string, secrets: [string, string][]): string[] {
  return secrets
    .filter(([, value]) => text.includes(value) || text.includes(Buffer.from(value).toString("base64")))
    .map(([key]) => key);
}

describe("secrets in synthesized files", () => {
  const tree = synthesize(config);

  it("synthesizes prometheus.yml and alertmanager.yml", () => {
    expect(tree.get("config/prometheus/prometheus.yml")).toContain("scrape_configs");
    expect(tree.get("config/alertmanager/alertmanager.yml")).toContain("api_url_file");
  });

  it("keeps every secret out of every file but Kubernetes Secrets", () => {
    const found: Record<string, string[]> = {};
    for (const [path, text] of tree) {
      if (path === "config/alertmanager/alertmanager.yml") {
        const leaked = leaks(
          text,
          allSecrets.filter(([key]) => !inlineInAlertmanagerYml.includes(key)),
        );
        if (leaked.length > 0) found[path] = leaked;
        continue;
      }
      if (path.startsWith("manifests/")) {
        for (const [index, document] of parseAllDocuments(text).entries()) {
          const object = document.toJS() as { kind?: string } | null;
          if (!object || object.kind === "Secret") continue;
          const leaked = leaks(JSON.stringify(object), allSecrets);
          if (leaked.length > 0) found[`${path} (document ${index + 1}, ${object.kind})`] = leaked;
        }
        continue;
      }
      const leaked = leaks(text, allSecrets);
      if (leaked.length > 0) found[path] = leaked;
    }
    expect(found).toEqual({});
  });

  it("would notice a secret in prometheus.yml (the check can fail)", () => {
    expect(leaks(`remote_write: [{ url: "${secretValues.postgresExporterDsn}" }]`, allSecrets)).toEqual([
      "postgresExporterDsn",
    ]);
  });

  it("references the Slack and PagerDuty secrets as mounted files in alertmanager.yml", () => {
    const text = tree.get("config/alertmanager/alertmanager.yml") ?? "";
    expect(text).toContain("api_url_file: /etc/alertmanager/secrets/slack-webhook-url");
    expect(text).toContain("routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key");
  });

  it("writes no real secret into the local configs", () => {
    const deployment = localDeployment(dir.path);
    expect(leaks(toYaml(prometheusConfig(config, deployment)), allSecrets)).toEqual([]);
    expect(leaks(toYaml(alertmanagerConfig(config, deployment)), allSecrets)).toEqual([]);
  });
});
