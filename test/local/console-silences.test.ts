// The console's silence form reads matchers as amtool writes them and durations as Alertmanager
// takes them; what it cannot read is named, every problem at once. (A browser module, run in node.)
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

interface Silences {
  parseMatchers(text: string): { matchers: Matcher[]; problems: string[] };
  durationMs(text: string): number | undefined;
}

const SILENCES_FILE = join(import.meta.dirname, "..", "..", "src", "local", "console", "page", "silences.js");
const silences = (await import(pathToFileURL(SILENCES_FILE).href)) as Silences;

describe("parseMatchers", () => {
  it("reads the four operators, quoted or bare", () => {
    expect(
      silences.parseMatchers('alertname="ServiceDown", service!=web, namespace=~"plue|web", pod!~"api-.*"'),
    ).toEqual({
      matchers: [
        { name: "alertname", value: "ServiceDown", isRegex: false, isEqual: true },
        { name: "service", value: "web", isRegex: false, isEqual: false },
        { name: "namespace", value: "plue|web", isRegex: true, isEqual: true },
        { name: "pod", value: "api-.*", isRegex: true, isEqual: false },
      ],
      problems: [],
    });
  });

  it("keeps commas and escaped quotes inside a quoted value", () => {
    expect(silences.parseMatchers('summary="a, \\"b\\""').matchers).toEqual([
      { name: "summary", value: 'a, "b"', isRegex: false, isEqual: true },
    ]);
  });

  it("names every matcher it cannot read", () => {
    const { problems } = silences.parseMatchers('alertname is ServiceDown, 9lives="x", job="api"');
    expect(problems).toEqual([
      '"alertname is ServiceDown" is not name=value, name!=value, name=~regex or name!~regex',
      '"9lives=\\"x\\"" is not name=value, name!=value, name=~regex or name!~regex',
    ]);
  });

  it("refuses a silence that would match nothing in particular", () => {
    expect(silences.parseMatchers("").problems).toEqual([
      'give at least one matcher, e.g. alertname="ServiceDown"',
    ]);
    expect(silences.parseMatchers('service!="web"').problems).toEqual([
      "at least one matcher must match something (name=value with a value)",
    ]);
  });
});

describe("durationMs", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1.5d", 129_600_000],
  ])("%s is %i ms", (text, ms) => {
    expect(silences.durationMs(text)).toBe(ms);
  });

  it.each(["", "1", "0h", "2 weeks", "-1h"])("%j is refused", (text) => {
    expect(silences.durationMs(text)).toBeUndefined();
  });
});
