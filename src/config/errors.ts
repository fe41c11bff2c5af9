// Bad input is reported all at once: one line per problem, naming the key, the value given (never a
// secret's) and what is accepted.
export interface ConfigProblem {
  /** The key at fault, dotted for nested keys (images.grafana), or the file or flag at fault. */
  key: string;
  /** The value as it should be shown; already redacted for secrets. undefined when not given. */
  shown?: string;
  /** What is accepted, or what went wrong. */
  message: string;
  /** Where the value came from: a config file, TF_VAR_x, --set, default. */
  source?: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const heading =
    problems.length === 1
      ? "invalid configuration (1 problem):"
      : `invalid configuration (${problems.length} problems):`;
  const lines = problems.map((problem) => {
    const given = problem.shown === undefined ? "" : ` = ${problem.shown}`;
    const from = problem.source ? ` (from ${problem.source})` : "";
    return `  - ${problem.key}${given}${from}: ${problem.message}`;
  });
  return [heading, ...lines].join("\n");
}

/** How a value appears in messages: JSON for plain values; secrets only by length. */
export function showValue(value: unknown, secret: boolean): string {
  if (secret) {
    const length = typeof value === "string" ? value.length : 0;
    return `<secret value hidden, ${length} characters>`;
  }
  // A URL refused for holding user:password@ (or a token@) must not print what it holds. Up to the
  // authority's last "@", as URL parsers read it: a password may hold an "@" of its own.
  const shown = (JSON.stringify(value) ?? String(value)).replace(/\/\/[^/?#\s"]*@/g, "//***@");
  // A 2 MB value is refused in one line, not echoed whole.
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}… (${shown.length} characters)` : shown;
}

const MAX_SHOWN = 200;
