import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ChildCrashedError,
  type CrashReport,
  NotReadyError,
  PortInUseError,
  Supervisor,
} from "../../src/local/supervisor.ts";
import { freePort } from "../helpers/system.ts";
import { alive, stopProcess, waitFor } from "./processes.ts";

const node = process.execPath;
const httpServer = (port: number) =>
  `require("http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1")`;

const supervisors: Supervisor[] = [];
function supervisor(graceMs = 2_000): Supervisor {
  const created = new Supervisor({ prefix: "plue-monitoring-test-", graceMs });
  supervisors.push(created);
  return created;
}

afterEach(async () => {
  for (const created of supervisors.splice(0)) await created.shutdown().catch(() => {});
});

describe("Supervisor", () => {
  it("starts a child, waits for HTTP readiness, logs to its own file and reports progress", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const sup = new Supervisor({ prefix: "plue-monitoring-test-", progress: (line) => lines.push(line) });
    supervisors.push(sup);
    await sup.start({
      name: "web",
      command: node,
      args: ["-e", `console.log("hello from web"); setTimeout(() => { ${httpServer(port)} }, 300)`],
      readiness: { kind: "http", url: `http://127.0.0.1:${port}/` },
    });
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe("ok");
    expect(sup.status()).toEqual([{ name: "web", state: "ready", pid: sup.pid("web") }]);
    expect(readFileSync(join(sup.root, "logs", "web.log"), "utf8")).toContain("hello from web");
    expect(lines[0]).toBe("web: starting");
    expect(lines[1]).toMatch(/^web: ready in \d+\.\ds \(pid \d+\)$/);
  });

  it("waits for TCP readiness", async () => {
    const port = await freePort();
    const sup = supervisor();
    const script = `setTimeout(() => require("net").createServer().listen(${port}, "127.0.0.1"), 300)`;
    await sup.start({
      name: "tcp",
      command: node,
      args: ["-e", script],
      readiness: { kind: "tcp", host: "127.0.0.1", port },
    });
    expect(sup.status()[0]?.state).toBe("ready");
  });

  it("reports a child that crashes after starting, with its exit code and last log lines, and does not restart it", async () => {
    const port = await freePort();
    const sup = supervisor();
    const reports: CrashReport[] = [];
    sup.onCrash((report) => reports.push(report));
    const script = `${httpServer(port)}; setTimeout(() => { console.error("fatal: disk on fire"); process.exit(3) }, 400)`;
    await sup.start({
      name: "flaky",
      command: node,
      args: ["-e", script],
      readiness: { kind: "http", url: `http://127.0.0.1:${port}/` },
    });
    const report = await waitFor("a crash report", () => reports[0]);
    expect(report.name).toBe("flaky");
    expect(report.code).toBe(3);
    expect(report.lastLines).toContain("fatal: disk on fire");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reports).toHaveLength(1);
    expect(sup.status()[0]?.state).toBe("crashed");
  });

  it("fails start() with the crash report when a child dies before it is ready", async () => {
    const sup = supervisor();
    const port = await freePort();
    const attempt = sup.start({
      name: "broken",
      command: node,
      args: ["-e", `console.error("bad flag --foo"); process.exit(2)`],
      readiness: { kind: "http", url: `http://127.0.0.1:${port}/` },
    });
    await expect(attempt).rejects.toBeInstanceOf(ChildCrashedError);
    await expect(attempt).rejects.toThrow(/broken exited with code 2[\s\S]*bad flag --foo/);
  });

  it("fails start() when the command does not exist", async () => {
    const sup = supervisor();
    await expect(sup.start({ name: "ghost", command: "/nonexistent/ghost", args: [] })).rejects.toThrow(
      /ghost: cannot run \/nonexistent\/ghost: .*ENOENT/,
    );
  });

  it("gives up on a child that never becomes ready, stops it and shows its log", async () => {
    const sup = supervisor();
    const port = await freePort();
    const attempt = sup.start({
      name: "sleepy",
      command: node,
      args: ["-e", `console.log("still warming up"); setInterval(() => {}, 1000)`],
      readiness: { kind: "http", url: `http://127.0.0.1:${port}/` },
      readyTimeoutMs: 800,
    });
    await expect(attempt).rejects.toBeInstanceOf(NotReadyError);
    await expect(attempt).rejects.toThrow(
      /sleepy did not become ready: HTTP 200 from .* not reached[\s\S]*warming up/,
    );
    const pid = sup.pid("sleepy");
    expect(pid && alive(pid)).toBe(false);
  });

  it("names the port, the component and the flag when a port is in use", async () => {
    const sup = supervisor();
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      const attempt = sup.start({
        name: "prometheus",
        command: node,
        args: ["-e", ""],
        ports: [{ host: "127.0.0.1", port, flag: "--prometheus-port" }],
      });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(
        `prometheus cannot listen on 127.0.0.1:${port}: the port is in use. Stop whatever holds it, or choose another port with --prometheus-port PORT.`,
      );
    } finally {
      holder.close();
    }
  });

  it("stops a child on purpose without a crash report, and starts it again", async () => {
    const sup = supervisor();
    const port = await freePort();
    const reports: CrashReport[] = [];
    sup.onCrash((report) => reports.push(report));
    await sup.start({
      name: "web",
      command: node,
      args: ["-e", httpServer(port)],
      readiness: { kind: "http", url: `http://127.0.0.1:${port}/` },
    });
    const first = sup.pid("web") as number;
    await sup.stop("web");
    expect(alive(first)).toBe(false);
    expect(sup.status()[0]?.state).toBe("stopped");
    await sup.restart("web");
    expect(sup.pid("web")).not.toBe(first);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(reports).toEqual([]);
  });

  it("runs a one-shot command to completion, and reports its failure with its log", async () => {
    const sup = supervisor();
    await sup.run({ name: "ok", command: "sh", args: ["-c", "echo done"] });
    expect(readFileSync(sup.logFile("ok"), "utf8")).toBe("done\n");
    const failing = sup.run({
      name: "initdb",
      command: "sh",
      args: ["-c", "echo 'initdb: directory exists' >&2; exit 1"],
    });
    await expect(failing).rejects.toThrow(/initdb exited with code 1[\s\S]*initdb: directory exists/);
  });

  it("shutdown kills a one-shot command still running, then removes the directory", async () => {
    const sup = supervisor();
    const running = sup.run({ name: "slow", command: "sh", args: ["-c", "echo $$; exec sleep 600"] });
    const pid = await waitFor("the one-shot's pid", () => {
      const text = existsSync(sup.logFile("slow")) ? readFileSync(sup.logFile("slow"), "utf8").trim() : "";
      return text ? Number(text) : undefined;
    });
    expect(alive(pid)).toBe(true);
    await sup.shutdown();
    await expect(running).rejects.toThrow(/slow was killed by SIGKILL/);
    expect(alive(pid)).toBe(false);
    expect(existsSync(sup.root)).toBe(false);
    await expect(sup.run({ name: "late", command: "true", args: [] })).rejects.toThrow(
      "the stack is shutting down",
    );
  });

  it("shutdown kills children that ignore SIGTERM and grandchildren left behind, and removes the directory", async () => {
    const sup = supervisor(500);
    const grandchildOf = async (name: string) => {
      const logFile = sup.logFile(name);
      return waitFor(`${name}'s grandchild`, () => {
        const text = existsSync(logFile) ? readFileSync(logFile, "utf8").trim() : "";
        return text ? Number(text) : undefined;
      });
    };
    // The shell and its background sleep both ignore SIGTERM: only SIGKILL ends them.
    await sup.start({
      name: "stubborn",
      command: "sh",
      args: ["-c", "trap '' TERM; sleep 600 & echo $!; wait"],
    });
    // The shell obeys SIGTERM but leaves a sleep that ignores it behind.
    await sup.start({
      name: "orphaner",
      command: "sh",
      args: ["-c", "(trap '' TERM; exec sleep 600) & echo $!; wait"],
    });
    const pids = [
      sup.pid("stubborn") as number,
      await grandchildOf("stubborn"),
      sup.pid("orphaner") as number,
      await grandchildOf("orphaner"),
    ];
    expect(pids.every(alive)).toBe(true);
    const adoptedStopped: string[] = [];
    sup.adopt("in-process", async () => {
      adoptedStopped.push("in-process");
    });
    await sup.shutdown();
    expect(pids.filter(alive)).toEqual([]);
    expect(adoptedStopped).toEqual(["in-process"]);
    expect(existsSync(sup.root)).toBe(false);
  });

  it.each([
    ["SIGINT", 1],
    ["SIGTERM", 1],
    ["SIGINT", 2],
  ] as const)(
    "a supervising process that receives %s (%i×) leaves no child and no directory",
    async (signal, times) => {
      const port = await freePort();
      const fixture = join(import.meta.dirname, "fixtures", "supervised.ts");
      const owner = spawn(node, ["--import", "tsx", fixture, String(port)], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        let output = "";
        owner.stdout.on("data", (chunk) => {
          output += chunk;
        });
        const started = await waitFor("the supervised children", () => {
          const line = output.split("\n").find((candidate) => candidate.startsWith("{"));
          return line ? (JSON.parse(line) as { root: string; pids: number[] }) : undefined;
        });
        const grandchild = await waitFor("the grandchild's pid", () => {
          const log = join(started.root, "logs", "forker.log");
          const match = existsSync(log) ? /grandchild (\d+)/.exec(readFileSync(log, "utf8")) : null;
          return match ? Number(match[1]) : undefined;
        });
        const all = [...started.pids, grandchild];
        expect(all.every(alive)).toBe(true);
        const exited = new Promise<number | null>((resolve) => owner.once("exit", (code) => resolve(code)));
        const began = Date.now();
        owner.kill(signal);
        if (times === 2) {
          // Impatient: again while the stubborn child's grace period runs.
          await new Promise((resolve) => setTimeout(resolve, 300));
          owner.kill(signal);
        }
        expect(await exited).toBe(signal === "SIGINT" ? 130 : 143);
        // A second signal does not wait out the 2 s grace period.
        if (times === 2) expect(Date.now() - began).toBeLessThan(1_500);
        else expect(Date.now() - began).toBeGreaterThan(1_900);
        await waitFor("every child to be gone", () => (all.some(alive) ? undefined : true), 3_000);
        expect(existsSync(started.root)).toBe(false);
      } finally {
        await stopProcess(owner);
      }
    },
  );
});
