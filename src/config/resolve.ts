// Turns the config's sources into one validated StackConfig. Pure: the caller reads files and the
// environment. Precedence: --set > environment (TF_VAR_*) > config file > defaults.
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { extensionProblems } from "../extensions/problems.ts";
import { ConfigError, type ConfigProblem, showValue } from "./errors.ts";
import { type KeySpec, keySpecByKey, keySpecs, type StackConfig, thresholdPairs } from "./schema.ts";
import { isObjectInput } from "./secret-reference.ts";

/** One value from one source, at a key or a dotted nested key (images.grafana). */
interface Entry {
  path: string;
  value: unknown;
  source: string;
}

export interface Layer {
  entries: Entry[];
  problems: ConfigProblem[];
}

const REQUIRED = keySpecs.filter((spec) => spec.default === undefined).map((spec) => spec.key);

export const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** The TF_VAR_ name of a key: the seed's variable where the seed has one, else its snake_case. */
export const envName = (spec: KeySpec) => `TF_VAR_${spec.seedName ?? snakeCase(spec.key)}`;

function isSecretPath(path: string): boolean {
  const [head, ...rest] = path.split(".");
  const spec = keySpecByKey.get(head as string);
  return spec?.secret === true || rest.some((part) => spec?.secretFields?.includes(part) === true);
}

const HIDDEN = "<secret value hidden>";

/** A value with its secret fields replaced, at any depth. */
function redactFields(value: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => redactFields(item, fields));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([field, inner]) => [
      field,
      fields.includes(field) ? HIDDEN : redactFields(inner, fields),
    ]),
  );
}

const REFERENCE_FIELDS = ["secretName", "key"];

/**
 * Whether the path lies in a secret given as a reference to an existing Secret: an object where a
 * secret key or field takes a string. A reference names a Secret and may be shown.
 */
function inSecretReference(path: string, merged: Record<string, unknown>): boolean {
  const parts = path.split(".");
  const spec = keySpecByKey.get(parts[0] as string);
  let at: unknown = merged;
  for (const [index, part] of parts.entries()) {
    at = isObjectInput(at) || Array.isArray(at) ? (at as Record<string, unknown>)[part] : undefined;
    const secret = index === 0 ? spec?.secret === true : spec?.secretFields?.includes(part) === true;
    // basicAuth is a secret field that holds an object of its own: only one naming a Secret counts.
    const value = at;
    const naming = isObjectInput(value) && (index === 0 || REFERENCE_FIELDS.some((field) => field in value));
    if (secret && naming) return true;
  }
  return false;
}

/** A reference as it may be shown: its two fields only, so nothing else given beside them is. */
function shownReference(path: string, value: unknown): string {
  if (isObjectInput(value)) {
    const fields = REFERENCE_FIELDS.filter((field) => typeof value[field] === "string");
    return showValue(Object.fromEntries(fields.map((field) => [field, value[field]])), false);
  }
  if (value === undefined) return "(missing)";
  const field = path.split(".").at(-1) as string;
  return REFERENCE_FIELDS.includes(field) ? showValue(value, false) : showValue(value, true);
}

/**
 * A value as it may be shown. A key with secret fields given as text that is not JSON (a --set cut
 * off mid-list) is hidden whole: where its secrets are cannot be known.
 */
function shownValue(path: string, value: unknown, merged: Record<string, unknown>): string {
  const spec = keySpecByKey.get(path.split(".")[0] as string);
  if (inSecretReference(path, merged)) return shownReference(path, value);
  if (isSecretPath(path)) return showValue(value, true);
  if (!spec?.secretFields) return showValue(value, false);
  if (!path.includes(".") && typeof value === "string") return showValue(value, true);
  return showValue(redactFields(value, spec.secretFields), false);
}

function suggestion(name: string, candidates: readonly string[]): string {
  const direct = candidates.find((candidate) => candidate.toLowerCase() === camelCase(name).toLowerCase());
  const best = direct ?? closest(name, candidates as string[]);
  const close =
    direct !== undefined ||
    distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(name.length / 3));
  return close ? `; did you mean ${best}?` : "";
}

function unknownKey(path: string, source: string, candidates: readonly string[], prefix = ""): ConfigProblem {
  const name = path.slice(prefix.length);
  const known = candidates.map((candidate) => `${prefix}${candidate}`);
  return {
    key: path,
    message: `unknown key${suggestion(`${prefix}${name}`, known)}`,
    source,
  };
}

/** Resolves a key written as camelCase, the seed's snake_case, or a dotted nested key. */
function resolvePath(name: string): { spec: KeySpec; path: string; nested?: string } | undefined {
  const [head, ...rest] = name.split(".");
  const spec = keySpecByKey.get(head as string) ?? keySpecs.find((candidate) => candidate.seedName === head);
  if (!spec) return undefined;
  if (rest.length === 0) return { spec, path: spec.key };
  return { spec, path: `${spec.key}.${rest.join(".")}`, nested: rest.join(".") };
}

const nestedKeys = (spec: KeySpec) =>
  spec.kind === "object" && spec.default && typeof spec.default === "object" ? Object.keys(spec.default) : [];

/** A config file's contents: an object of camelCase keys. */
export function fileLayer(contents: unknown, source: string): Layer {
  if (contents === null || typeof contents !== "object" || Array.isArray(contents)) {
    return {
      entries: [],
      problems: [{ key: source, message: "a config file must hold an object of keys", source }],
    };
  }
  const entries: Entry[] = [];
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(contents)) {
    const spec = keySpecByKey.get(key);
    if (spec) addValue(spec, value, source, { entries, problems });
    else problems.push(unknownKey(key, source, [...keySpecByKey.keys()]));
  }
  return { entries, problems };
}

/**
 * A key's value into a layer. An object key's value (images) is split into its nested keys, so that
 * it is merged over the defaults and other sources key by key, whichever source it comes from.
 */
function addValue(spec: KeySpec, value: unknown, source: string, layer: Layer): void {
  if (spec.kind !== "object" || value === null || typeof value !== "object" || Array.isArray(value)) {
    layer.entries.push({ path: spec.key, value, source });
    return;
  }
  for (const [nested, nestedValue] of Object.entries(value)) {
    if (nestedKeys(spec).includes(nested)) {
      layer.entries.push({ path: `${spec.key}.${nested}`, value: nestedValue, source });
    } else {
      layer.problems.push(unknownKey(`${spec.key}.${nested}`, source, nestedKeys(spec), `${spec.key}.`));
    }
  }
}

/**
 * A nested key's --set text: a number, null or list when it reads as one in JSON
 * (clusterSize.nodes=100, ingestion.extraKeep=["a"]), otherwise the text itself (images.grafana=…).
 */
function nestedValue(text: string): unknown {
  const parsed = coerce({ kind: "list" }, text);
  return typeof parsed === "string" ? text : parsed;
}

/** A string from the environment or --set, turned into the key's kind of value. */
function coerce(spec: Pick<KeySpec, "kind" | "secret">, text: string): unknown {
  switch (spec.kind) {
    case "number":
      // Decimal only: Number() would also read 0x10 as 16, and "" or " " as 0.
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
    case "list":
    case "object":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return spec.secret === true ? secretOrReference(text) : text;
  }
}

/**
 * A secret key's text: a reference to an existing Secret when it is a JSON object
 * ({"secretName":"grafana-admin","key":"password"}), otherwise the secret value itself.
 */
function secretOrReference(text: string): unknown {
  if (!text.trimStart().startsWith("{")) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObjectInput(parsed) ? parsed : text;
  } catch {
    return text;
  }
}

/** TF_VAR_<seed_name> (and TF_VAR_<snake_case> for keys beyond the seed). Unknown TF_VARs belong to others. */
export function envLayer(env: Readonly<Record<string, string | undefined>>): Layer {
  const layer: Layer = { entries: [], problems: [] };
  for (const spec of keySpecs) {
    const name = envName(spec);
    const text = env[name];
    if (text !== undefined) addValue(spec, coerce(spec, text), name, layer);
  }
  return layer;
}

/**
 * A --set argument without KEY=: never shown, since what follows the key may be a secret
 * (`--set grafana_admin_password:hunter2`). A key it starts with is named, to say what was meant.
 */
function malformedSet(assignment: string): ConfigProblem {
  const resolved = knownPrefix(assignment);
  const hint = resolved ? `; did you mean --set ${resolved.key}=…?` : "";
  return {
    key: resolved ? resolved.key : "--set",
    shown: `<argument hidden, ${assignment.length} characters>`,
    message: `expected KEY=VALUE in one argument${hint}`,
    source: "--set",
  };
}

/** The key whose name (camelCase or the seed's) is the longest start of `text`, if any. */
function knownPrefix(text: string): KeySpec | undefined {
  const names = keySpecs.flatMap((spec) =>
    [spec.key, spec.seedName ?? spec.key].map((name) => ({ name, spec })),
  );
  const matching = names.filter(({ name }) => text.toLowerCase().startsWith(name.toLowerCase()));
  return matching.sort((a, b) => b.name.length - a.name.length)[0]?.spec;
}

/** --set KEY=VALUE, KEY in camelCase, the seed's snake_case, or dotted (images.grafana). */
export function setLayer(assignments: readonly string[]): Layer {
  const entries: Entry[] = [];
  const problems: ConfigProblem[] = [];
  for (const assignment of assignments) {
    const at = assignment.indexOf("=");
    const name = assignment.slice(0, Math.max(at, 0));
    // `grafanaAdminPassword:hunter2=x` has an "=", but what precedes it is no key: never shown.
    if (at <= 0 || !/^[A-Za-z_]\w*(\.\w+)*$/.test(name)) {
      problems.push(malformedSet(assignment));
      continue;
    }
    const text = assignment.slice(at + 1);
    const resolved = resolvePath(name);
    if (!resolved && knownPrefix(name)) {
      // A key with more glued on (grafanaAdminPasswordhunter2=…): what follows may be a secret.
      problems.push(malformedSet(assignment));
    } else if (!resolved) {
      problems.push(unknownKey(name, "--set", [...keySpecByKey.keys()]));
    } else if (resolved.nested !== undefined && !nestedKeys(resolved.spec).includes(resolved.nested)) {
      const prefix = `${resolved.spec.key}.`;
      problems.push(
        nestedKeys(resolved.spec).length > 0
          ? unknownKey(resolved.path, "--set", nestedKeys(resolved.spec), prefix)
          : { key: resolved.path, message: `${resolved.spec.key} has no nested keys`, source: "--set" },
      );
    } else if (resolved.nested !== undefined) {
      entries.push({
        path: resolved.path,
        value: nestedValue(text),
        source: "--set",
      });
    } else {
      addValue(resolved.spec, coerce(resolved.spec, text), "--set", { entries, problems });
    }
  }
  return { entries, problems };
}

/** Namespaces Kubernetes and its add-ons own: the stack's kustomization would manage (and delete) them. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * The stack's namespace gets a privileged Pod Security level and a default-deny NetworkPolicy, and
 * `kubectl delete -k` deletes it: it must be a namespace of its own.
 */
function namespaceProblems(config: StackConfig, sources: ReadonlyMap<string, string>): ConfigProblem[] {
  const others: [string, string][] = [
    ["appNamespace", config.appNamespace],
    ["ingressControllerNamespace", config.ingressControllerNamespace],
    ...SYSTEM_NAMESPACES.map((name): [string, string] => ["a system namespace", name]),
  ];
  const clash = others.find(([, name]) => name === config.namespace);
  const problems: ConfigProblem[] = [];
  if (clash) {
    problems.push({
      key: "namespace",
      shown: JSON.stringify(config.namespace),
      message: `is ${clash[0] === "a system namespace" ? clash[0] : `also ${clash[0]}`}; the stack needs a namespace of its own, which it labels, locks down and deletes with it (such as monitoring)`,
      source: sources.get("namespace") ?? "default",
    });
  }
  if (SYSTEM_NAMESPACES.includes(config.appNamespace) && config.appNamespace !== "default") {
    problems.push({
      key: "appNamespace",
      shown: JSON.stringify(config.appNamespace),
      message:
        "is a system namespace; its scrape NetworkPolicy selects every pod there, which would cut off all other ingress to them",
      source: sources.get("appNamespace") ?? "default",
    });
  }
  return problems;
}

/** Rules between keys, checked once each key is valid on its own. */
function crossKeyProblems(config: StackConfig, sources: ReadonlyMap<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [warning, critical] of thresholdPairs) {
    if (config[warning] >= config[critical]) {
      problems.push({
        key: warning,
        shown: String(config[warning]),
        message: `must be below ${critical} (${config[critical]}), or the warning could never fire before the critical`,
        source: sources.get(warning) ?? "default",
      });
    }
  }
  problems.push(...namespaceProblems(config, sources));
  if (config.ingressAuth === "oauth2-proxy" && config.oauth2ProxyUrl === "") {
    problems.push({
      key: "oauth2ProxyUrl",
      shown: '""',
      message:
        'required when ingressAuth is "oauth2-proxy"; expected the oauth2-proxy base URL (https://oauth2.plue.dev)',
      source: sources.get("oauth2ProxyUrl") ?? "default",
    });
  }
  problems.push(...extensionProblems(config, sources));
  return problems;
}

const stackSchema = z.object(Object.fromEntries(keySpecs.map((spec) => [spec.key, spec.schema]))).strict();

/**
 * Merges layers (lowest precedence first) over the defaults and validates the result. Throws a
 * ConfigError listing every problem at once.
 */
export function resolveConfig(layers: readonly Layer[]): StackConfig {
  const problems: ConfigProblem[] = layers.flatMap((layer) => layer.problems);
  const merged: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const spec of keySpecs) {
    if (spec.default !== undefined) merged[spec.key] = structuredClone(spec.default);
  }
  for (const { path, value, source } of layers.flatMap((layer) => layer.entries)) {
    const [key, nested] = path.split(".") as [string, string | undefined];
    if (nested === undefined) {
      merged[key] = value;
    } else {
      const parent = merged[key];
      merged[key] = { ...(parent !== null && typeof parent === "object" ? parent : {}), [nested]: value };
    }
    sources.set(path, source);
  }

  const missing = new Set(REQUIRED.filter((key) => merged[key] === undefined || merged[key] === ""));
  for (const key of missing) {
    const spec = keySpecByKey.get(key) as KeySpec;
    problems.push({
      key,
      message: `required; accepted: ${spec.accepts}. Set it in the config file, ${envName(spec)} or --set ${key}=…`,
    });
  }

  const result = stackSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      const key = path[0] as string;
      if (missing.has(key)) continue;
      const spec = keySpecByKey.get(key);
      const dotted = path.join(".");
      const value = path.reduce<unknown>(
        (at, part) => (at as Record<string, unknown> | undefined)?.[part],
        merged,
      );
      const accepted =
        issue.code === "invalid_type" && path.length === 1 && spec
          ? spec.accepts
          : issue.code === "unrecognized_keys"
            ? `no field ${issue.keys.map((field) => JSON.stringify(field)).join(" or ")} here${spec ? `; ${spec.key} accepts ${spec.accepts}` : ""}`
            : issue.message;
      problems.push({
        key: dotted,
        shown: shownValue(dotted, value, merged),
        message: `not accepted; expected ${accepted}`,
        source: sourceOf(sources, path),
      });
    }
  }

  if (result.success) problems.push(...crossKeyProblems(result.data as unknown as StackConfig, sources));

  if (problems.length > 0) throw new ConfigError(problems);
  return result.data as unknown as StackConfig;
}

/** Where a value at a path came from: the source of the longest prefix of it that was set. */
function sourceOf(sources: ReadonlyMap<string, string>, path: readonly string[]): string {
  for (let length = path.length; length > 0; length--) {
    const source = sources.get(path.slice(0, length).join("."));
    if (source !== undefined) return source;
  }
  return "default";
}
