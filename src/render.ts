// One way to write YAML everywhere: no line folding (PromQL and templates stay on one line as written),
// and every string YAML 1.1 would read as something else quoted. kubectl and Prometheus read YAML 1.1
// (Go's yaml.v2), where a plain `y`, `on` or `1_000` is a boolean or a number: a namespace "y" would
// break the kustomization.
import { stringify } from "yaml";

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1" });
}

/** Several objects as one multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((value) => `---\n${toYaml(value)}`).join("");
}
