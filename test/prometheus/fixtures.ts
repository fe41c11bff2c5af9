// Deployments and configs shared by the prometheus.yml tests.
import { join } from "node:path";
import type { UserConfig } from "../../src/config/schema.ts";
import type { LocalDeployment } from "../../src/deployment.ts";
import { defaultTopology, type LocalTopology } from "../../src/local/topology.ts";
import { scaledTiming } from "../../src/rules/timing.ts";
import { secretValues, testConfig } from "../helpers/config.ts";
import { writeRuleFiles as writeRuleFilesTo } from "../helpers/rule-files.ts";

export const fullConfig = (overrides: UserConfig = {}) =>
  testConfig({
    ...secretValues,
    extraProbeUrls: ["https://status.plue.dev"],
    remoteWrite: [{ url: "https://metrics.example.com/api/v1/write", name: "long-term" }],
    ...overrides,
  });

/** Remote-write credentials, distinctive enough to find anywhere they leak. */
export const REMOTE_WRITE_PASSWORD = "rwSecretPass3317";
export const REMOTE_WRITE_TOKEN = "rwSecretToken6620";

/** Remote write with basic auth (named), a bearer token (unnamed: keyed by its index) and neither. */
export const remoteWriteWithCredentials = [
  {
    url: "https://metrics.example.com/api/v1/write",
    name: "long-term",
    basicAuth: { username: "prometheus", password: REMOTE_WRITE_PASSWORD },
  },
  { url: "https://tenant.example.com:8443/push", bearerToken: REMOTE_WRITE_TOKEN },
  { url: "https://open.example.com/api/v1/write", name: "open" },
];

export function localDeployment(dir: string, topology: Partial<LocalTopology> = {}): LocalDeployment {
  return {
    kind: "local",
    topology: { ...defaultTopology, ...topology },
    timing: scaledTiming(60, "1s"),
    rulesDir: join(dir, "rules"),
    tlsCaFile: join(dir, "ca.pem"),
  };
}

/** Writes the stack's rule files where the local deployment's Prometheus loads them. */
export function writeRuleFiles(deployment: LocalDeployment, config = testConfig()): void {
  writeRuleFilesTo(deployment.rulesDir, config, deployment.timing);
}
