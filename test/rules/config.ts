// The config the rule tests build their rule files from: the test config with one remote-write queue,
// so that the remote-write alerts (generated only when config.remoteWrite is not empty) exist too.
import type { StackConfig, UserConfig } from "../../src/config/schema.ts";
import { testConfig } from "../helpers/config.ts";

/** Named and addressed as the queue in test/fixtures/exporters/prometheus.prom. */
export const REMOTE_WRITE = { name: "archive", url: "https://metrics.example.com/api/v1/write" } as const;

export function rulesConfig(overrides: UserConfig = {}): StackConfig {
  return testConfig({ remoteWrite: [{ ...REMOTE_WRITE }], ...overrides });
}
