// The config reloaders beside Prometheus and each Alertmanager: whether the last reload of a changed
// config or rule file succeeded, as the reloader saw it. Their port is no Service's, so they are
// found by pod discovery; `service` names the component each one serves (prometheus, alertmanager).
// The local stack runs no reloader: the job resolves to nothing there.
import { components } from "../../components.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { JobSpec } from "./types.ts";

export function configReloaderJobs(config: StackConfig): JobSpec[] {
  const { name, port, portName, sidecarOf } = components.configReloader;
  return [
    {
      job: name,
      targets: {
        kind: "pod-port",
        namespace: config.namespace,
        components: sidecarOf,
        portName,
        port,
        labels: ["namespace", "pod", "service"],
      },
    },
  ];
}
