// The config reference table in README.md, generated from the schema (a test keeps them in sync).
import { envName } from "./resolve.ts";
import { keySpecs } from "./schema.ts";

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("<", "&lt;");

function shownDefault(key: string, value: unknown): string {
  if (value === undefined) return "required";
  if (key === "images") return "see src/config/images.ts";
  return `\`${JSON.stringify(value)}\``;
}

export function configReference(): string {
  const rows = keySpecs.map(
    (spec) =>
      `| \`${spec.key}\` | ${spec.seedName ? `\`${spec.seedName}\`` : ""} | \`${envName(spec)}\` | ${shownDefault(spec.key, spec.default)} | ${cell(spec.description)}${spec.secret ? " (secret)" : ""} | ${cell(spec.accepts)} |`,
  );
  return [
    "| key | seed variable | environment | default | meaning | accepts |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
