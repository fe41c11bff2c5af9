// The exporters of the local stack, on the real Debian binaries: postgres_exporter watching the local
// PostgreSQL, node-exporter watching this machine, blackbox-exporter probing the local HTTPS endpoint.
// Each counts as ready only once it reports what it watches as healthy, so Prometheus never starts
// on a half-up stack.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HTTP_2XX_MODULE } from "../../prometheus/blackbox.ts";
import { blackboxConfig } from "../../prometheus/index.ts";
import { toYaml } from "../../render.ts";
import { PORT_FLAGS } from "../ports.ts";
import type { StackContext, StackPart } from "../stack.ts";

export const BINARIES = {
  postgresExporter: "/usr/bin/prometheus-postgres-exporter",
  nodeExporter: "/usr/bin/prometheus-node-exporter",
  blackboxExporter: "/usr/bin/prometheus-blackbox-exporter",
} as const;

/** Only what the binaries need from our environment: nothing of it can leak into them by accident. */
const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? "/usr/bin:/bin" });

async function textContains(url: string, pattern: RegExp): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.ok && pattern.test(await response.text());
}

function need<T>(value: T | undefined, part: string, what: string): T {
  if (value === undefined) throw new Error(`${part} starts after ${what}, which is not running`);
  return value;
}

export const postgresExporterPart: StackPart = {
  name: "postgres-exporter",
  async start(context: StackContext) {
    const postgres = need(context.postgres, "postgres-exporter", "PostgreSQL");
    const { host, postgresExporter: port } = context.deployment.topology;
    const metrics = `http://${host}:${port}/metrics`;
    await context.supervisor.start({
      name: "postgres-exporter",
      command: BINARIES.postgresExporter,
      args: [`--web.listen-address=${host}:${port}`, "--log.level=warn"],
      // The DSN holds a password: in the environment, where `ps` does not show it, never in argv.
      env: { ...baseEnv(), DATA_SOURCE_NAME: postgres.exporterUrl() },
      ports: [{ host, port, flag: PORT_FLAGS.postgresExporter.flag }],
      readiness: {
        kind: "check",
        description: "pg_up 1 at /metrics",
        check: () => textContains(metrics, /^pg_up 1$/m),
      },
    });
    context.urls.push({ name: "postgres_exporter", url: metrics });
  },
};

export const nodeExporterPart: StackPart = {
  name: "node-exporter",
  async start(context: StackContext) {
    const { host, nodeExporter: port } = context.deployment.topology;
    const metrics = `http://${host}:${port}/metrics`;
    await context.supervisor.start({
      name: "node-exporter",
      command: BINARIES.nodeExporter,
      // No systemd here to ask.
      args: [`--web.listen-address=${host}:${port}`, "--no-collector.systemd", "--log.level=warn"],
      env: baseEnv(),
      ports: [{ host, port, flag: PORT_FLAGS.nodeExporter.flag }],
      readiness: { kind: "http", url: metrics },
    });
    context.urls.push({ name: "node-exporter", url: metrics });
  },
};

export const blackboxExporterPart: StackPart = {
  name: "blackbox-exporter",
  async start(context: StackContext) {
    const tls = need(context.tls, "blackbox-exporter", "the HTTPS endpoint");
    const { host, blackboxExporter: port } = context.deployment.topology;
    const configFile = join(context.supervisor.dir("blackbox-exporter"), "blackbox.yml");
    // blackboxConfig trusts deployment.tlsCaFile, which the tls-endpoint part set.
    writeFileSync(configFile, toYaml(blackboxConfig(context.deployment)), { mode: 0o600 });
    const probe = `http://${host}:${port}/probe?module=${HTTP_2XX_MODULE}&target=${encodeURIComponent(tls.url)}`;
    await context.supervisor.start({
      name: "blackbox-exporter",
      command: BINARIES.blackboxExporter,
      args: [
        `--config.file=${configFile}`,
        `--web.listen-address=${host}:${port}`,
        // A probe gets the scrape timeout minus this offset; 0.5s (the default) would leave a scaled
        // 500ms scrape interval nothing (src/prometheus/blackbox.ts).
        "--timeout-offset=0.1",
        "--log.level=warn",
      ],
      env: baseEnv(),
      ports: [{ host, port, flag: PORT_FLAGS.blackboxExporter.flag }],
      readiness: {
        kind: "check",
        description: `a successful probe of ${tls.url}`,
        check: () => textContains(probe, /^probe_success 1$/m),
      },
    });
    context.urls.push({ name: "blackbox-exporter (probe)", url: probe });
  },
};
