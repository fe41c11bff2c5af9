// Any pod annotated prometheus.io/scrape: "true", honoring prometheus.io/port, /path and /scheme,
// except the endpoints a dedicated job already scrapes (Plue's services, our exporters).
import type { ServiceTargets } from "../targets.ts";
import type { JobSpec } from "./types.ts";

export function annotatedPodJobs(dedicated: readonly JobSpec[]): JobSpec[] {
  const exclude = dedicated
    .map((spec) => spec.targets)
    .filter((targets): targets is ServiceTargets => targets.kind === "service");
  return [{ job: "kubernetes-pods", targets: { kind: "annotated-pods", exclude } }];
}
