// Every port of the local topology, the component that listens on it and the `plue-monitoring up`
// flag that moves it. A port added to LocalTopology must be added here (the type insists), so every
// port has a flag and a clear error when it is taken.
import { assertPortFree, type PortClaim, PortInUseError } from "./supervisor.ts";
import type { LocalTopology } from "./topology.ts";

/** The topology's ports; an optional one (the receiver) is claimed only when the stack runs it. */
export type PortKey = {
  [K in keyof LocalTopology]-?: LocalTopology[K] extends number | undefined ? K : never;
}[keyof LocalTopology];

export const PORT_FLAGS: Record<PortKey, { flag: string; component: string }> = {
  prometheus: { flag: "--prometheus-port", component: "prometheus" },
  nodeExporter: { flag: "--node-exporter-port", component: "node-exporter" },
  blackboxExporter: { flag: "--blackbox-exporter-port", component: "blackbox-exporter" },
  postgresExporter: { flag: "--postgres-exporter-port", component: "postgres-exporter" },
  postgres: { flag: "--postgres-port", component: "postgres" },
  api: { flag: "--api-port", component: "api" },
  web: { flag: "--web-port", component: "web" },
  electric: { flag: "--electric-port", component: "electric" },
  clusterSimulator: { flag: "--cluster-simulator-port", component: "cluster-simulator" },
  inbox: { flag: "--inbox-port", component: "inbox" },
  tlsEndpoint: { flag: "--tls-endpoint-port", component: "tls-endpoint" },
  control: { flag: "--control-port", component: "control" },
  receiver: { flag: "--receiver-port", component: "remote-write receiver" },
};

/** HTTP ports of the Alertmanager replicas, comma-separated; each also gossips on its port + 1. */
export const ALERTMANAGER_PORTS_FLAG = "--alertmanager-ports";

export interface NamedPortClaim extends PortClaim {
  component: string;
}

/** Every port the stack will listen on, with who listens and the flag that moves it. */
export function portClaims(topology: LocalTopology): NamedPortClaim[] {
  const claims: NamedPortClaim[] = (Object.keys(PORT_FLAGS) as PortKey[]).flatMap((key) => {
    const port = topology[key];
    return port === undefined ? [] : [{ host: topology.host, port, ...PORT_FLAGS[key] }];
  });
  topology.alertmanagers.forEach((port, index) => {
    claims.push(
      { host: topology.host, port, flag: ALERTMANAGER_PORTS_FLAG, component: `alertmanager-${index}` },
      {
        host: topology.host,
        port: port + 1,
        flag: ALERTMANAGER_PORTS_FLAG,
        component: `alertmanager-${index} (cluster gossip)`,
      },
    );
  });
  return claims;
}

/** Problems with the chosen ports themselves: out of range, or two components on one port. */
export function portConflicts(topology: LocalTopology): string[] {
  const problems: string[] = [];
  const byPort = new Map<number, NamedPortClaim>();
  for (const claim of portClaims(topology)) {
    if (!Number.isInteger(claim.port) || claim.port < 1 || claim.port > 65535) {
      problems.push(`${claim.flag}: ${claim.port} is not a port (1-65535) for ${claim.component}`);
      continue;
    }
    const other = byPort.get(claim.port);
    if (other) {
      problems.push(
        `port ${claim.port} is given to both ${other.component} (${other.flag}) and ${claim.component} (${claim.flag})`,
      );
    } else {
      byPort.set(claim.port, claim);
    }
  }
  return problems;
}

export class PortsInUseError extends Error {
  override name = "PortsInUseError";
  constructor(readonly errors: PortInUseError[]) {
    super(errors.map((error) => error.message).join("\n"));
  }
}

/** Checks every port before anything starts, and reports all that are taken at once. */
export async function assertPortsFree(topology: LocalTopology): Promise<void> {
  const taken: PortInUseError[] = [];
  for (const claim of portClaims(topology)) {
    try {
      await assertPortFree(claim.component, claim);
    } catch (error) {
      if (error instanceof PortInUseError) taken.push(error);
      else throw error;
    }
  }
  if (taken.length > 0) throw new PortsInUseError(taken);
}
