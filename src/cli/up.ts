// `plue-monitoring up`: the stack running on this machine, on real binaries, until Ctrl-C.
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.ts";
import { FAULT_NAMES } from "../local/faults.ts";
import { ALERTMANAGER_PORTS_FLAG, PORT_FLAGS, type PortKey, portConflicts } from "../local/ports.ts";
import { healthSummary, localBaseValues, localTiming, startLocalStack } from "../local/stack.ts";
import { formatCrashReport, Supervisor } from "../local/supervisor.ts";
import { DEFAULT_RECEIVER_PORT, defaultTopology, type LocalTopology } from "../local/topology.ts";
import type { Timing } from "../rules/timing.ts";
import { readBackup } from "./backup.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

const portKeys = Object.keys(PORT_FLAGS) as PortKey[];
const optionName = (flag: string) => flag.replace(/^--/, "");

const defaultPort = (key: PortKey) => defaultTopology[key] ?? DEFAULT_RECEIVER_PORT;

export const upUsage = `Usage: plue-monitoring up [--config FILE] [--set KEY=VALUE]... [--time-scale N] [--remote-write] [--restore DIR] [PORT FLAGS]

Runs the monitoring stack on this machine, on the real binaries, against a simulated Plue cluster,
until Ctrl-C (which stops every process and removes every temporary directory).
  --config FILE        plue-monitoring.config.{ts,json,yaml}; default: the one in the working directory
  --set KEY=VALUE      override one key; repeatable
  --time-scale N       run N times faster than real time: a 10m \`for\` becomes 10m/N, and so do windows,
                       scrape, evaluation and grouping intervals (default 1; 60 makes a minute last 1s).
                       Certificate thresholds stay real.
  --nodes A,B          node names of the simulated cluster (default: ${defaultTopology.nodes.join(",")})
  --remote-write       also run a second Prometheus receiving the first one's remote write (a stand-in
                       for a long-term store, on --receiver-port); the fault receiver-down stops it
  --restore DIR        start Prometheus on a copy of the backup in DIR (plue-monitoring backup --out DIR);
                       DIR itself is never changed

Ports (all on ${defaultTopology.host}):
${portKeys.map((key) => `  ${`${PORT_FLAGS[key].flag} PORT`.padEnd(31)}${PORT_FLAGS[key].component} (default ${defaultPort(key)})`).join("\n")}
  ${`${ALERTMANAGER_PORTS_FLAG} P1,P2`.padEnd(31)}the Alertmanagers' HTTP ports; each gossips on its port + 1 (default ${defaultTopology.alertmanagers.join(",")})`;

export interface UpOptions {
  configFile?: string;
  sets: string[];
  timeScale: number;
  topology: LocalTopology;
  /** Whether a receiving Prometheus runs (topology.receiver is its port). */
  remoteWrite: boolean;
  /** A backup directory (plue-monitoring backup) whose copy Prometheus starts on. */
  restore?: string;
  help: boolean;
}

function parsePort(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a port (1-65535)`);
  }
  return Number(text);
}

/** Flags → options; every problem with ports or the time scale is a UsageError (exit 2). */
export function parseUpArgs(args: string[]): UpOptions {
  const portOptions = Object.fromEntries(
    portKeys.map((key) => [optionName(PORT_FLAGS[key].flag), { type: "string" as const }]),
  );
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      set: { type: "string", multiple: true },
      "time-scale": { type: "string" },
      nodes: { type: "string" },
      "remote-write": { type: "boolean" },
      restore: { type: "string" },
      [optionName(ALERTMANAGER_PORTS_FLAG)]: { type: "string" },
      ...portOptions,
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const text = (name: string) => values[name as keyof typeof values] as string | undefined;

  const topology: LocalTopology = { ...defaultTopology, alertmanagers: [...defaultTopology.alertmanagers] };
  for (const key of portKeys) {
    const given = text(optionName(PORT_FLAGS[key].flag));
    if (given !== undefined) topology[key] = parsePort(PORT_FLAGS[key].flag, given);
  }
  // The receiver's port is claimed only when it runs.
  const remoteWrite = values["remote-write"] === true;
  if (remoteWrite) topology.receiver ??= DEFAULT_RECEIVER_PORT;
  else delete topology.receiver;
  const alertmanagers = text(optionName(ALERTMANAGER_PORTS_FLAG));
  if (alertmanagers !== undefined) {
    topology.alertmanagers = alertmanagers
      .split(",")
      .map((port) => parsePort(ALERTMANAGER_PORTS_FLAG, port.trim()));
  }
  const nodes = text("nodes");
  if (nodes !== undefined) {
    topology.nodes = nodes.split(",").map((node) => node.trim());
    const bad = topology.nodes.filter((node) => !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node));
    if (topology.nodes.length === 0 || bad.length > 0) {
      throw new UsageError(`--nodes: ${JSON.stringify(nodes)} is not a comma-separated list of node names`);
    }
  }
  const conflicts = portConflicts(topology);
  if (conflicts.length > 0) throw new UsageError(conflicts.join("\n"));

  const scaleText = text("time-scale") ?? "1";
  const timeScale = Number(scaleText);
  if (!/^\d+(\.\d+)?$/.test(scaleText) || !(timeScale >= 1)) {
    throw new UsageError(`--time-scale: ${JSON.stringify(scaleText)} is not a number of at least 1`);
  }
  return {
    ...(text("config") !== undefined ? { configFile: text("config") } : {}),
    sets: (values.set as string[] | undefined) ?? [],
    timeScale,
    topology,
    remoteWrite,
    ...(text("restore") !== undefined ? { restore: text("restore") } : {}),
    help: values.help === true,
  };
}

function timingFor(config: Parameters<typeof localTiming>[0], scale: number): Timing {
  try {
    return localTiming(config, scale);
  } catch (error) {
    throw new UsageError(`--time-scale: ${(error as Error).message}`);
  }
}

/** What a person looks at first comes first: the console, Prometheus, the Alertmanagers, Plue, the rest. */
const FIRST = ["Console", "Prometheus", "Alertmanager", "Plue", "Control API"];

function byInterest<T extends { name: string }>(urls: readonly T[]): T[] {
  const rank = (name: string) => {
    const index = FIRST.findIndex((prefix) => name.startsWith(prefix));
    return index === -1 ? FIRST.length : index;
  };
  // Array.prototype.sort is stable: start order within a rank.
  return [...urls].sort((a, b) => rank(a.name) - rank(b.name));
}

export async function upCommand(args: string[], context: CommandContext): Promise<number> {
  const options = parseUpArgs(args);
  if (options.help) {
    context.stdout(upUsage);
    return 0;
  }
  const config = await loadConfig({
    cwd: context.cwd,
    configFile: options.configFile,
    env: context.env,
    sets: options.sets,
    base: localBaseValues(),
  });
  const timing = timingFor(config, options.timeScale);
  // Checked before anything starts: a directory that is not a backup is bad input (exit 2).
  const restore = options.restore === undefined ? undefined : readBackup(options.restore, context.cwd);
  const began = Date.now();
  const stamp = () => `[${((Date.now() - began) / 1000).toFixed(1).padStart(5)}s]`;
  const supervisor = new Supervisor({ progress: (line) => context.stdout(`${stamp()}   ${line}`) });

  let stopped: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    stopped = resolve;
  });
  // Ctrl-C while starting stops what started; afterwards it stops the whole stack.
  const removeSignalHandlers = supervisor.stopOnSignals((code) => {
    context.stdout(`${stamp()} stopped: no process left, ${supervisor.root} removed`);
    stopped(code);
  });
  supervisor.onCrash((report) => {
    context.stderr(`${stamp()} ${formatCrashReport(report)}`);
    context.stderr(
      `${stamp()} It is not restarted: its alerts will show what its absence does. Ctrl-C stops everything.`,
    );
  });

  context.stdout(
    options.timeScale === 1
      ? "Starting the local stack in real time"
      : `Starting the local stack at time scale ${options.timeScale} (a \`for: 10m\` lasts ${timing.duration("10m")})`,
  );
  context.stdout(`Logs: ${supervisor.logDir} (removed on exit)`);
  if (restore) context.stdout(`Restoring ${restore.dir}: ${restore.summary}`);
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
      config,
      topology: options.topology,
      timing,
      supervisor,
      progress: (line) => context.stdout(`${stamp()} ${line}`),
      ...(restore ? { restoreFrom: restore.dir } : {}),
    });
  } catch (error) {
    // Ctrl-C while starting: the signal's shutdown is under way, and its exit code is the answer.
    if (supervisor.shuttingDown) return finished;
    removeSignalHandlers();
    await supervisor.shutdown().catch(() => {});
    throw error;
  }
  const width = Math.max(...stack.urls.map(({ name }) => name.length));
  const controlFlag =
    options.topology.control === defaultTopology.control ? "" : ` --control-port ${options.topology.control}`;
  context.stdout(
    [
      "",
      "Ready.",
      ...byInterest(stack.urls).map(({ name, url }) => `  ${name.padEnd(width)}  ${url}`),
      "",
      await healthSummary(stack),
      `Make something fail: npx plue-monitoring fault api-down${controlFlag} (--clear to end it; --list for all ${FAULT_NAMES.length}).`,
      `Watch it all in the console: ${stack.inbox?.url ?? "(not running)"}/. Ctrl-C stops everything.`,
    ].join("\n"),
  );
  return finished;
}
