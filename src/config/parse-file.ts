// JSON and YAML config files, and what their syntax errors may say. A config file may hold secrets,
// so an error names the file, line and column and what is wrong there, never the text it found.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError } from "./errors.ts";

/** A problem with the config file as a whole, reported against --config. */
export function configFileError(path: string, message: string): ConfigError {
  return new ConfigError([{ key: "--config", shown: JSON.stringify(basename(path)), message }]);
}

/** 1-based line and column of a UTF-16 offset into text. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

// JavaScript's punctuators: the grammar's own tokens, which say what a parser expected or met without
// telling anything about the file.
const PUNCTUATORS = new Set(
  "{ } ( ) [ ] ; , : . ... ?. ? ?? => = == === != !== < > <= >= + - * / % ** ++ -- += -= *= /= ! ~ & | ^ && || @ #".split(
    " ",
  ),
);

/**
 * A parser's or the engine's message with its quoted source fragments hidden: a quoted fragment stays
 * only when it is a punctuator; anything else (a name, a keyword, a string or a number, any of which
 * may be a secret) becomes <token>. `Expected ";" but found "hunter2"` → `Expected ";" but found <token>`.
 */
export function redactQuoted(message: string): string {
  return message.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (quoted) =>
    PUNCTUATORS.has(quoted.slice(1, -1)) ? quoted : "<token>",
  );
}

export function parseJsonFile(path: string): unknown {
  const text = readFileSync(path, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // V8 states the offset for most faults; for an unexpected token it quotes the text around it instead.
    const stated = /in JSON at position (\d+)/.exec(error.message);
    const offset = stated ? Number(stated[1]) : jsonErrorOffset(text);
    const where = offset === undefined ? basename(path) : at(path, lineColumn(text, offset));
    throw configFileError(path, `JSON syntax error at ${where}: ${jsonReason(error.message)}`);
  }
}

export function parseYamlFile(path: string): unknown {
  const text = readFileSync(path, "utf8");
  try {
    // prettyErrors off: yaml's pretty messages and warnings carry a frame of the file's text.
    return parseYaml(text, { prettyErrors: false }) ?? {};
  } catch (error) {
    // yaml's messages may quote the text (an escape, a tag, an alias); its error codes never do.
    if (error instanceof YAMLParseError) {
      const what = error.code.toLowerCase().replaceAll("_", " ");
      throw configFileError(
        path,
        `YAML syntax error at ${at(path, lineColumn(text, error.pos[0]))}: ${what}`,
      );
    }
    throw configFileError(path, "not valid YAML");
  }
}

function jsonReason(message: string): string {
  if (message.includes(" is not valid JSON")) {
    // V8 quotes the text around the fault here: keep only the character at fault, if a punctuator.
    const char = /^Unexpected token '(.)'/s.exec(message)?.[1];
    return `Unexpected token ${char ? redactQuoted(`'${char}'`) : "<token>"}`;
  }
  return redactQuoted(message.split("\n")[0]?.replace(/ in JSON at position \d+.*$/, "") ?? "");
}

function at(path: string, { line, column }: { line: number; column: number }): string {
  return `${basename(path)}:${line}:${column}`;
}

/**
 * Where JSON text stops being valid JSON, for the faults V8 reports without an offset; undefined when
 * the text is valid.
 */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text.charAt(i))) i++;
  };
  const take = (char: string) => {
    if (text[i] !== char) fail();
    i++;
  };
  const string = () => {
    take('"');
    for (let char = text[i]; char !== '"'; char = text[i]) {
      if (char === undefined || char < " ") fail();
      if (char === "\\") {
        i++;
        const escaped = text.charAt(i);
        if (escaped === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (escaped === "" || !'"\\/bfnrt'.includes(escaped)) fail();
      }
      i++;
    }
    i++;
  };
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    space();
    const char = text[i];
    if (char === "{" || char === "[") {
      const close = char === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] !== close) {
        for (;;) {
          if (close === "}") {
            space();
            string();
            space();
            take(":");
          }
          value();
          space();
          if (text[i] === close) break;
          take(",");
        }
      }
      i++;
    } else if (char === '"') {
      string();
    } else if (char === "t" || char === "f" || char === "n") {
      for (const expected of char === "t" ? "true" : char === "f" ? "false" : "null") take(expected);
    } else {
      number.lastIndex = i;
      if (!number.test(text)) fail();
      i = number.lastIndex;
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonStop) return error.offset;
    throw error;
  }
}

class JsonStop {
  readonly offset: number;
  constructor(offset: number) {
    this.offset = offset;
  }
}
