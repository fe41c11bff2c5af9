// Prometheus' target relabeling, as documented for relabel_config, to see which targets a scrape
// config really ends up with. Regexes are RE2 and fully anchored; the syntax our configs use (groups,
// alternation, classes, (?P<name>…), a leading (?i)) means the same in JavaScript.
import { createHash } from "node:crypto";

export type Labels = Record<string, string>;

export interface RelabelRule {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  modulus?: number;
  action?: string;
}

function compile(regex: string | undefined): RegExp {
  let source = regex ?? "(.*)";
  let flags = "";
  if (source.startsWith("(?i)")) {
    source = source.slice(4);
    flags = "i";
  }
  source = source.replaceAll("(?P<", "(?<");
  return new RegExp(`^(?:${source})$`, flags);
}

/** Go's regexp.Expand: $1, ${1}, $name, ${name}, $$; "$1x" names group "1x" (empty when absent). */
export function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_, whole, braced, bare) => {
    if (whole === "$") return "$";
    const name = (braced ?? bare) as string;
    if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
    return match.groups?.[name] ?? "";
  });
}

function sum64(value: string): bigint {
  const digest = createHash("md5").update(value).digest();
  return digest.readBigUInt64BE(8);
}

/** Applies the rules in order; undefined when the target is dropped. */
export function relabel(input: Labels, rules: readonly RelabelRule[]): Labels | undefined {
  let labels: Labels = { ...input };
  for (const rule of rules) {
    const action = rule.action ?? "replace";
    const separator = rule.separator ?? ";";
    const regex = compile(rule.regex);
    const value = (rule.source_labels ?? []).map((name) => labels[name] ?? "").join(separator);
    const replacement = rule.replacement ?? "$1";
    switch (action) {
      case "replace": {
        const match = regex.exec(value);
        if (!match || rule.target_label === undefined) break;
        const target = expand(rule.target_label, match);
        const result = expand(replacement, match);
        if (result === "") delete labels[target];
        else labels[target] = result;
        break;
      }
      case "keep":
        if (!regex.test(value)) return undefined;
        break;
      case "drop":
        if (regex.test(value)) return undefined;
        break;
      case "keepequal":
        if (value !== (labels[rule.target_label ?? ""] ?? "")) return undefined;
        break;
      case "dropequal":
        if (value === (labels[rule.target_label ?? ""] ?? "")) return undefined;
        break;
      case "lowercase":
        labels[rule.target_label ?? ""] = value.toLowerCase();
        break;
      case "uppercase":
        labels[rule.target_label ?? ""] = value.toUpperCase();
        break;
      case "hashmod":
        labels[rule.target_label ?? ""] = String(sum64(value) % BigInt(rule.modulus ?? 1));
        break;
      case "labelmap": {
        const next: Labels = { ...labels };
        for (const [name, labelValue] of Object.entries(labels)) {
          const match = regex.exec(name);
          if (match) next[expand(replacement, match)] = labelValue;
        }
        labels = next;
        break;
      }
      case "labeldrop":
        labels = Object.fromEntries(Object.entries(labels).filter(([name]) => !regex.test(name)));
        break;
      case "labelkeep":
        labels = Object.fromEntries(Object.entries(labels).filter(([name]) => regex.test(name)));
        break;
      default:
        throw new Error(`relabel action ${action} is not simulated`);
    }
  }
  return labels;
}
