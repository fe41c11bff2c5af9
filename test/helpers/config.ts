// A valid config for tests, with overrides.
import { fileLayer, resolveConfig } from "../../src/config/resolve.ts";
import type { StackConfig, UserConfig } from "../../src/config/schema.ts";

export const requiredValues: UserConfig = {
  namespace: "monitoring",
  domain: "plue.dev",
  grafanaAdminPassword: "test-admin-password-0451",
};

export function testConfig(overrides: UserConfig = {}): StackConfig {
  return resolveConfig([fileLayer({ ...requiredValues, ...overrides }, "test")]);
}
