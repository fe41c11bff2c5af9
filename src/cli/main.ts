// The plue-monitoring command: dispatch, and the one place exit codes are decided.
//   0 ok · 1 anything else · 2 bad input (config, flags)
import { ConfigError } from "../config/errors.ts";
import { backupCommand } from "./backup.ts";
import { checkMetricsCommand } from "./check-metrics.ts";
import { type CommandContext, processContext } from "./context.ts";
import { faultCommand } from "./fault.ts";
import { sizeCommand } from "./size.ts";
import { synthCommand } from "./synth.ts";
import { testCommand } from "./test-rules.ts";
import { upCommand } from "./up.ts";
import { UsageError } from "./usage-error.ts";
import { verifyCommand } from "./verify.ts";

type Command = (args: string[], context: CommandContext) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  synth: { run: synthCommand, summary: "write manifests, configs, rules and dashboards to DIR" },
  test: { run: testCommand, summary: "run promtool unit tests against the rules synth writes" },
  "check-metrics": { run: checkMetricsCommand, summary: "check /metrics endpoints against the contract" },
  fault: { run: faultCommand, summary: "apply or clear a fault in the running local stack" },
  up: { run: upCommand, summary: "run the stack locally on real binaries until Ctrl-C" },
  verify: { run: verifyCommand, summary: "check on the live stack that every alert can fire" },
  size: { run: sizeCommand, summary: "estimate Prometheus' series, memory and disk for N nodes and M pods" },
  backup: {
    run: backupCommand,
    summary: "copy a TSDB snapshot of a running Prometheus to DIR (restore: up --restore DIR)",
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(14)} ${summary}`);
  return [
    "Usage: plue-monitoring <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run plue-monitoring <command> --help for its options.",
  ].join("\n");
}

/**
 * node:util's message for a flag problem, without the stray argument it would quote: after
 * `--set grafanaAdminPassword hunter2` that argument is a secret.
 */
function parseArgsMessage(error: Error & { code?: unknown }, args: readonly string[]): string {
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    // `--set grafanaAdminPassword --hunter2`: an "option" right after a split --set is its value.
    const option = /^Unknown option '([^']*)'/.exec(error.message)?.[1] ?? "";
    const at = args.findIndex((arg) => option !== "" && arg.startsWith(option));
    if (at >= 2 && args[at - 2] === "--set" && !args[at - 1]?.includes("=")) {
      return `unexpected argument #${at + 1} (not shown: it may be a secret): --set takes KEY=VALUE as one argument, with no space around =`;
    }
    return error.message;
  }
  if (error.code !== "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return error.message;
  const at = args.findIndex((arg) => error.message.startsWith(`Unexpected argument '${arg}'.`));
  const afterSet = at >= 2 && args[at - 2] === "--set";
  return afterSet
    ? `unexpected argument #${at + 1} (not shown: it may be a secret): --set takes KEY=VALUE as one argument, with no space around =`
    : `unexpected argument${at >= 0 ? ` #${at + 1}` : ""} (not shown: it may be a secret); this command takes no positional arguments`;
}

export async function main(argv: string[], context: CommandContext = processContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    context.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    context.stderr(`plue-monitoring: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      context.stderr(`plue-monitoring ${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      context.stderr(
        `plue-monitoring ${name}: ${parseArgsMessage(error, args)}\nRun plue-monitoring ${name} --help for its options.`,
      );
      return 2;
    }
    context.stderr(`plue-monitoring ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
