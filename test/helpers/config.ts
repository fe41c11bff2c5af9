// A valid config for tests, with overrides, and a value for every secret it takes.
import { ConfigError } from "../../src/config/errors.ts";
import { fileLayer, resolveConfig } from "../../src/config/resolve.ts";
import type { StackConfig, UserConfig } from "../../src/config/schema.ts";

export const requiredValues: UserConfig = {
  namespace: "monitoring",
  domain: "plue.dev",
  grafanaAdminPassword: "test-admin-password-0451",
};

/** Every secret the config takes, each distinctive enough to find anywhere it leaks. */
export const secretValues = {
  grafanaAdminPassword: "Gr4fana-admin-Secret-7731",
  alertmanagerSlackWebhook: "https://hooks.slack.com/services/T0SECRET/B0SECRET/slackSecretToken9912",
  alertmanagerPagerdutyKey: "pdSecretKey0123456789abcdefABCDE",
  postgresExporterDsn: "postgresql://monitor:pgSecretPass5521@db.plue.internal:5433/plue?sslmode=require",
  alertmanagerDefaultWebhookUrl: "https://hooks.example.com:8443/defaultSecretPath4410",
  alertmanagerHeartbeatUrl: "https://heartbeat.example.com/ping/heartbeatSecretId8802",
} as const satisfies UserConfig;

export function testConfig(overrides: UserConfig = {}): StackConfig {
  return resolveConfig([fileLayer({ ...requiredValues, ...overrides }, "test")]);
}

/** Each problem of testConfig(overrides) as "key: message", or [] when the config is accepted. */
export function configProblems(overrides: UserConfig): string[] {
  try {
    testConfig(overrides);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => `${problem.key}: ${problem.message}`);
  }
}
