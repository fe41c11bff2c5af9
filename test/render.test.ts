// YAML as the consumers read it: kubectl and Prometheus parse YAML 1.1, where plain y, on or 1_000
// are not strings.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { toYaml } from "../src/render.ts";

describe("toYaml", () => {
  it("quotes every string YAML 1.1 would read as a boolean, a number or null", () => {
    const strings = [
      "y",
      "Y",
      "yes",
      "on",
      "Off",
      "no",
      "n",
      "1_000",
      "0x10",
      "017",
      "1e3",
      "1:20",
      "~",
      "null",
    ];
    const value = Object.fromEntries(strings.map((text) => [text, text]));
    const text = toYaml(value);
    expect(parse(text, { version: "1.1" })).toEqual(value);
    expect(parse(text, { version: "1.2" })).toEqual(value);
  });

  it("leaves plain words plain", () => {
    expect(toYaml({ namespace: "monitoring", pattern: "5.." })).toBe("namespace: monitoring\npattern: 5..\n");
  });
});
