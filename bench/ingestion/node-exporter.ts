// This machine's node-exporter output: the real thing, run for a moment on a free port.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

export const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** One /metrics of node-exporter with its default collectors. */
export async function captureNodeExporter(): Promise<string> {
  const port = await freePort();
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (response.ok) return await response.text();
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${NODE_EXPORTER} did not serve /metrics on port ${port}`);
  } finally {
    child.kill("SIGTERM");
  }
}
