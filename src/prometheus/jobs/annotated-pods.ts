// Any pod annotated prometheus.io/scrape: "true", honoring prometheus.io/port, /path and /scheme,
// except the ports a dedicated job already scrapes (Plue's services, our exporters, the stack itself
// and its config reloaders).
import type { ScrapedPort } from "../targets.ts";
import type { JobSpec } from "./types.ts";

export function annotatedPodJobs(dedicated: readonly JobSpec[]): JobSpec[] {
  const exclude: ScrapedPort[] = dedicated.flatMap(({ targets }) =>
    targets.kind === "service" || targets.kind === "pod-port"
      ? [{ namespace: targets.namespace, port: targets.port }]
      : [],
  );
  return [{ job: "kubernetes-pods", targets: { kind: "annotated-pods", exclude } }];
}
