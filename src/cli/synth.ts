// `plue-monitoring synth`: config in, the whole stack written to DIR.
import { parseArgs } from "node:util";
import { deliveryWarnings, riskWarnings } from "../alertmanager/delivery.ts";
import { loadConfig } from "../config/load.ts";
import { sizingWarnings } from "../sizing/configured.ts";
import { privateFiles, synthesize } from "../synth.ts";
import type { CommandContext } from "./context.ts";
import { writeTreeAtomically } from "./write-tree.ts";

export const synthUsage = `Usage: plue-monitoring synth [--config FILE] [--set KEY=VALUE]... [--out DIR]

Writes Kubernetes manifests and every config file of the stack to DIR (default: dist).
  --config FILE    plue-monitoring.config.{ts,json,yaml}; default: the one in the working directory
  --set KEY=VALUE  override one key (camelCase or the seed's snake_case name); repeatable
  --out DIR        output directory, replaced as a whole (default: dist)`;

export async function synthCommand(args: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      set: { type: "string", multiple: true },
      out: { type: "string", default: "dist" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    context.stdout(synthUsage);
    return 0;
  }
  const config = await loadConfig({
    cwd: context.cwd,
    configFile: values.config,
    env: context.env,
    sets: values.set ?? [],
  });
  const tree = synthesize(config);
  writeTreeAtomically(values.out, tree, privateFiles(tree, config));
  const count = (prefix: string) => [...tree.keys()].filter((path) => path.startsWith(prefix)).length;
  context.stdout(
    [
      `Wrote ${tree.size} files to ${values.out}/`,
      `  manifests/                    ${count("manifests/")} files   kubectl apply --server-side -k ${values.out}/manifests`,
      `  config/prometheus/            prometheus.yml and ${count("config/prometheus/rules/")} rule files`,
      "  config/alertmanager/          alertmanager.yml",
      `  config/grafana/               ${count("config/grafana/dashboards/")} dashboards and provisioning`,
    ].join("\n"),
  );
  for (const warning of [...deliveryWarnings(config), ...riskWarnings(config), ...sizingWarnings(config)]) {
    context.stderr(warning);
  }
  return 0;
}
