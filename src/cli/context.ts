/** What a command may touch of the outside world; tests pass their own. */
export interface CommandContext {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(line: string): void;
  stderr(line: string): void;
}

export const processContext: CommandContext = {
  cwd: process.cwd(),
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};
