// Reads the config's sources from disk and the environment, then resolves them.
import { existsSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import { loadConfigModule } from "./load-module.ts";
import { configFileError, parseJsonFile, parseYamlFile } from "./parse-file.ts";
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
  if (!existsSync(path))
    throw new ConfigError([{ key: "--config", shown: JSON.stringify(path), message: "no such file" }]);
  try {
    switch (extname(path)) {
      case ".json":
        return parseJsonFile(path);
      case ".yaml":
      case ".yml":
        return parseYamlFile(path);
      case ".ts":
      case ".mts":
      case ".js":
      case ".mjs":
        return await loadConfigModule(path);
      default:
        throw configFileError(path, "accepted: a .ts, .json or .yaml config file");
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // Reading failed (a directory, no permission): the code says why and quotes nothing.
    const code = error instanceof Error && "code" in error ? ` (${String(error.code)})` : "";
    throw configFileError(path, `could not be read${code}`);
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
