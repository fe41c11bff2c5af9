import { components } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import { isSecretReference, type SecretReference } from "../config/secret-reference.ts";
import {
  clusterIPService,
  containerSecurityContext,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  podSecurityContext,
  resources,
  secretChecksum,
  secretValueSource,
  servicePort,
  singleReplicaDeployment,
} from "./common.ts";

const { name, port } = components.postgresExporter;
const UID = 65534;
export const POSTGRES_EXPORTER_SECRET = "postgres-exporter";
const DSN_KEY = "data-source-name";

/**
 * The database port the exporter connects to: the DSN's, or PostgreSQL's default, which is all that
 * can be known of a DSN kept in a Secret synth never reads.
 */
export function postgresPort(dsn: string | SecretReference): number {
  if (isSecretReference(dsn)) return 5432;
  const parsed = new URL(dsn);
  return parsed.port === "" ? 5432 : Number(parsed.port);
}

export function postgresExporter(config: StackConfig): KubeObject[] {
  if (config.postgresExporterDsn === "") return [];
  const version = imageVersion(config.images.postgresExporter);
  const objectLabels = labels(name, "exporter", version);
  const namespace = config.namespace;

  const dsn = config.postgresExporterDsn;
  // A DSN kept in an existing Secret is read from there: nothing generated, no checksum to roll on.
  const { secret, source: dsnSource } = secretValueSource(
    dsn,
    meta(POSTGRES_EXPORTER_SECRET, objectLabels, namespace),
    DSN_KEY,
  );

  const deployment = singleReplicaDeployment(name, objectLabels, namespace, {
    ...(isSecretReference(dsn)
      ? {}
      : { podAnnotations: { "checksum/secret": secretChecksum({ [DSN_KEY]: dsn }) } }),
    podSpec: {
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(UID),
      containers: [
        {
          name,
          image: config.images.postgresExporter,
          args: [`--web.listen-address=:${port}`],
          env: [
            {
              name: "DATA_SOURCE_NAME",
              valueFrom: { secretKeyRef: dsnSource },
            },
          ],
          ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
          resources: resources({
            requests: { cpu: "25m", memory: "32Mi" },
            limits: { cpu: "250m", memory: "128Mi" },
          }),
          livenessProbe: httpProbe("/", "http"),
          readinessProbe: httpProbe("/", "http"),
          securityContext: containerSecurityContext(),
        },
      ],
    },
  });

  const service = clusterIPService(name, objectLabels, namespace, [servicePort("http", port)]);

  return [...(secret ? [secret] : []), service, deployment];
}
