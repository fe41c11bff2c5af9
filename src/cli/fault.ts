// `plue-monitoring fault`: applies or clears a fault in the stack `plue-monitoring up` runs, through
// its control API, or lists the faults.
import { parseArgs } from "node:util";
import { FAULT_NAMES, faults, isFaultName } from "../local/faults.ts";
import { defaultTopology } from "../local/topology.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

export const faultUsage = `Usage: plue-monitoring fault NAME [--clear] [--control-port PORT]
       plue-monitoring fault --list [--control-port PORT]

Makes the running local stack (plue-monitoring up) suffer a fault, so that its alert fires; --clear
ends it, so that the alert resolves.
  --clear              clear the fault instead of applying it
  --list               list the faults, the alert each raises, and which are active
  --control-port PORT  the stack's control port, if up was started with --control-port (default: ${defaultTopology.control})

Faults: ${FAULT_NAMES.join(", ")}`;

interface ListedFault {
  name: string;
  alert: string;
  description: string;
  available: boolean;
  active: boolean;
}

interface FaultResult {
  name: string;
  alert: string;
  message: string;
  labels: Record<string, string>;
}

class StackUnreachable extends Error {
  override name = "StackUnreachable";
}

async function call(url: string, method: "GET" | "POST" | "DELETE"): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { method, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new StackUnreachable(`no running stack answers at ${new URL(url).origin} (${cause})`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${method} ${url}: HTTP ${response.status}`);
  return body;
}

const selector = (alert: string, labels: Record<string, string>) =>
  `${alert}{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(", ")}}`;

function formatList(listed: readonly ListedFault[] | undefined): string {
  const rows = faults.map((fault) => {
    const state = listed?.find((candidate) => candidate.name === fault.name);
    const status = !state ? "" : state.active ? "active" : state.available ? "" : "n/a";
    return `  ${fault.name.padEnd(22)} ${fault.alert.padEnd(30)} ${status.padEnd(7)} ${fault.description}`;
  });
  return [`  ${"FAULT".padEnd(22)} ${"ALERT".padEnd(30)} ${"STATE".padEnd(7)} WHAT HAPPENS`, ...rows].join(
    "\n",
  );
}

export async function faultCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      clear: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      "control-port": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    context.stdout(faultUsage);
    return 0;
  }
  const portText = values["control-port"] ?? String(defaultTopology.control);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--control-port: ${JSON.stringify(portText)} is not a port (1-65535)`);
  }
  const control = `http://${defaultTopology.host}:${port}`;

  if (values.list) {
    if (positionals.length > 0) throw new UsageError("--list takes no fault name");
    try {
      const listed = (await call(`${control}/faults`, "GET")) as ListedFault[];
      context.stdout(formatList(listed));
    } catch (error) {
      if (!(error instanceof StackUnreachable)) throw error;
      context.stdout(formatList(undefined));
      context.stdout(`\n(${error.message}: start it with plue-monitoring up)`);
    }
    return 0;
  }

  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError(`name a fault, or pass --list\n\n${faultUsage}`);
  if (extra.length > 0) throw new UsageError(`one fault at a time; got ${positionals.join(", ")}`);
  if (!isFaultName(name)) {
    throw new UsageError(`no fault named ${JSON.stringify(name)}; faults: ${FAULT_NAMES.join(", ")}`);
  }
  let result: FaultResult;
  try {
    result = (await call(`${control}/faults/${name}`, values.clear ? "DELETE" : "POST")) as FaultResult;
  } catch (error) {
    if (error instanceof StackUnreachable)
      throw new Error(`${error.message}: start it with plue-monitoring up`);
    throw error;
  }
  const expected = selector(result.alert, result.labels);
  context.stdout(
    values.clear
      ? `${name} cleared: ${result.message}. ${expected} should resolve.`
      : `${name} applied: ${result.message}. Expect ${expected} to fire once its \`for\` has passed.`,
  );
  return 0;
}
