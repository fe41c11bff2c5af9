// An example configuration: the stack for plue.dev. Copy it to plue-monitoring.config.ts in your
// working directory and adjust. Secrets are best passed as TF_VAR_* environment variables, which win
// over this file.
import { randomBytes } from "node:crypto";
import { defineConfig } from "../src/index.ts";

export default defineConfig({
  namespace: "monitoring",
  domain: "plue.dev",
  appNamespace: "plue",
  cluster: "plue-production",
  // A fresh random password on every run; it lands only in the grafana Secret.
  grafanaAdminPassword: randomBytes(18).toString("base64url"),
  alertCpuThreshold: 80,
  alertMemoryThreshold: 80,
  alertErrorRateThreshold: 1,
});
