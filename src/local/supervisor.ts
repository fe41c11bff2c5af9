// Runs the local stack's processes: each child in its own process group with its own log file, a
// readiness check before it counts as started, a report (not a restart loop) when one crashes, and a
// shutdown that leaves no process and no temporary directory behind.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Readiness =
  /** Ready once a GET of the URL answers 200. */
  | { kind: "http"; url: string }
  /** Ready once a TCP connection is accepted. */
  | { kind: "tcp"; host: string; port: number }
  /** Ready once check() resolves true (e.g. a database that accepts queries, not only connections). */
  | { kind: "check"; description: string; check: () => Promise<boolean> };

/** A port a component listens on, and the flag of `plue-monitoring up` that moves it. */
export interface PortClaim {
  host: string;
  port: number;
  flag: string;
}

export interface ChildSpec {
  /** Component name, used in progress lines, errors and the log file name. */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  readiness?: Readiness;
  readyTimeoutMs?: number;
  ports?: readonly PortClaim[];
  /** Signal asking the child to stop; SIGKILL follows after the grace period. */
  stopSignal?: NodeJS.Signals;
}

export interface CrashReport {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  logFile: string;
  lastLines: string[];
}

export type ComponentState = "starting" | "ready" | "stopped" | "crashed";

export interface ComponentStatus {
  name: string;
  state: ComponentState;
  pid?: number;
}

export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(
    readonly component: string,
    readonly host: string,
    readonly port: number,
    readonly flag: string,
  ) {
    super(
      `${component} cannot listen on ${host}:${port}: the port is in use. ` +
        `Stop whatever holds it, or choose another port with ${flag} PORT.`,
    );
  }
}

export class ChildCrashedError extends Error {
  override name = "ChildCrashedError";
  constructor(readonly report: CrashReport) {
    super(formatCrashReport(report));
  }
}

export class NotReadyError extends Error {
  override name = "NotReadyError";
}

export function formatCrashReport(report: CrashReport): string {
  const how = report.signal ? `was killed by ${report.signal}` : `exited with code ${report.code}`;
  const tail =
    report.lastLines.length > 0
      ? report.lastLines.map((line) => `  | ${line}`).join("\n")
      : "  | (empty log)";
  return `${report.name} ${how}. Last lines of ${report.logFile}:\n${tail}`;
}

export interface SupervisorOptions {
  /** Prefix of the temporary directory holding logs and data. */
  prefix?: string;
  /** How long a child may take to stop after its stop signal before it is killed. */
  graceMs?: number;
  /** Receives progress lines while starting and stopping. */
  progress?: (line: string) => void;
}

interface Child {
  spec: ChildSpec;
  process: ChildProcess;
  state: ComponentState;
  logFile: string;
  exited: Promise<void>;
  /** Set while we stop it on purpose: its exit is then no crash. */
  stopping: boolean;
}

interface InProcessComponent {
  name: string;
  stop: () => Promise<void>;
  state?: () => ComponentState;
}

const LOG_TAIL_LINES = 25;

export class Supervisor {
  /** Temporary directory holding every log and data directory; removed by shutdown(). */
  readonly root: string;
  private readonly children = new Map<string, Child>();
  private readonly inProcess: InProcessComponent[] = [];
  private readonly oneShots = new Set<ChildProcess>();
  /** Start order, so shutdown stops in reverse (exporters before what they watch). */
  private readonly order: string[] = [];
  private readonly crashListeners: ((report: CrashReport) => void)[] = [];
  private readonly graceMs: number;
  private readonly progress: (line: string) => void;
  private shutDown = false;
  private shutdownInProgress: Promise<void> | undefined;
  private readonly exitHook = () => this.killEverythingNow();

  constructor(options: SupervisorOptions = {}) {
    this.root = mkdtempSync(join(tmpdir(), options.prefix ?? "plue-monitoring-"));
    // Traversable by the unprivileged user PostgreSQL runs as; every subdirectory stays private.
    chmodSync(this.root, 0o711);
    mkdirSync(join(this.root, "logs"), { mode: 0o700 });
    this.graceMs = options.graceMs ?? 5_000;
    this.progress = options.progress ?? (() => {});
    // Last resort if the owning process exits without shutdown(): no orphan, no directory left.
    process.once("exit", this.exitHook);
  }

  /** A private directory for one component's files, inside root. */
  dir(name: string): string {
    const path = join(this.root, name);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return path;
  }

  get logDir(): string {
    return join(this.root, "logs");
  }

  logFile(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  onCrash(listener: (report: CrashReport) => void): void {
    this.crashListeners.push(listener);
  }

  /**
   * Registers something running in this process (an HTTP server) so shutdown() stops it too. `state`
   * reports it when it can be stopped on purpose while the stack runs (a Plue service under a fault).
   */
  adopt(name: string, stop: () => Promise<void>, state?: () => ComponentState): void {
    if (this.shutDown) {
      void stop();
      throw new Error(`cannot start ${name}: the stack is shutting down`);
    }
    this.inProcess.push({ name, stop, ...(state ? { state } : {}) });
    this.order.push(name);
  }

  /** Spawns a child and waits until it is ready; rejects if it crashes or never becomes ready. */
  async start(spec: ChildSpec): Promise<void> {
    if (this.shutDown) throw new Error(`cannot start ${spec.name}: the stack is shutting down`);
    const existing = this.children.get(spec.name);
    if (existing && (existing.state === "starting" || existing.state === "ready")) {
      throw new Error(`${spec.name} is already running`);
    }
    for (const claim of spec.ports ?? []) await assertPortFree(spec.name, claim);

    // Checked again right before spawning: a shutdown that began while ports were checked has
    // already listed the children it stops.
    if (this.shutDown) throw new Error(`cannot start ${spec.name}: the stack is shutting down`);
    const began = Date.now();
    this.progress(`${spec.name}: starting`);
    const { child, logFile } = this.spawnLogged(spec);
    const spawnFailed = new Promise<Error>((resolve) => child.once("error", resolve));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const entry: Child = { spec, process: child, state: "starting", logFile, exited, stopping: false };
    this.children.set(spec.name, entry);
    if (!this.order.includes(spec.name)) this.order.push(spec.name);

    child.once("exit", (code, signal) => {
      const wasStarting = entry.state === "starting";
      if (entry.stopping || this.shutDown) {
        entry.state = "stopped";
        return;
      }
      entry.state = "crashed";
      // A failure while starting is reported by start() itself.
      if (!wasStarting) {
        const report = this.crashReport(entry, code, signal);
        for (const listener of this.crashListeners) listener(report);
      }
    });

    const crashed = new Promise<CrashReport>((resolve) =>
      child.once("exit", (code, signal) => resolve(this.crashReport(entry, code, signal))),
    );
    const spawned = new Promise<void>((resolve) => child.once("spawn", () => resolve()));
    const ready = spawned.then(() => this.waitReady(entry));
    const outcome = await Promise.race([
      ready.then(() => ({ kind: "ready" as const })),
      crashed.then((report) => ({ kind: "crashed" as const, report })),
      spawnFailed.then((error) => ({ kind: "spawn-failed" as const, error })),
    ]).catch((error: unknown) => ({ kind: "not-ready" as const, error }));

    if (outcome.kind === "ready") {
      entry.state = "ready";
      this.progress(`${spec.name}: ready in ${((Date.now() - began) / 1000).toFixed(1)}s (pid ${child.pid})`);
      return;
    }
    entry.stopping = true;
    await this.stopChild(entry);
    if (outcome.kind === "spawn-failed") {
      throw new Error(`${spec.name}: cannot run ${spec.command}: ${outcome.error.message}`);
    }
    if (outcome.kind === "crashed") throw new ChildCrashedError(outcome.report);
    const tail = readTail(logFile, LOG_TAIL_LINES);
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    throw new NotReadyError(
      `${spec.name} did not become ready: ${message}. Last lines of ${logFile}:\n` +
        (tail.map((line) => `  | ${line}`).join("\n") || "  | (empty log)"),
    );
  }

  /** Spawns a command in its own process group (stopping it stops whatever it forked), output to its log. */
  private spawnLogged(spec: Pick<ChildSpec, "name" | "command" | "args" | "env" | "cwd">): {
    child: ChildProcess;
    logFile: string;
  } {
    const logFile = this.logFile(spec.name);
    const log = openSync(logFile, "a", 0o600);
    try {
      const child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd ?? this.root,
        env: spec.env ?? process.env,
        detached: true,
        stdio: ["ignore", log, log],
      });
      return { child, logFile };
    } finally {
      closeSync(log);
    }
  }

  /**
   * Runs a one-shot command (initdb) to completion in its own process group, logging to its own
   * file; a shutdown meanwhile kills it. Rejects with its last log lines when it fails.
   */
  async run(spec: Pick<ChildSpec, "name" | "command" | "args" | "env" | "cwd">): Promise<void> {
    if (this.shutDown) throw new Error(`cannot run ${spec.name}: the stack is shutting down`);
    const { child, logFile } = this.spawnLogged(spec);
    this.oneShots.add(child);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>(
      (resolve) => {
        child.once("error", resolve);
        child.once("exit", (code, signal) => resolve({ code, signal }));
      },
    );
    this.oneShots.delete(child);
    if (result instanceof Error)
      throw new Error(`${spec.name}: cannot run ${spec.command}: ${result.message}`);
    if (result.code !== 0) {
      const report = {
        name: spec.name,
        code: result.code,
        signal: result.signal,
        logFile,
        lastLines: readTail(logFile, LOG_TAIL_LINES),
      };
      throw new ChildCrashedError(report);
    }
  }

  /** Stops one child on purpose (no crash report); it can be started again with restart(). */
  async stop(name: string): Promise<void> {
    const entry = this.children.get(name);
    if (!entry) throw new Error(`no component named ${name}`);
    entry.stopping = true;
    await this.stopChild(entry);
    entry.state = "stopped";
    this.progress(`${name}: stopped`);
  }

  /** Starts a stopped or crashed child again with the same spec. */
  async restart(name: string): Promise<void> {
    const entry = this.children.get(name);
    if (!entry) throw new Error(`no component named ${name}`);
    if (entry.state === "starting" || entry.state === "ready") await this.stop(name);
    await this.start(entry.spec);
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.process.pid;
  }

  status(): ComponentStatus[] {
    return this.order.map((name) => {
      const child = this.children.get(name);
      if (!child) {
        const component = this.inProcess.find((candidate) => candidate.name === name);
        return { name, state: this.shutDown ? "stopped" : (component?.state?.() ?? "ready") };
      }
      return { name, state: child.state, pid: child.process.pid };
    });
  }

  /** True once shutdown() has begun: nothing new starts after that. */
  get shuttingDown(): boolean {
    return this.shutDown;
  }

  /**
   * Stops everything in reverse start order and removes the temporary directory. Calling it again
   * returns the same shutdown, finished or in progress.
   */
  shutdown(): Promise<void> {
    this.shutDown = true;
    this.shutdownInProgress ??= this.stopEverything();
    return this.shutdownInProgress;
  }

  private async stopEverything(): Promise<void> {
    const errors: unknown[] = [];
    // One-shot commands first: they write into the directory about to be removed.
    await Promise.all(
      [...this.oneShots].map(async (child) => {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        if (child.pid !== undefined && signalGroup(child.pid, "SIGKILL")) await exited;
      }),
    );
    for (const name of [...this.order].reverse()) {
      const child = this.children.get(name);
      try {
        if (child) {
          child.stopping = true;
          await this.stopChild(child);
          child.state = "stopped";
        } else {
          await this.inProcess.find((component) => component.name === name)?.stop();
        }
      } catch (error) {
        errors.push(error);
      }
    }
    rmSync(this.root, { recursive: true, force: true });
    process.removeListener("exit", this.exitHook);
    if (errors.length > 0) throw new AggregateError(errors, "some components did not stop cleanly");
  }

  /**
   * On SIGINT/SIGTERM stops every child and the in-process components, removes the directory, then
   * calls exit. A second signal while that runs (an impatient Ctrl-C) kills every child at once and
   * still removes the directory before forceExit.
   */
  stopOnSignals(
    exit: (code: number) => void = (code) => process.exit(code),
    forceExit: (code: number) => void = (code) => process.exit(code),
  ): () => void {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      const code = signal === "SIGINT" ? 130 : 143;
      if (stopping) {
        this.progress(`received ${signal} again: killing every component now`);
        this.killEverythingNow();
        forceExit(code);
        return;
      }
      stopping = true;
      this.progress(`received ${signal}: stopping every component`);
      void this.shutdown()
        .catch((error: unknown) =>
          this.progress(`shutdown: ${error instanceof Error ? error.message : error}`),
        )
        .finally(() => exit(code));
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
    return () => {
      process.removeListener("SIGINT", handler);
      process.removeListener("SIGTERM", handler);
    };
  }

  private async stopChild(entry: Child): Promise<void> {
    const pid = entry.process.pid;
    if (pid === undefined) return;
    if (entry.process.exitCode === null && entry.process.signalCode === null) {
      signalGroup(pid, entry.spec.stopSignal ?? "SIGTERM");
      const stoppedInTime = await within(entry.exited, this.graceMs);
      if (!stoppedInTime) {
        this.progress(`${entry.spec.name}: did not stop within ${this.graceMs} ms, killing it`);
        signalGroup(pid, "SIGKILL");
        await entry.exited;
      }
    }
    // Whatever it forked and left behind in its group goes too.
    await killGroupRemains(pid, this.graceMs);
  }

  private waitReady(entry: Child): Promise<void> {
    const readiness = entry.spec.readiness;
    if (!readiness) return Promise.resolve();
    const timeoutMs = entry.spec.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    return (async () => {
      while (entry.state === "starting" && entry.process.exitCode === null) {
        if (await probe(readiness)) return;
        if (Date.now() > deadline) {
          throw new Error(`${describeReadiness(readiness)} not reached within ${timeoutMs / 1000}s`);
        }
        await delay(100);
      }
      // The exit promise wins the race and reports the crash.
      await new Promise(() => {});
    })();
  }

  private crashReport(entry: Child, code: number | null, signal: NodeJS.Signals | null): CrashReport {
    return {
      name: entry.spec.name,
      code,
      signal,
      logFile: entry.logFile,
      lastLines: readTail(entry.logFile, LOG_TAIL_LINES),
    };
  }

  private killEverythingNow(): void {
    const processes = [...[...this.children.values()].map((entry) => entry.process), ...this.oneShots];
    for (const child of processes) {
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

function describeReadiness(readiness: Readiness): string {
  switch (readiness.kind) {
    case "http":
      return `HTTP 200 from ${readiness.url}`;
    case "tcp":
      return `a TCP connection to ${readiness.host}:${readiness.port}`;
    case "check":
      return readiness.description;
  }
}

async function probe(readiness: Readiness): Promise<boolean> {
  try {
    switch (readiness.kind) {
      case "http": {
        const response = await fetch(readiness.url, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        return response.status === 200;
      }
      case "tcp":
        return await tcpAccepts(readiness.host, readiness.port);
      case "check":
        return await readiness.check();
    }
  } catch {
    return false;
  }
}

export function tcpAccepts(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Throws PortInUseError when something already listens on the claimed port. */
export function assertPortFree(component: string, claim: PortClaim): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") {
        reject(new PortInUseError(component, claim.host, claim.port, claim.flag));
      } else {
        reject(error);
      }
    });
    server.listen({ host: claim.host, port: claim.port, exclusive: true }, () =>
      server.close(() => resolve()),
    );
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of the group still runs; zombies awaiting init's reaping count as gone. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command: state, ppid, pgrp, …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

async function killGroupRemains(pid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pid)) return;
  signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await delay(50);
  if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
  while (groupAlive(pid)) await delay(20);
}

/** The last lines of a log file (reads at most its last 64 KiB). */
export function readTail(path: string, lines: number): string[] {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return [];
  }
  const length = Math.min(size, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString("utf8")
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-lines);
}

/** Whether the promise settles within ms; the timer never outlives it (it would hold the process up). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
