// The whole stack as a tree of files: relative path → contents. Pure; the CLI writes it.
import { alertmanagerConfig } from "./alertmanager/index.ts";
import { type StackConfig, secretValuesIn } from "./config/schema.ts";
import { dashboardProvisioning, dashboards, datasourceProvisioning } from "./dashboards/index.ts";
import { cluster } from "./deployment.ts";
import { manifests, type RenderedConfigs } from "./kubernetes/index.ts";
import { blackboxConfig, prometheusConfig } from "./prometheus/index.ts";
import { toYaml } from "./render.ts";
import { ruleFiles } from "./rules/index.ts";

export type FileTree = Map<string, string>;

export function renderConfigs(config: StackConfig): RenderedConfigs {
  return {
    prometheusYml: toYaml(prometheusConfig(config, cluster)),
    ruleFiles: Object.fromEntries(
      ruleFiles(config).map((file) => [file.name, toYaml({ groups: file.groups })]),
    ),
    alertmanagerYml: toYaml(alertmanagerConfig(config, cluster)),
    dashboards: Object.fromEntries(
      dashboards(config).map((d) => [d.file, `${JSON.stringify(d.json, null, 2)}\n`]),
    ),
    grafanaProvisioning: {
      "datasources/prometheus.yaml": toYaml(datasourceProvisioning(config)),
      "dashboards/plue.yaml": toYaml(dashboardProvisioning(config)),
    },
    blackboxYml: toYaml(blackboxConfig(cluster)),
  };
}

/**
 * The files of a tree that hold a secret: every manifest with a Secret object, and any file a secret
 * value appears in (alertmanager.yml holds the webhook URLs). They are written readable by the owner only.
 */
export function privateFiles(tree: FileTree, config: StackConfig): Set<string> {
  const secrets = secretValuesIn(config);
  return new Set(
    [...tree]
      .filter(([, text]) => /^kind: Secret$/m.test(text) || secrets.some((secret) => text.includes(secret)))
      .map(([path]) => path),
  );
}

export function synthesize(config: StackConfig): FileTree {
  const rendered = renderConfigs(config);
  const tree: FileTree = new Map();
  for (const [file, text] of Object.entries(manifests(config, rendered))) tree.set(`manifests/${file}`, text);
  tree.set("config/prometheus/prometheus.yml", rendered.prometheusYml);
  for (const [file, text] of Object.entries(rendered.ruleFiles))
    tree.set(`config/prometheus/rules/${file}`, text);
  tree.set("config/alertmanager/alertmanager.yml", rendered.alertmanagerYml);
  for (const [file, text] of Object.entries(rendered.dashboards))
    tree.set(`config/grafana/dashboards/${file}`, text);
  for (const [file, text] of Object.entries(rendered.grafanaProvisioning)) {
    tree.set(`config/grafana/provisioning/${file}`, text);
  }
  return tree;
}
