// A steady stream of requests to Plue's services, so their rates, error shares and latencies are
// always defined: what users would send, at a fixed rate per service, in a fixed order (a few of them
// for things that do not exist, so 4xx answers are part of a healthy day too).
import { Agent, request } from "node:http";
import type { PlueServiceName } from "./service.ts";

export interface TrafficRequest {
  method: "GET" | "POST";
  path: string;
}

export interface TrafficTarget {
  service: PlueServiceName;
  baseUrl: string;
  perSecond: number;
  /** Sent in turn, over and over. */
  requests: readonly TrafficRequest[];
}

const get = (path: string): TrafficRequest => ({ method: "GET", path });
const post = (path: string): TrafficRequest => ({ method: "POST", path });

/** The request mix and rate of each service. */
export const TRAFFIC: Record<PlueServiceName, { perSecond: number; requests: readonly TrafficRequest[] }> = {
  api: {
    perSecond: 20,
    requests: [
      get("/api/repos"),
      get("/api/repos/plue/plue"),
      post("/api/repos/plue/plue/star"),
      get("/api/health"),
      get("/api/repos/plue/cli"),
      get("/api/repos"),
      get("/api/repos/ada/notebooks"),
      get("/api/repos/plue/no-such-repo"),
      get("/api/repos/grace/compilers"),
      post("/api/repos/plue/docs/star"),
    ],
  },
  web: {
    perSecond: 10,
    requests: [
      get("/"),
      get("/plue/plue"),
      get("/assets/app.css"),
      get("/plue/electric-sync"),
      get("/assets/app.js"),
      get("/"),
      get("/ada/notebooks"),
      get("/nobody/nothing"),
    ],
  },
  electric: {
    perSecond: 5,
    requests: [
      get("/v1/shape?table=repositories&offset=-1"),
      get("/v1/shape?table=issues&offset=0"),
      get("/v1/health"),
      get("/v1/shape?table=no_such_table"),
    ],
  },
};

export interface Traffic {
  /** Answers received per service and status code ("error" when no answer came). */
  counts(): Record<string, Record<string, number>>;
  stop(): Promise<void>;
}

const TIMEOUT_MS = 10_000;

export function startTraffic(targets: readonly TrafficTarget[]): Traffic {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const counts: Record<string, Record<string, number>> = {};
  const inFlight = new Set<Promise<void>>();
  const count = (service: string, outcome: string) => {
    const byOutcome = counts[service] ?? {};
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    counts[service] = byOutcome;
  };
  const send = (target: TrafficTarget, next: TrafficRequest) => {
    const done = new Promise<void>((resolve) => {
      const outgoing = request(
        new URL(next.path, target.baseUrl),
        { method: next.method, agent, timeout: TIMEOUT_MS },
        (response) => {
          response.resume();
          response.once("end", () => {
            count(target.service, String(response.statusCode));
            resolve();
          });
          response.once("error", () => resolve());
        },
      );
      outgoing.once("timeout", () => outgoing.destroy(new Error("timed out")));
      outgoing.once("error", () => {
        count(target.service, "error");
        resolve();
      });
      outgoing.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const timers = targets.map((target) => {
    let turn = 0;
    return setInterval(() => {
      const next = target.requests[turn++ % target.requests.length];
      if (next) send(target, next);
    }, 1000 / target.perSecond);
  });
  return {
    counts: () => structuredClone(counts),
    async stop() {
      for (const timer of timers) clearInterval(timer);
      agent.destroy();
      await Promise.all(inFlight);
    },
  };
}

/** The traffic of every service at its URL. */
export function plueTraffic(url: (service: PlueServiceName) => string): TrafficTarget[] {
  return (Object.keys(TRAFFIC) as PlueServiceName[]).map((service) => ({
    service,
    baseUrl: url(service),
    ...TRAFFIC[service],
  }));
}
