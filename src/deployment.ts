// Where generated configs will run: in a Kubernetes cluster (service discovery, Secrets mounted as
// files) or on this machine (static targets on loopback, scaled time).
import type { LocalTopology } from "./local/topology.ts";
import type { Timing } from "./rules/timing.ts";

export type Deployment = { kind: "cluster" } | LocalDeployment;

export interface LocalDeployment {
  kind: "local";
  topology: LocalTopology;
  timing: Timing;
  /** Absolute directory holding the rule files Prometheus loads. */
  rulesDir: string;
  /**
   * CA certificate (PEM) that signed the local TLS endpoint's certificate; blackbox-exporter trusts
   * it, so the local probe verifies TLS like the cluster's. Without it the local probe fails.
   */
  tlsCaFile?: string;
  /**
   * The simulated pod each local Plue service process stands for, by service (`pod` label of its
   * scrape target), so its series join the simulated cluster's pod series. Default: `<service>-local`.
   */
  servicePods?: Readonly<Record<string, string>>;
}

export const cluster: Deployment = { kind: "cluster" };
