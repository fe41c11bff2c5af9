// Just enough of the Prometheus text format to count series: each sample line's name and labels.
// Comments and blank lines are skipped; label values are unescaped only as far as telling them apart.

export interface Sample {
  name: string;
  labels: Record<string, string>;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    if (brace !== -1 && (space === -1 || brace < space)) {
      const close = line.lastIndexOf("}");
      const labels: Record<string, string> = {};
      for (const match of line.slice(brace + 1, close).matchAll(LABEL)) {
        labels[match[1] as string] = match[2] as string;
      }
      samples.push({ name: line.slice(0, brace), labels });
    } else {
      samples.push({ name: line.slice(0, space === -1 ? undefined : space), labels: {} });
    }
  }
  return samples;
}
