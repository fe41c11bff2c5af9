// One way to write YAML everywhere: no line folding (PromQL and templates stay on one line as written).
import { stringify } from "yaml";

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several objects as one multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((value) => `---\n${toYaml(value)}`).join("");
}
