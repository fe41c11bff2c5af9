// The exposition parser: what it reads, and that it accepts and rejects exactly what Prometheus'
// own parser does (promtool embeds it: `promtool check metrics` exits 1 on a parse error).
import { describe, expect, it } from "vitest";
import {
  ExpositionSyntaxError,
  parseExposition,
  parseFloatToken,
} from "../../src/instrument/contract/parse-exposition.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";

const PROM_CLIENT_STYLE = `# HELP http_server_request_duration_seconds Duration of HTTP server requests
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{le="0.5",http_request_method="GET",http_route="/users/:id",http_response_status_code="200"} 3
http_server_request_duration_seconds_bucket{le="+Inf",http_request_method="GET",http_route="/users/:id",http_response_status_code="200"} 4
http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/users/:id",http_response_status_code="200"} 1.25
http_server_request_duration_seconds_count{http_request_method="GET",http_route="/users/:id",http_response_status_code="200"} 4

# HELP http_server_active_requests HTTP server requests in flight
# TYPE http_server_active_requests gauge
http_server_active_requests 2
`;

describe("parseExposition", () => {
  it("groups a histogram's _bucket, _sum and _count series under its family, keeping every label", () => {
    const families = parseExposition(PROM_CLIENT_STYLE);
    expect([...families.keys()]).toEqual([
      "http_server_request_duration_seconds",
      "http_server_active_requests",
    ]);
    const histogram = families.get("http_server_request_duration_seconds");
    expect(histogram?.type).toBe("histogram");
    expect(histogram?.typeDeclared).toBe(true);
    expect(histogram?.help).toBe("Duration of HTTP server requests");
    expect(
      histogram?.samples.map((sample) => [sample.name, sample.labels.le, sample.value, sample.line]),
    ).toEqual([
      ["http_server_request_duration_seconds_bucket", "0.5", 3, 3],
      ["http_server_request_duration_seconds_bucket", "+Inf", 4, 4],
      ["http_server_request_duration_seconds_sum", undefined, 1.25, 5],
      ["http_server_request_duration_seconds_count", undefined, 4, 6],
    ]);
    expect(histogram?.samples[0]?.labels).toEqual({
      le: "0.5",
      http_request_method: "GET",
      http_route: "/users/:id",
      http_response_status_code: "200",
    });
    expect(families.get("http_server_active_requests")).toMatchObject({
      type: "gauge",
      samples: [{ value: 2 }],
    });
  });

  it("unescapes label values and help text, and reads timestamps and special values", () => {
    const families = parseExposition(
      [
        "# HELP a Back\\\\slash and\\nnewline",
        `a{path="C:\\\\DIR",msg="say \\"hi\\"\\nbye"} -Inf 1395066363000`,
        "b NaN",
        "c{} +3e2 -5",
        "",
      ].join("\n"),
    );
    expect(families.get("a")?.help).toBe("Back\\slash and\nnewline");
    expect(families.get("a")?.samples[0]).toMatchObject({
      labels: { path: "C:\\DIR", msg: 'say "hi"\nbye' },
      value: -Infinity,
      timestampMs: 1395066363000,
    });
    expect(families.get("a")?.typeDeclared).toBe(false);
    expect(families.get("b")?.samples[0]?.value).toBeNaN();
    expect(families.get("c")?.samples[0]).toMatchObject({ value: 300, timestampMs: -5 });
  });

  it("keeps a family named only by HELP/TYPE lines, with no samples", () => {
    const families = parseExposition("# HELP h Latency\n# TYPE h histogram\n");
    expect(families.get("h")).toEqual({
      name: "h",
      type: "histogram",
      typeDeclared: true,
      help: "Latency",
      samples: [],
    });
  });

  it("names the line and the reason of a syntax error", () => {
    expect(() => parseExposition('a 1\nb{x="1" 2\n')).toThrowError(
      new ExpositionSyntaxError(2, 'unexpected end of label value "1"'),
    );
    expect(() => parseExposition("a 1\n# TYPE a gauge\n")).toThrow(
      /line 2: second TYPE line for metric name "a"/,
    );
  });

  it("reads floats as Go's strconv.ParseFloat does", () => {
    expect(parseFloatToken("1e3")).toBe(1000);
    expect(parseFloatToken(".5")).toBe(0.5);
    expect(parseFloatToken("5.")).toBe(5);
    expect(parseFloatToken("+Inf")).toBe(Infinity);
    expect(parseFloatToken("-inf")).toBe(-Infinity);
    for (const bad of ["", "one", "0x10", "1_000", "1e400", "+NaN", "1,5"])
      expect(parseFloatToken(bad)).toBeUndefined();
  });
});

/** Exposition texts on which Prometheus' parser and this one must agree. */
const VALID = {
  "prom-client output": PROM_CLIENT_STYLE,
  "escaped label values": `a{path="C:\\\\DIR",msg="say \\"hi\\"\\nbye"} 1\n`,
  "trailing comma in labels": `a{x="1",} 1\n`,
  "blanks around every token": `  a  {  x = "1" , y="2" }   1 1395066363000\n`,
  "empty label set": "a{} 1\n",
  "no blank between labels and value": `a{x="1"}1\n`,
  "special and signed values": "a +Inf\nb -Inf\nc NaN\nd 1e3\ne .5\nf 5.\ng -0\nh +3\n",
  "negative timestamp": "a 1 -3982045\n",
  "comments and blank lines": "# just a comment\n\n#\n# HELP\n# TYPE\n# HELP a\na 1\n",
  "keyword right after #": "#TYPE a gauge\na 1\n",
  "a family's samples not adjacent": `a 1\nb 2\na{x="1"} 3\n`,
  "summary with quantiles": `# TYPE s summary\ns{quantile="0.5"} 1\ns{quantile="0.99"} 2\ns_sum 3\ns_count 4\n`,
  "untyped family": "# TYPE u untyped\nu 1\n",
  "last line blank without newline": "a 1\n   ",
  "empty input": "",
  "help with any text": '# HELP a text with {braces} and "quotes" and = signs\na 1\n',
  "a value that starts right after the name": "a-1 2\n",
  "histogram samples without le or suffix": "# TYPE h histogram\nh_bucket 1\nh 2\n",
  "non-ASCII label value": `a{x="é ✓"} 1\n`,
};

const INVALID = {
  "no newline after the last line": "a 1",
  "missing value": "a\n",
  "missing value after labels": `a{x="1"}\n`,
  "word as value": "a one\n",
  "hex value": "a 0x10\n",
  "blank after the value": "a 1 \n",
  "something after the timestamp": "a 1 2 3\n",
  "fractional timestamp": "a 1 1.5\n",
  "unterminated label value": `a{x="1} 1\n`,
  "unknown escape in label value": `a{x="\\t"} 1\n`,
  "unquoted label value": "a{x=1} 1\n",
  "duplicate label": `a{x="1",x="2"} 1\n`,
  "TYPE after samples": "a 1\n# TYPE a gauge\n",
  "second TYPE line": "# TYPE a gauge\n# TYPE a gauge\na 1\n",
  "second HELP line": "# HELP a one\n# HELP a two\na 1\n",
  "unknown type": "# TYPE a thing\na 1\n",
  "blank after the type": "# TYPE a gauge \na 1\n",
  "invalid metric name in a comment": "# HELP 1a x\n",
  "invalid metric name": "1a 1\n",
  "le that is no number": `# TYPE h histogram\nh_bucket{le="x"} 1\n`,
  "quantile that is no number": `# TYPE s summary\ns{quantile="high"} 1\n`,
  "invalid label name": `a{1x="1"} 1\n`,
  "no = after the label name": `a{x "1"} 1\n`,
  "CRLF line ends": "a 1\r\n",
  "no closing brace": `a{x="1" 1\n`,
  "TYPE of a histogram's _count": "# TYPE h histogram\n# TYPE h_count counter\nh_count 1\n",
  "reserved label name __name__": `a{__name__="b"} 1\n`,
  "quote escape in help text": '# HELP a say \\"hi\\"\na 1\n',
  "unknown escape in help text": "# HELP a tab\\there\na 1\n",
};

/** promtool's verdict: false when it reports a text-format parse error. */
async function promtoolParses(text: string): Promise<{ parses: boolean; output: string }> {
  const { code, output } = await promtoolCheckMetrics(text);
  // 0 clean, 3 lint problems only (naming, missing help): both parsed.
  if (code !== 0 && code !== 1 && code !== 3) throw new Error(`promtool exited ${code}: ${output}`);
  return { parses: code !== 1 || !/pars/i.test(output), output };
}

function ourParses(text: string): boolean {
  try {
    parseExposition(text);
    return true;
  } catch (error) {
    if (error instanceof ExpositionSyntaxError) return false;
    throw error;
  }
}

describe("parseExposition agrees with Prometheus' parser (promtool check metrics)", () => {
  it.each(Object.entries(VALID))("accepts: %s", async (_name, text) => {
    const promtool = await promtoolParses(text);
    expect(promtool.parses, `promtool: ${promtool.output}`).toBe(true);
    expect(ourParses(text)).toBe(true);
  });

  it.each(Object.entries(INVALID))("rejects: %s", async (_name, text) => {
    const promtool = await promtoolParses(text);
    expect(promtool.parses, `promtool accepted it: ${promtool.output}`).toBe(false);
    expect(ourParses(text)).toBe(false);
  });
});
