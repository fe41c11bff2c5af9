// Public API: the config helper for plue-monitoring.config.ts, and the pure builders.
export { defineConfig, type StackConfig, type UserConfig } from "./config/schema.ts";
export { synthesize } from "./synth.ts";
