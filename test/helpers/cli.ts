// The CLI's main() in this process, as a test runs it: what the bin would print, line by line, and
// the exit code, without a Node start-up per run. One test per command still runs the real bin.
import type { CommandContext } from "../../src/cli/context.ts";
import { main } from "../../src/cli/main.ts";

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** main(args) with this working directory and environment (by default this one's, without TF_VAR_*). */
export async function runMain(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<MainResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CommandContext = {
    cwd: options.cwd,
    env: options.env ?? withoutTfVars(process.env),
    stdout: (line) => stdout.push(`${line}\n`),
    stderr: (line) => stderr.push(`${line}\n`),
  };
  const code = await main([...args], context);
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

export function withoutTfVars(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("TF_VAR_")));
}
