// Config files that are modules (.ts, .mts, .js, .mjs): imported as ES modules in any folder, and their
// failures described by file, line and column without quoting the file, which may hold secrets.
import { register } from "node:module";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "./errors.ts";
import { configFileError, redactQuoted } from "./parse-file.ts";

// Marks a config module's URL; each load gets a new value, so a file written since the last load is
// read afresh rather than served from the module cache.
const MARK = "plue-monitoring-config";

// Node resolves a .ts file in a folder without "type": "module" as CommonJS, and a CommonJS config
// cannot import the ES modules it is written against (src/index.ts). These hooks resolve the marked
// config, and the local .ts files it imports that would be CommonJS, as ES modules (carrying the mark
// on). Every other import resolves as usual, and the TypeScript loader already registered (tsx, in
// bin/plue-monitoring.mjs) still compiles each file.
const HOOKS = `
import { fileURLToPath, pathToFileURL } from "node:url";
const MARK = ${JSON.stringify(MARK)};
export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith("file:") && new URL(specifier).searchParams.has(MARK)) {
    return { url: specifier, format: "module", shortCircuit: true };
  }
  const resolved = await nextResolve(specifier, context);
  const parent = context.parentURL?.startsWith("file:") ? new URL(context.parentURL) : undefined;
  const mark = parent?.searchParams.get(MARK);
  const local = /^(?:\\.{1,2}\\/|\\/|file:)/.test(specifier);
  if (!mark || !local || !resolved.url.startsWith("file:") || resolved.format?.startsWith("module")) {
    return resolved;
  }
  const url = new URL(resolved.url);
  url.search = "";
  url.hash = "";
  // Loaders may tuck a query into the path of a CommonJS URL (tsx does); the file ends before it.
  const path = fileURLToPath(url).split("?")[0];
  if (!path.endsWith(".ts") || /[\\\\/]node_modules[\\\\/]/.test(path)) return resolved;
  const forced = pathToFileURL(path);
  forced.searchParams.set(MARK, mark);
  return { url: forced.href, format: "module", shortCircuit: true };
}
`;

let hooksRegistered = false;
let loads = 0;

/** Imports a config module and returns its default export, called first if it is a function. */
export async function loadConfigModule(path: string): Promise<unknown> {
  if (!hooksRegistered) {
    register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);
    hooksRegistered = true;
  }
  const url = pathToFileURL(path);
  loads += 1;
  url.searchParams.set(MARK, String(loads));
  try {
    const module = (await import(url.href)) as { default?: unknown };
    return typeof module.default === "function" ? await module.default() : module.default;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw configFileError(path, describeModuleError(error, path));
  }
}

// Node's errors for an import it cannot resolve or load: their messages name modules and files only.
const RESOLUTION_ERRORS = new Set([
  "ERR_MODULE_NOT_FOUND",
  "ERR_REQUIRE_ESM",
  "ERR_REQUIRE_CYCLE_MODULE",
  "ERR_REQUIRE_ASYNC_MODULE",
  "ERR_UNSUPPORTED_DIR_IMPORT",
  "ERR_PACKAGE_PATH_NOT_EXPORTED",
  "ERR_UNKNOWN_FILE_EXTENSION",
  "ERR_IMPORT_ATTRIBUTE_MISSING",
]);

// Errors the JavaScript engine raises; their messages quote the code at fault.
const ENGINE_ERRORS = new Set([
  "SyntaxError",
  "TypeError",
  "ReferenceError",
  "RangeError",
  "EvalError",
  "URIError",
]);

// Names a CommonJS file uses that an ES module lacks.
const COMMONJS_NAMES = new Set(["require", "module", "exports", "__dirname", "__filename"]);

function describeModuleError(error: unknown, path: string): string {
  if (!(error instanceof Error)) return `threw a value that is not an Error (${typeof error})`;
  const message = error.message.split("\n")[0] ?? "";
  const compile = describeTransformError(error.message, path);
  if (compile) return compile;
  const code = "code" in error ? String(error.code) : "";
  if (RESOLUTION_ERRORS.has(code)) return `import failed: ${message}`;
  const where = positionInStack(error.stack ?? "", path);
  const at = where ? ` at ${basename(path)}:${where}` : "";
  // A missing export is found when the module is linked; the message names modules and exports only.
  if (/^The requested module '[^']*' does not provide an export named '[^']*'$/.test(message)) {
    return `import failed${at}: ${message}`;
  }
  if (error.name === "SyntaxError") return `syntax error${at}: ${redactQuoted(message)}`;
  if (!ENGINE_ERRORS.has(error.name)) return `threw${at}: ${error.name}: ${message}`;
  // "hunter2 is not defined", "config.hooks is not a function": the subject is the code at fault.
  const subject = /^(.+?)( is not (?:defined|a function|a constructor|iterable|async iterable)\b.*)$/.exec(
    message,
  );
  let shown = redactQuoted(message);
  if (subject?.[1] && subject[2]) {
    shown = COMMONJS_NAMES.has(subject[1])
      ? `${message} (a config file is an ES module: use import, export default and import.meta.dirname)`
      : `<expression>${redactQuoted(subject[2])}`;
  }
  return `threw${at}: ${error.name}: ${shown.replace(/^Class constructor \S+/, "Class constructor <name>")}`;
}

/**
 * esbuild's compile errors, which tsx passes on as "Transform failed with N error(s):" and a line
 * `file:line:column: ERROR: text` each; esbuild counts columns from 0.
 */
function describeTransformError(message: string, path: string): string | undefined {
  if (!message.startsWith("Transform failed with")) return undefined;
  const errors = [...message.matchAll(/^(.+?):(\d+):(\d+): ERROR: (.*)$/gm)];
  const [file, line, column, text] = errors[0]?.slice(1) ?? [];
  if (!file || !line || !column || text === undefined) return "syntax error";
  const name = file.split("?")[0] === path ? basename(path) : file;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `syntax error at ${name}:${line}:${Number(column) + 1}: ${redactQuoted(text)}${more}`;
}

/** line:column of the first place in the stack inside the config file; the engine counts both from 1. */
function positionInStack(stack: string, path: string): string | undefined {
  const file = `(?:${escapeRegExp(path)}|${escapeRegExp(pathToFileURL(path).href)})(?:\\?[^:\\s)]*)?`;
  // A syntax or link error starts its stack with "file:line", a line of code and a caret under the fault.
  const header = new RegExp(`^${file}:(\\d+)\\n.*\\n( *)\\^`).exec(stack);
  if (header) return `${header[1]}:${(header[2]?.length ?? 0) + 1}`;
  const frame = new RegExp(`${file}:(\\d+):(\\d+)`).exec(stack);
  return frame ? `${frame[1]}:${frame[2]}` : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
