// blackbox-exporter: probes https://<domain>, Grafana and extraProbeUrls for availability and
// certificate expiry. Its modules come from a ConfigMap; a change restarts the (stateless) pod.
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { components, mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import {
  checksum,
  clusterIPService,
  containerSecurityContext,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  mountedFile,
  podSecurityContext,
  resources,
  servicePort,
  singleReplicaDeployment,
} from "./common.ts";
import type { RenderedConfigs } from "./rendered.ts";

const { name, port } = components.blackboxExporter;
const UID = 65534;
const CONFIG_MAP = "blackbox-exporter-config";
const { dir: CONFIG_DIR, file: CONFIG_FILE } = mountedFile(mounts.blackboxConfig);

export function blackboxExporter(config: StackConfig, rendered: RenderedConfigs): KubeObject[] {
  const version = imageVersion(config.images.blackboxExporter);
  const objectLabels = labels(name, "exporter", version);
  const namespace = config.namespace;

  const configMap = new ConfigMap({
    metadata: meta(CONFIG_MAP, objectLabels, namespace),
    data: { [CONFIG_FILE]: rendered.blackboxYml },
  });

  const deployment = singleReplicaDeployment(name, objectLabels, namespace, {
    podAnnotations: { "checksum/config": checksum({ [CONFIG_FILE]: rendered.blackboxYml }) },
    podSpec: {
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
  });

  const service = clusterIPService(name, objectLabels, namespace, [servicePort("http", port)]);

  return [configMap, service, deployment];
}
