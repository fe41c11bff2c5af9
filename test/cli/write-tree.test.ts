// Atomic output: a failure while writing leaves no new directory and an existing one untouched.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER, writeTreeAtomically } from "../../src/cli/write-tree.ts";
import { tempDir } from "../helpers/system.ts";

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

// "a" as a file and as a directory: the second write fails half-way through the tree.
const brokenTree = new Map([
  ["config/a", "first"],
  ["config/a/b", "cannot exist"],
]);

describe("writeTreeAtomically", () => {
  it("writes every file and a marker", () => {
    const out = join(dir.path, "deep/out");
    writeTreeAtomically(out, new Map([["config/x.yaml", "x: 1\n"]]));
    expect(readFileSync(join(out, "config/x.yaml"), "utf8")).toBe("x: 1\n");
    expect(existsSync(join(out, MARKER))).toBe(true);
  });

  it("leaves no directory behind, not even created parents, when writing fails half-way", () => {
    const out = join(dir.path, "new-parent/out");
    expect(() => writeTreeAtomically(out, brokenTree)).toThrow();
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it("keeps an existing output as it was when writing fails half-way", () => {
    const out = join(dir.path, "out");
    writeTreeAtomically(out, new Map([["config/old.yaml", "old"]]));
    expect(() => writeTreeAtomically(out, brokenTree)).toThrow();
    expect(readFileSync(join(out, "config/old.yaml"), "utf8")).toBe("old");
    expect(readdirSync(dir.path)).toEqual(["out"]);
  });

  it("refuses paths that leave the output directory", () => {
    expect(() => writeTreeAtomically(join(dir.path, "out"), new Map([["../escape", "x"]]))).toThrow(
      /outside/,
    );
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it("refuses to replace a file or a foreign directory", () => {
    writeFileSync(join(dir.path, "file"), "x");
    expect(() => writeTreeAtomically(join(dir.path, "file"), new Map())).toThrow(/not a directory/);
    mkdirSync(join(dir.path, "foreign"));
    writeFileSync(join(dir.path, "foreign/keep"), "x");
    expect(() => writeTreeAtomically(join(dir.path, "foreign"), new Map())).toThrow(/refusing/);
    expect(readdirSync(join(dir.path, "foreign"))).toEqual(["keep"]);
  });
});
