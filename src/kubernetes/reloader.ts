// The config-reloader sidecar: watches the mounted config and asks the server to reload it in place,
// so a new rule or route takes effect without a restart (no scrape gap, no WAL replay, and a bad
// config is refused by the running server instead of crash-looping a new pod).
import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { type Container, containerSecurityContext, httpProbe, resources } from "./common.ts";

/**
 * The reloader's own HTTP port (/healthz, and /metrics, which the config-reloader job finds by its
 * name through pod discovery); it shares the pod's network namespace.
 */
const { name, port, portName } = components.configReloader;

export interface ReloaderOptions {
  /** POST target, e.g. http://127.0.0.1:9090/-/reload. */
  reloadUrl: string;
  /** The main config file; reloaded when its content changes. */
  configFile: string;
  /** Directories whose files also trigger a reload (rule files, secret files). */
  watchedDirs: readonly string[];
  /** Volume mounts that make configFile and watchedDirs visible to the reloader (read-only). */
  volumeMounts: Container["volumeMounts"];
}

export function configReloader(config: StackConfig, options: ReloaderOptions): Container {
  return {
    name,
    image: config.images.configReloader,
    args: [
      `--listen-address=:${port}`,
      `--reload-url=${options.reloadUrl}`,
      `--config-file=${options.configFile}`,
      ...options.watchedDirs.map((dir) => `--watched-dir=${dir}`),
      // ConfigMap and Secret updates arrive by a symlink swap that inotify can miss; re-read each minute.
      "--watch-interval=1m",
    ],
    ports: [{ name: portName, containerPort: port, protocol: "TCP" }],
    resources: resources({
      requests: { cpu: "10m", memory: "32Mi" },
      limits: { cpu: "100m", memory: "64Mi" },
    }),
    livenessProbe: httpProbe("/healthz", portName),
    readinessProbe: httpProbe("/healthz", portName),
    securityContext: containerSecurityContext(),
    volumeMounts: options.volumeMounts,
  };
}
