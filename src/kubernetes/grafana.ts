// Grafana: one pod on a ReadWriteOnce volume with the Recreate strategy (the old pod lets go of the
// volume before the new one starts), provisioning and dashboards from ConfigMaps, the admin password
// from a Secret (ours, or one that already exists when the config references it), and an Ingress at
// grafana.<domain> with TLS and authentication in front.
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { components, mounts } from "../components.ts";
import type { StackConfig } from "../config/schema.ts";
import {
  checksum,
  clusterIPService,
  containerSecurityContext,
  dnsName,
  fileKey,
  httpProbe,
  imageVersion,
  type KubeObject,
  labels,
  meta,
  podSecurityContext,
  resources,
  secretValueSource,
  servicePort,
  singleReplicaDeployment,
  volumeClaimSpec,
} from "./common.ts";
import type { RenderedConfigs } from "./rendered.ts";

const { name, port } = components.grafana;
const UID = 472;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_TLS_SECRET = "grafana-tls";
const PROVISIONING_MAP = "grafana-provisioning";
const SECRETS_DIR = "/etc/grafana/secrets";
const ADMIN_PASSWORD_KEY = "admin-password";
const DATA_DIR = "/var/lib/grafana";

export function grafanaHost(config: StackConfig): string {
  return `grafana.${config.domain}`;
}

/** One ConfigMap per dashboard: a ConfigMap holds at most 1 MiB, and dashboards grow. */
export function dashboardConfigMapName(file: string): string {
  return `grafana-dashboard-${dnsName(file)}`.slice(0, 63).replace(/-+$/, "");
}

export function ingressAnnotations(config: StackConfig): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (config.certManagerClusterIssuer !== "") {
    annotations["cert-manager.io/cluster-issuer"] = config.certManagerClusterIssuer;
  }
  if (config.ingressAuth === "basic") {
    annotations["nginx.ingress.kubernetes.io/auth-type"] = "basic";
    annotations["nginx.ingress.kubernetes.io/auth-secret"] = config.ingressBasicAuthSecret;
    annotations["nginx.ingress.kubernetes.io/auth-realm"] = "Plue monitoring";
  } else {
    if (config.oauth2ProxyUrl === "") {
      throw new Error('ingressAuth "oauth2-proxy" needs oauth2ProxyUrl (the oauth2-proxy base URL)');
    }
    const base = config.oauth2ProxyUrl.replace(/\/+$/, "");
    annotations["nginx.ingress.kubernetes.io/auth-url"] = `${base}/oauth2/auth`;
    annotations["nginx.ingress.kubernetes.io/auth-signin"] =
      `${base}/oauth2/start?rd=$scheme://$host$escaped_request_uri`;
    annotations["nginx.ingress.kubernetes.io/auth-response-headers"] =
      "X-Auth-Request-User,X-Auth-Request-Email";
  }
  return annotations;
}

export function grafana(config: StackConfig, rendered: RenderedConfigs): KubeObject[] {
  const version = imageVersion(config.images.grafana);
  const objectLabels = labels(name, "dashboards", version);
  const namespace = config.namespace;
  const provisioningFiles = Object.keys(rendered.grafanaProvisioning).sort();
  const dashboardFiles = Object.keys(rendered.dashboards).sort();

  // A password given as a reference is read from that Secret; only a value gets a Secret of ours.
  const password = config.grafanaAdminPassword;
  const { secret: adminSecret, source: adminSource } = secretValueSource(
    password,
    meta(GRAFANA_ADMIN_SECRET, objectLabels, namespace),
    ADMIN_PASSWORD_KEY,
  );
  const provisioning = new ConfigMap({
    metadata: meta(PROVISIONING_MAP, objectLabels, namespace),
    data: Object.fromEntries(
      provisioningFiles.map((file) => [fileKey(file), rendered.grafanaProvisioning[file] as string]),
    ),
  });
  const dashboardMaps = dashboardFiles.map(
    (file) =>
      new ConfigMap({
        metadata: meta(dashboardConfigMapName(file), objectLabels, namespace),
        data: { [fileKey(file)]: rendered.dashboards[file] as string },
      }),
  );
  const claim = new PersistentVolumeClaim({
    metadata: meta(name, objectLabels, namespace),
    spec: volumeClaimSpec(config, config.grafanaStorageSize),
  });

  const env = [
    { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
    // Read from the Secret's file, never from the pod spec: the image's entrypoint turns GF_*__FILE
    // into the variable at start (grafana/grafana packaging/docker/run.sh), so a rotated referenced
    // Secret needs a restart. Grafana applies it when it creates the admin user (first start);
    // docs/kubernetes.md says how to change it later.
    { name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: `${SECRETS_DIR}/${ADMIN_PASSWORD_KEY}` },
    { name: "GF_SERVER_ROOT_URL", value: `https://${grafanaHost(config)}/` },
    { name: "GF_SERVER_DOMAIN", value: grafanaHost(config) },
    { name: "GF_SECURITY_COOKIE_SECURE", value: "true" },
    { name: "GF_SECURITY_DISABLE_GRAVATAR", value: "true" },
    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
    // Nothing leaves the cluster: no update checks, no usage reports, no plugin downloads.
    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
    { name: "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", value: "false" },
    { name: "GF_PLUGINS_PREINSTALL_DISABLED", value: "true" },
    { name: "GF_PATHS_DATA", value: DATA_DIR },
    { name: "GF_PATHS_PROVISIONING", value: mounts.grafanaProvisioning },
    { name: "GF_PATHS_LOGS", value: "/var/log/grafana" },
    { name: "GF_LOG_MODE", value: "console" },
    // /metrics on port 3000, which the grafana job scrapes: on by default, stated because the job
    // relies on it. No [metrics] basic_auth_* is set, so Prometheus needs no credentials; from outside,
    // /metrics sits behind the Ingress' authentication like every other path.
    { name: "GF_METRICS_ENABLED", value: "true" },
    // ingress-nginx passes the basic-auth header on; Grafana must not take it for its own login.
    ...(config.ingressAuth === "basic" ? [{ name: "GF_AUTH_BASIC_ENABLED", value: "false" }] : []),
  ];

  const deployment = singleReplicaDeployment(name, objectLabels, namespace, {
    // Never two pods on the ReadWriteOnce volume (and SQLite) at once.
    strategy: { type: "Recreate" },
    podAnnotations: {
      // Datasources and dashboard providers are read at start: a change restarts Grafana.
      "checksum/config": checksum({
        ...Object.fromEntries(
          provisioningFiles.map((f) => [`provisioning/${f}`, rendered.grafanaProvisioning[f] as string]),
        ),
        ...Object.fromEntries(
          dashboardFiles.map((f) => [`dashboards/${f}`, rendered.dashboards[f] as string]),
        ),
      }),
    },
    podSpec: {
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(UID),
      containers: [
        {
          name,
          image: config.images.grafana,
          env,
          ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
          resources: resources({
            requests: { cpu: "250m", memory: "256Mi" },
            limits: { cpu: "1", memory: "1Gi" },
          }),
          // Database migrations on an upgrade can take a while before /api/health answers.
          startupProbe: httpProbe("/api/health", "http", { failureThreshold: 30 }),
          readinessProbe: httpProbe("/api/health", "http"),
          livenessProbe: httpProbe("/api/health", "http", { failureThreshold: 6 }),
          securityContext: containerSecurityContext(),
          volumeMounts: [
            { name: "data", mountPath: DATA_DIR },
            { name: "provisioning", mountPath: mounts.grafanaProvisioning, readOnly: true },
            { name: "dashboards", mountPath: mounts.grafanaDashboards, readOnly: true },
            { name: "admin", mountPath: SECRETS_DIR, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
            { name: "logs", mountPath: "/var/log/grafana" },
          ],
        },
      ],
      volumes: [
        { name: "data", persistentVolumeClaim: { claimName: name } },
        {
          name: "provisioning",
          projected: {
            sources: [
              {
                configMap: {
                  name: PROVISIONING_MAP,
                  items: provisioningFiles.map((file) => ({ key: fileKey(file), path: file })),
                },
              },
            ],
          },
        },
        {
          name: "dashboards",
          projected: {
            sources: dashboardFiles.map((file) => ({
              configMap: {
                name: dashboardConfigMapName(file),
                items: [{ key: fileKey(file), path: file }],
              },
            })),
          },
        },
        {
          name: "admin",
          secret: {
            secretName: adminSource.name,
            defaultMode: 0o440,
            items: [{ key: adminSource.key, path: ADMIN_PASSWORD_KEY }],
          },
        },
        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
        { name: "logs", emptyDir: { sizeLimit: "64Mi" } },
      ],
    },
  });

  const service = clusterIPService(name, objectLabels, namespace, [servicePort("http", port)]);

  const ingress = new Ingress({
    metadata: meta(name, objectLabels, namespace, ingressAnnotations(config)),
    spec: {
      ingressClassName: config.ingressClassName,
      tls: [{ hosts: [grafanaHost(config)], secretName: GRAFANA_TLS_SECRET }],
      rules: [
        {
          host: grafanaHost(config),
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: { service: { name, port: { name: "http" } } } },
            ],
          },
        },
      ],
    },
  });

  return [
    ...(adminSecret ? [adminSecret] : []),
    provisioning,
    ...dashboardMaps,
    claim,
    service,
    deployment,
    ingress,
  ];
}
