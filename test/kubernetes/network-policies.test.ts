// The NetworkPolicies admit every connection the stack makes and deny the rest. Prometheus' scrapes are
// not listed by hand: every job of the rendered prometheus.yml is discovered and relabeled in a
// simulated cluster, and each resulting target (namespace, pod, port) is checked against the
// policies of both ends. appNamespace is assumed to deny all ingress but what its policy file admits.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  type Destination,
  type Manifest,
  needsDns,
  resolveAddress,
  type SimCluster,
  type SimPod,
} from "./lib/cluster.ts";
import { connectionAllowed } from "./lib/network-policy.ts";
import { alertmanagerTargets, type ScrapeTarget, scrapeTargets } from "./lib/scrape.ts";
import { buildStack, type Stack, simulatedCluster } from "./lib/stack.ts";

const stack = buildStack();
const cluster = simulatedCluster(stack);

/** What appNamespace's owners are assumed to run: deny all ingress. */
const appNamespaceDefaultDeny: Manifest = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "default-deny", namespace: stack.config.appNamespace },
  spec: { podSelector: {}, policyTypes: ["Ingress"] },
};

function policiesOf(s: Stack): Manifest[] {
  return [
    ...s.objects.filter((o) => o.kind === "NetworkPolicy"),
    ...s.appNamespaceObjects.filter((o) => o.kind === "NetworkPolicy"),
    appNamespaceDefaultDeny,
  ];
}

const policies = policiesOf(stack);

function podOf(c: SimCluster, namespace: string, prefix: string): SimPod {
  const pod = c.pods.find((p) => p.namespace === namespace && p.name.startsWith(prefix));
  if (!pod) throw new Error(`no pod ${namespace}/${prefix}*`);
  return pod;
}

const ns = stack.config.namespace;
const prometheusPod = podOf(cluster, ns, "prometheus-0");
const coredns = podOf(cluster, "kube-system", "coredns");

function describeDestination(destination: Destination): string {
  switch (destination.kind) {
    case "pod":
      return `pod ${destination.pod.namespace}/${destination.pod.name}:${destination.port}/${destination.protocol}`;
    case "node":
      return `node ${destination.node.name}:${destination.port}`;
    case "apiserver":
      return `apiserver:${destination.port}`;
    case "external":
      return `${destination.host}:${destination.port}`;
  }
}

/** Every connection a source makes to host:port (with its DNS lookup), those the policies block. */
function blocked(
  policySet: readonly Manifest[],
  source: SimPod,
  host: string,
  port: number,
  protocol = "TCP",
  c: SimCluster = cluster,
): string[] {
  const problems: string[] = [];
  const check = (destination: Destination) => {
    const verdict = connectionAllowed(policySet, source, destination);
    if (!verdict.allowed) {
      const side = verdict.egress ? "ingress" : "egress";
      problems.push(
        `${source.namespace}/${source.name} → ${describeDestination(destination)} (${side} denied)`,
      );
    }
  };
  if (needsDns(host)) check({ kind: "pod", pod: coredns, port: 53, protocol: "UDP" });
  for (const destination of resolveAddress(c, host, port, protocol)) check(destination);
  return problems;
}

function scrapesBlocked(policySet: readonly Manifest[], targets: readonly ScrapeTarget[]): string[] {
  return targets.flatMap((t) =>
    blocked(policySet, prometheusPod, t.host, t.port).map((problem) => `job ${t.job}: ${problem}`),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
const configOf = (s: Stack, name: string): any =>
  s.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name).data;
const prometheusYml = parseYaml(configOf(stack, "prometheus-config")["prometheus.yml"]);
const targets = scrapeTargets(cluster, prometheusYml);

describe("Prometheus' scrapes", () => {
  it("every job of prometheus.yml has targets in the simulated cluster (the check is not vacuous)", () => {
    const jobs: string[] = prometheusYml.scrape_configs.map((c: Manifest) => c.job_name);
    expect(jobs).toEqual(
      expect.arrayContaining([
        "apiserver",
        "kubelet",
        "cadvisor",
        "kube-state-metrics",
        "node-exporter",
        "blackbox",
        "postgres-exporter",
        "api",
        "web",
        "electric",
        "kubernetes-pods",
        "prometheus",
        "alertmanager",
        "config-reloader",
        "grafana",
      ]),
    );
    for (const job of jobs) {
      expect(targets.filter((t) => t.job === job).length, `targets of job ${job}`).toBeGreaterThan(0);
    }
    const where = (job: string) => [
      ...new Set(targets.filter((t) => t.job === job).map((t) => `${t.host}:${t.port}`)),
    ];
    expect(where("node-exporter").sort()).toEqual(["10.0.0.1:9100", "10.0.0.2:9100"]);
    // node-exporter series carry the Kubernetes node name, to join kube-state-metrics' node series.
    const nodes = targets.filter((t) => t.job === "node-exporter").map((t) => `${t.host} ${t.labels.node}`);
    expect(nodes.sort()).toEqual(["10.0.0.1 node-a", "10.0.0.2 node-b"]);
    expect(where("kubernetes-pods")).toEqual([`${podOf(cluster, "team-x", "worker").ip}:8123`]);
    expect(where("api")).toEqual([`${podOf(cluster, "plue", "api").ip}:4000`]);
    // The stack itself: each Alertmanager replica, Grafana, and the reloader beside Prometheus and
    // each Alertmanager, on the pods' own addresses.
    const ip = (prefix: string) => podOf(cluster, ns, prefix).ip;
    expect(where("alertmanager").sort()).toEqual([
      `${ip("alertmanager-0")}:9093`,
      `${ip("alertmanager-1")}:9093`,
    ]);
    expect(where("grafana")).toEqual([`${ip("grafana")}:3000`]);
    expect(where("config-reloader").sort()).toEqual(
      [
        `${ip("prometheus-0")}:8080`,
        `${ip("prometheus-1")}:8080`,
        `${ip("alertmanager-0")}:8080`,
        `${ip("alertmanager-1")}:8080`,
      ].sort(),
    );
  });

  it("are all admitted, in the monitoring namespace, in appNamespace and elsewhere", () => {
    expect(scrapesBlocked(policies, targets)).toEqual([]);
  });

  it("alerts reach every Alertmanager replica", () => {
    const alertTargets = alertmanagerTargets(cluster, prometheusYml);
    expect(alertTargets.map((t) => `${t.host}:${t.port}`)).toEqual([
      `alertmanager-0.alertmanager-headless.${ns}.svc:9093`,
      `alertmanager-1.alertmanager-headless.${ns}.svc:9093`,
    ]);
    expect(scrapesBlocked(policies, alertTargets)).toEqual([]);
  });

  it("remote write and service discovery reach their servers", () => {
    for (const { url } of stack.config.remoteWrite) {
      const parsed = new URL(url);
      expect(blocked(policies, prometheusPod, parsed.hostname, Number(parsed.port || 443))).toEqual([]);
    }
    expect(blocked(policies, prometheusPod, "kubernetes.default.svc", 443)).toEqual([]);
  });

  it("a missing rule shows up as a blocked scrape of the job that needs it", () => {
    const withoutKubelet = structuredClone(policies);
    for (const policy of withoutKubelet) {
      if (policy.metadata.name !== "prometheus") continue;
      for (const rule of policy.spec.egress) {
        rule.ports = rule.ports?.filter((p: Manifest) => p.port !== 10250);
      }
    }
    expect(scrapesBlocked(withoutKubelet, targets).join("\n")).toMatch(
      /job kubelet: .* node node-a:10250 \(egress denied\)/,
    );

    const withoutAppPolicy = policies.filter((p) => p.metadata.name !== "allow-prometheus-scrape");
    expect(scrapesBlocked(withoutAppPolicy, targets).join("\n")).toMatch(
      /job api: .* pod plue\/api-7f9c-0:4000\/TCP \(ingress denied\)/,
    );

    const withoutKsmIngress = structuredClone(policies);
    const ksm = withoutKsmIngress.find((p) => p.metadata.name === "kube-state-metrics");
    ksm.spec.ingress = [];
    expect(scrapesBlocked(withoutKsmIngress, targets).join("\n")).toMatch(
      /job kube-state-metrics: .*:8080\/TCP \(ingress denied\)/,
    );

    // Alertmanager admitting Prometheus on 9093 alone: its reloader's scrape is refused.
    const withoutReloaderIngress = structuredClone(policies);
    const alertmanager = withoutReloaderIngress.find((p) => p.metadata.name === "alertmanager");
    for (const rule of alertmanager.spec.ingress) {
      rule.ports = rule.ports?.filter((p: Manifest) => p.port !== 8080);
    }
    expect(scrapesBlocked(withoutReloaderIngress, targets).join("\n")).toMatch(
      /job config-reloader: .* pod monitoring\/alertmanager-0:8080\/TCP \(ingress denied\)/,
    );

    // Grafana admitting only the ingress controller: the grafana job's scrape is refused. (Prometheus'
    // egress alone would not show it: annotated pods open every TCP port to it.)
    const withoutGrafanaScrape = structuredClone(policies);
    const grafana = withoutGrafanaScrape.find((p) => p.metadata.name === "grafana");
    grafana.spec.ingress = grafana.spec.ingress.filter((rule: Manifest) =>
      rule.from.every((peer: Manifest) => peer.namespaceSelector),
    );
    expect(scrapesBlocked(withoutGrafanaScrape, targets).join("\n")).toMatch(
      /job grafana: .*:3000\/TCP \(ingress denied\)/,
    );
  });
});

describe("the stack's other connections", () => {
  const pod = (prefix: string) => podOf(cluster, ns, prefix);

  it("Grafana reaches Prometheus at its datasource URL, and the ingress controller reaches Grafana", () => {
    const provisioning = configOf(stack, "grafana-provisioning");
    const datasources = parseYaml(provisioning["datasources__prometheus.yaml"]).datasources;
    expect(datasources.length).toBeGreaterThan(0);
    for (const datasource of datasources) {
      const url = new URL(datasource.url);
      expect(blocked(policies, pod("grafana"), url.hostname, Number(url.port))).toEqual([]);
    }
    const controller = podOf(cluster, "ingress-nginx", "ingress-nginx-controller");
    expect(blocked(policies, controller, `grafana.${ns}.svc`, 3000)).toEqual([]);
  });

  it("Alertmanager replicas gossip with every peer over TCP and UDP", () => {
    for (const replica of cluster.pods.filter(
      (p) => p.namespace === ns && p.name.startsWith("alertmanager-"),
    )) {
      const args: string[] = replica.spec.containers[0].args;
      const peers = args
        .filter((a) => a.startsWith("--cluster.peer="))
        .map((a) => a.slice("--cluster.peer=".length));
      expect(peers).toHaveLength(2);
      for (const peer of peers) {
        const [host, port] = peer.split(":");
        expect(blocked(policies, replica, host as string, Number(port), "TCP")).toEqual([]);
        expect(blocked(policies, replica, host as string, Number(port), "UDP")).toEqual([]);
      }
    }
  });

  it("Alertmanager reaches Slack, PagerDuty and the configured webhooks", () => {
    const { config } = stack;
    const urls = [
      config.alertmanagerSlackWebhook,
      "https://events.pagerduty.com/v2/enqueue",
      config.alertmanagerDefaultWebhookUrl,
      config.alertmanagerHeartbeatUrl,
    ];
    for (const url of urls) {
      const parsed = new URL(String(url));
      expect(blocked(policies, pod("alertmanager-0"), parsed.hostname, Number(parsed.port || 443))).toEqual(
        [],
      );
    }
  });

  it("blackbox-exporter reaches every URL the blackbox job probes", () => {
    const probed = targets.filter((t) => t.job === "blackbox").map((t) => t.params.target as string);
    expect(probed).toEqual(
      expect.arrayContaining(["https://plue.dev", "https://status.plue.dev:8443/health"]),
    );
    for (const url of probed) {
      const parsed = new URL(url);
      expect(
        blocked(policies, pod("blackbox-exporter"), parsed.hostname, Number(parsed.port || 443)),
      ).toEqual([]);
    }
  });

  it("postgres-exporter reaches its database; kube-state-metrics reaches the API server", () => {
    const dsn = new URL(String(stack.config.postgresExporterDsn));
    expect(blocked(policies, pod("postgres-exporter"), dsn.hostname, Number(dsn.port))).toEqual([]);
    expect(blocked(policies, pod("kube-state-metrics"), "kubernetes.default.svc", 443)).toEqual([]);
  });

  it("everything else is denied", () => {
    const stranger = podOf(cluster, "team-x", "worker");
    const controller = podOf(cluster, "ingress-nginx", "ingress-nginx-controller");
    const denied: [SimPod, string, number][] = [
      [stranger, `prometheus.${ns}.svc`, 9090],
      [stranger, `grafana.${ns}.svc`, 3000],
      [stranger, `alertmanager.${ns}.svc`, 9093],
      [controller, `prometheus.${ns}.svc`, 9090],
      [pod("grafana"), `alertmanager.${ns}.svc`, 9093],
      [pod("blackbox-exporter"), `prometheus.${ns}.svc`, 9090],
      [pod("blackbox-exporter"), "plue.dev", 80],
      [pod("alertmanager-0"), "hooks.slack.com", 80],
      [pod("grafana"), "grafana.com", 443],
      [pod("kube-state-metrics"), `prometheus.${ns}.svc`, 9090],
      // Not scraped, so not open: kube-state-metrics' own telemetry.
      [prometheusPod, `kube-state-metrics.${ns}.svc`, 8081],
      // The reloaders and Alertmanager admit Prometheus only.
      [pod("grafana"), pod("alertmanager-0").ip, 8080],
      [stranger, pod("prometheus-0").ip, 8080],
      [pod("kube-state-metrics"), pod("alertmanager-1").ip, 9093],
    ];
    for (const [source, host, port] of denied) {
      expect(
        blocked(policies, source, host, port).length,
        `${source.name} → ${host}:${port}`,
      ).toBeGreaterThan(0);
    }
  });

  it("without a DSN there is no postgres-exporter policy, and the rest still admits every scrape", () => {
    const minimal = buildStack({});
    expect(
      minimal.objects.filter((o) => o.kind === "NetworkPolicy").map((p) => p.metadata.name),
    ).not.toContain("postgres-exporter");
    const minimalCluster = simulatedCluster(minimal);
    const yml = parseYaml(configOf(minimal, "prometheus-config")["prometheus.yml"]);
    const minimalTargets = scrapeTargets(minimalCluster, yml);
    expect(minimalTargets.length).toBeGreaterThan(0);
    const source = podOf(minimalCluster, minimal.config.namespace, "prometheus-0");
    const problems = minimalTargets.flatMap((t) =>
      blocked(policiesOf(minimal), source, t.host, t.port, "TCP", minimalCluster),
    );
    expect(problems).toEqual([]);
  });
});
