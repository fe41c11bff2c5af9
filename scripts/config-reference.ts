// Rewrites the config reference table in README.md from the schema.
import { readFileSync, writeFileSync } from "node:fs";
import { configReference } from "../src/config/reference.ts";

const start = "<!-- config-reference:start -->\n";
const end = "\n<!-- config-reference:end -->";
const readme = readFileSync("README.md", "utf8");
const [before, rest] = readme.split(start);
const after = rest?.split(end)[1];
if (before === undefined || after === undefined)
  throw new Error("README.md lacks the config-reference markers");
writeFileSync("README.md", `${before}${start}${configReference()}${end}${after}`);
