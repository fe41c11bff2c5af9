// Reads the config's sources from disk and the environment, then resolves them.
import { existsSync, readFileSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./errors.ts";
import { envLayer, fileLayer, type Layer, resolveConfig, setLayer } from "./resolve.ts";
import type { StackConfig, UserConfig } from "./schema.ts";

export const CONFIG_FILE_NAMES = [
  "plue-monitoring.config.ts",
  "plue-monitoring.config.json",
  "plue-monitoring.config.yaml",
];

export interface ConfigSources {
  cwd: string;
  /** --config FILE; when absent, plue-monitoring.config.{ts,json,yaml} in cwd if there is one. */
  configFile?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** --set KEY=VALUE, in order. */
  sets: readonly string[];
  /** Values below everything else but the defaults (the local stack's example values). */
  base?: UserConfig;
}

function findConfigFile(cwd: string): string | undefined {
  const present = CONFIG_FILE_NAMES.filter((name) => existsSync(resolve(cwd, name)));
  if (present.length > 1) {
    throw new ConfigError([
      { key: "--config", message: `found ${present.join(" and ")}; keep one, or choose with --config FILE` },
    ]);
  }
  return present[0] && resolve(cwd, present[0]);
}

async function readConfigFile(path: string): Promise<unknown> {
  const name = basename(path);
  if (!existsSync(path))
    throw new ConfigError([{ key: "--config", shown: JSON.stringify(path), message: "no such file" }]);
  try {
    switch (extname(path)) {
      case ".json":
        return JSON.parse(readFileSync(path, "utf8"));
      case ".yaml":
      case ".yml":
        return parseYaml(readFileSync(path, "utf8")) ?? {};
      case ".ts":
      case ".mts":
      case ".js":
      case ".mjs": {
        const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
        return typeof module.default === "function" ? await module.default() : module.default;
      }
      default:
        throw new ConfigError([
          {
            key: "--config",
            shown: JSON.stringify(name),
            message: "accepted: a .ts, .json or .yaml config file",
          },
        ]);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // Parser messages may quote file content, which may hold secrets: name only the file and position.
    const where = error instanceof Error && "linePos" in error ? " (YAML syntax error)" : "";
    const detail = error instanceof SyntaxError ? "not valid JSON" : `could not be read${where}`;
    throw new ConfigError([{ key: "--config", shown: JSON.stringify(name), message: detail }]);
  }
}

export async function loadConfig(sources: ConfigSources): Promise<StackConfig> {
  const layers: Layer[] = [];
  if (sources.base) layers.push({ ...fileLayer(sources.base, "built-in local values"), problems: [] });
  const file = sources.configFile ? resolve(sources.cwd, sources.configFile) : findConfigFile(sources.cwd);
  if (file) layers.push(fileLayer(await readConfigFile(file), basename(file)));
  layers.push(envLayer(sources.env), setLayer(sources.sets));
  return resolveConfig(layers);
}
