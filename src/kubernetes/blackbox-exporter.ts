// blackbox-exporter: probes https://<domain>, Grafana and extraProbeUrls for availability and
// certificate expiry. Its modules come from a ConfigMap; a change restarts the (stateless) pod.
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { components, mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import {
  checksum,
  containerSecurityContext,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  podSecurityContext,
  resources,
  selectorLabels,
} from "./common.ts";
import type { RenderedConfigs } from "./rendered.ts";

const { name, port } = components.blackboxExporter;
const UID = 65534;
const CONFIG_MAP = "blackbox-exporter-config";
const CONFIG_DIR = mounts.blackboxConfig.slice(0, mounts.blackboxConfig.lastIndexOf("/"));
const CONFIG_FILE = mounts.blackboxConfig.slice(CONFIG_DIR.length + 1);

export function blackboxExporter(config: StackConfig, rendered: RenderedConfigs): KubeObject[] {
  const version = imageVersion(config.images.blackboxExporter);
  const objectLabels = labels(name, "exporter", version);
  const namespace = config.namespace;

  const configMap = new ConfigMap({
    metadata: meta(CONFIG_MAP, objectLabels, namespace),
    data: { [CONFIG_FILE]: rendered.blackboxYml },
  });

  const deployment = new Deployment({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: {
          labels: objectLabels,
          annotations: { "checksum/config": checksum({ [CONFIG_FILE]: rendered.blackboxYml }) },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(UID),
          containers: [
            {
              name,
              image: config.images.blackboxExporter,
              args: [`--config.file=${mounts.blackboxConfig}`, `--web.listen-address=:${port}`],
              ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
              resources: resources({
                requests: { cpu: "25m", memory: "32Mi" },
                limits: { cpu: "250m", memory: "128Mi" },
              }),
              livenessProbe: httpProbe("/-/healthy", "http"),
              readinessProbe: httpProbe("/-/healthy", "http"),
              securityContext: containerSecurityContext(),
              volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: "config", configMap: { name: CONFIG_MAP } }],
        },
      },
    },
  });

  const service = new Service({
    metadata: meta(name, objectLabels, namespace),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(name),
      ports: [{ name: "http", port, targetPort: "http", protocol: "TCP" }],
    },
  });

  return [configMap, service, deployment];
}
