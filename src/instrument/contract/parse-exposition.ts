// A parser for the Prometheus text exposition format 0.0.4, following the grammar and the
// acceptance rules of Prometheus' own parser (github.com/prometheus/common expfmt): what it rejects,
// this rejects, with the line number. test/instrument/parse-exposition.test.ts holds both parsers
// to the same verdicts through promtool, which embeds the Go one.

export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** The series name as written: for histograms `…_bucket`, `…_count`, `…_sum`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  timestampMs?: number;
  line: number;
}

export interface MetricFamily {
  name: string;
  type: FamilyType;
  /** False when no TYPE line came before its first sample (Prometheus then calls it untyped). */
  typeDeclared: boolean;
  help?: string;
  /** Empty when only HELP/TYPE lines name it (prom-client does so for a labeled metric never observed). */
  samples: Sample[];
}

export class ExpositionSyntaxError extends Error {
  override name = "ExpositionSyntaxError";
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

const TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const METRIC_NAME_START = /[a-zA-Z_:]/;
const METRIC_NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_NAME_START = /[a-zA-Z_]/;
const LABEL_NAME_CHAR = /[a-zA-Z0-9_]/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Families by name, in the order they first appear. Throws ExpositionSyntaxError. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const typeFixed = new Set<MetricFamily>();
  const lines = text.split("\n");
  const last = lines.pop() ?? "";
  if (!isBlank(last)) {
    throw new ExpositionSyntaxError(
      lines.length + 1,
      "unexpected end of input (the last line must end with \\n)",
    );
  }

  /** The family a name belongs to: its own, or a summary's/histogram's for the suffixed series. */
  function familyOf(name: string): MetricFamily {
    const own = families.get(name);
    if (own) return own;
    const base = name.replace(/_(count|sum)$/, "");
    const summary = base !== name ? families.get(base) : undefined;
    if (summary?.type === "summary") return summary;
    const histogramBase = name.replace(/_(count|sum|bucket)$/, "");
    const histogram = histogramBase !== name ? families.get(histogramBase) : undefined;
    if (histogram?.type === "histogram") return histogram;
    const created: MetricFamily = { name, type: "untyped", typeDeclared: false, samples: [] };
    families.set(name, created);
    return created;
  }

  lines.forEach((text, index) => {
    const line = new Cursor(text, index + 1);
    line.skipBlanks();
    if (line.atEnd()) return;
    if (line.peek() === "#") parseComment(line, familyOf, typeFixed);
    else parseSample(line, familyOf, typeFixed);
  });
  return families;
}

function parseComment(
  line: Cursor,
  familyOf: (name: string) => MetricFamily,
  typeFixed: Set<MetricFamily>,
): void {
  line.next(); // '#'
  line.skipBlanks();
  const keyword = line.readUntilBlank();
  if (keyword !== "HELP" && keyword !== "TYPE") return; // a plain comment
  line.skipBlanks();
  if (line.atEnd()) return;
  const name = line.readName(METRIC_NAME_START, METRIC_NAME_CHAR);
  if (line.atEnd()) return;
  if (!name || !line.atBlank()) line.fail("invalid metric name in comment");
  const family = familyOf(name);
  line.skipBlanks();
  if (line.atEnd()) return;
  if (keyword === "HELP") {
    if (family.help !== undefined) line.fail(`second HELP line for metric name ${JSON.stringify(name)}`);
    family.help = line.readEscaped(null, ["\\", "n"]);
    return;
  }
  if (typeFixed.has(family)) {
    line.fail(
      `second TYPE line for metric name ${JSON.stringify(family.name)}, or TYPE reported after samples`,
    );
  }
  const type = line.rest().toLowerCase();
  if (!TYPES.has(type)) line.fail(`unknown metric type ${JSON.stringify(line.rest())}`);
  family.type = type as FamilyType;
  family.typeDeclared = true;
  typeFixed.add(family);
}

function parseSample(
  line: Cursor,
  familyOf: (name: string) => MetricFamily,
  typeFixed: Set<MetricFamily>,
): void {
  const name = line.readName(METRIC_NAME_START, METRIC_NAME_CHAR);
  if (!name) line.fail("invalid metric name");
  const family = familyOf(name);
  typeFixed.add(family); // a TYPE line after this one is an error
  line.skipBlanks();
  const labels: Record<string, string> = {};
  if (line.peek() === "{") {
    line.next();
    parseLabels(line, family, labels);
    line.skipBlanks();
  }
  const valueToken = line.readUntilBlank();
  const value = parseFloatToken(valueToken);
  if (value === undefined) line.fail(`expected float as value, got ${JSON.stringify(valueToken)}`);
  const sample: Sample = { name, labels, value, line: line.number };
  if (!line.atEnd()) {
    line.skipBlanks();
    const timestampToken = line.readUntilBlank();
    if (!/^[+-]?\d+$/.test(timestampToken) || !inInt64(BigInt(timestampToken))) {
      line.fail(`expected integer as timestamp, got ${JSON.stringify(timestampToken)}`);
    }
    if (!line.atEnd()) line.fail(`spurious string after timestamp: ${JSON.stringify(line.rest())}`);
    sample.timestampMs = Number(timestampToken);
  }
  family.samples.push(sample);
}

function parseLabels(line: Cursor, family: MetricFamily, labels: Record<string, string>): void {
  // The bucket bound of a histogram and the quantile of a summary are not identity labels.
  const special = family.type === "histogram" ? "le" : family.type === "summary" ? "quantile" : undefined;
  const seen = new Set<string>();
  for (;;) {
    line.skipBlanks();
    if (line.peek() === "}") {
      line.next();
      return;
    }
    const labelName = line.readName(LABEL_NAME_START, LABEL_NAME_CHAR);
    if (!labelName) line.fail(`invalid label name for metric ${JSON.stringify(family.name)}`);
    line.skipBlanks();
    if (line.peek() !== "=") line.fail(`expected '=' after label name, found ${describe(line.peek())}`);
    line.next();
    if (labelName === "__name__") line.fail('label name "__name__" is reserved');
    if (labelName !== special) {
      if (seen.has(labelName)) line.fail(`duplicate label names for metric ${JSON.stringify(family.name)}`);
      seen.add(labelName);
    }
    line.skipBlanks();
    if (line.peek() !== '"')
      line.fail(`expected '"' at start of label value, found ${describe(line.peek())}`);
    line.next();
    const value = line.readEscaped('"', ["\\", "n", '"']);
    if (labelName === special && parseFloatToken(value) === undefined) {
      line.fail(`expected float as value for '${special}' label, got ${JSON.stringify(value)}`);
    }
    labels[labelName] = value;
    line.skipBlanks();
    const separator = line.peek();
    if (separator === ",") line.next();
    else if (separator !== "}") line.fail(`unexpected end of label value ${JSON.stringify(value)}`);
  }
}

/** Go's strconv.ParseFloat as the Prometheus parser calls it: decimal, ±Inf, NaN; no hex, no `_`. */
export function parseFloatToken(token: string): number | undefined {
  if (/^nan$/i.test(token)) return Number.NaN;
  if (INFINITY.test(token)) return token.startsWith("-") ? -Infinity : Infinity;
  if (!DECIMAL.test(token)) return undefined;
  const value = Number(token);
  return Number.isFinite(value) ? value : undefined; // out of float64 range is an error in Go
}

function inInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

function describe(char: string | undefined): string {
  return char === undefined ? "end of line" : JSON.stringify(char);
}

/** One line being read; blanks are spaces and tabs, as in the format. */
class Cursor {
  private position = 0;
  constructor(
    private readonly text: string,
    readonly number: number,
  ) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }
  atBlank(): boolean {
    const char = this.peek();
    return char === " " || char === "\t";
  }
  peek(): string | undefined {
    return this.text[this.position];
  }
  next(): void {
    this.position++;
  }
  skipBlanks(): void {
    while (this.atBlank()) this.position++;
  }
  rest(): string {
    const rest = this.text.slice(this.position);
    this.position = this.text.length;
    return rest;
  }
  readUntilBlank(): string {
    const start = this.position;
    while (!this.atEnd() && !this.atBlank()) this.position++;
    return this.text.slice(start, this.position);
  }
  readName(start: RegExp, rest: RegExp): string {
    const from = this.position;
    if (!start.test(this.peek() ?? "")) return "";
    this.position++;
    while (rest.test(this.peek() ?? "")) this.position++;
    return this.text.slice(from, this.position);
  }
  /**
   * Text up to `close` (consumed) or, with null, to the end of the line, with the given escapes
   * (`\\`, `\n`, and `\"` in label values only). Any other escape is an error, as is a line that
   * ends before `close`.
   */
  readEscaped(close: string | null, escapes: readonly string[]): string {
    let value = "";
    while (!this.atEnd()) {
      const char = this.text[this.position++] as string;
      if (char === close) return value;
      if (char !== "\\") {
        value += char;
        continue;
      }
      const escaped = this.text[this.position++];
      if (escaped === undefined || !escapes.includes(escaped))
        this.fail(`invalid escape sequence '\\${escaped ?? ""}'`);
      value += escaped === "n" ? "\n" : escaped;
    }
    if (close !== null) this.fail(`label value ${JSON.stringify(value)} contains unescaped new-line`);
    return value;
  }
  fail(detail: string): never {
    throw new ExpositionSyntaxError(this.number, detail);
  }
}
