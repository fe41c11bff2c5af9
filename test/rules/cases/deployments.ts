// DeploymentReplicasMismatch, DeploymentGenerationMismatch.
import { ksm } from "../exporters.ts";
import { type ExpectedAlert, fires, quiet, type RuleCase, segments, span } from "../promtool.ts";

const api = { namespace: "plue", deployment: "api" };

type Segment = [number, number];

/** The kube-state-metrics series of the api deployment, each as value segments. */
function deployment(
  spec: Segment[],
  available: Segment[],
  updated: Segment[],
  generation: Segment[],
  observed: Segment[],
) {
  return [
    ksm("kube_deployment_spec_replicas", api, segments(...spec)),
    ksm("kube_deployment_status_replicas_available", api, segments(...available)),
    ksm("kube_deployment_status_replicas_updated", api, segments(...updated)),
    ksm("kube_deployment_metadata_generation", api, segments(...generation)),
    ksm("kube_deployment_status_observed_generation", api, segments(...observed)),
  ];
}

/** A rollout of `replicas`, one replica every `minutesPerStep`, starting at 1m. */
function rollout(
  replicas: number,
  minutesPerStep: number,
  tail: number,
): { available: Segment[]; updated: Segment[] } {
  const step = minutesPerStep * 2;
  const updated: Segment[] = [[0, 2]];
  const available: Segment[] = [[replicas, 2]];
  for (let done = 1; done <= replicas; done++) {
    updated.push([done, step]);
    // One replica is briefly unavailable while its successor starts (maxUnavailable 1).
    available.push([replicas - 1, step]);
  }
  updated.push([replicas, tail]);
  available.push([replicas, tail]);
  return { available, updated };
}

const mismatch = (available: number): ExpectedAlert => ({
  labels: { namespace: "plue", deployment: "api", severity: "warning" },
  annotations: {
    summary: "Deployment plue/api does not have its desired replicas",
    description: `Deployment plue/api has had ${available} available replicas, not the desired number, for 15 minutes with no rollout progress.`,
  },
});

const generationMismatch = (observed: number): ExpectedAlert => ({
  labels: { namespace: "plue", deployment: "api", severity: "warning" },
  annotations: {
    summary: "Deployment plue/api has not acted on its latest change",
    description: `The deployment controller has observed generation ${observed} of plue/api, not its current one, for 15 minutes: the latest change has not been rolled out.`,
  },
});

const slowRollout = rollout(12, 8, span(20));
const rolloutSamples = slowRollout.updated.reduce((sum, [, n]) => sum + n, 0);

export const deploymentCases: RuleCase[] = [
  {
    name: "a deployment short of replicas with no progress fires after 15 minutes",
    series: deployment([[3, span(30)]], [[2, span(30)]], [[3, span(30)]], [[4, span(30)]], [[4, span(30)]]),
    checks: [
      ...quiet("14m", "DeploymentReplicasMismatch"),
      fires("16m", "DeploymentReplicasMismatch", mismatch(2)),
    ],
  },
  {
    name: "a rollout that keeps progressing stays quiet however long it takes (12 replicas, 8 minutes each)",
    series: deployment(
      [[12, rolloutSamples]],
      slowRollout.available,
      slowRollout.updated,
      [[8, rolloutSamples]],
      [[8, rolloutSamples]],
    ),
    checks: [
      ...quiet("30m", "DeploymentReplicasMismatch"),
      ...quiet("60m", "DeploymentReplicasMismatch"),
      ...quiet("95m", "DeploymentReplicasMismatch"),
      ...quiet("110m", "DeploymentReplicasMismatch"),
    ],
  },
  {
    name: "a rollout stuck half-way (new pods never become available) fires",
    series: deployment(
      [[10, span(45)]],
      [
        [10, 2],
        [9, span(45) - 2],
      ],
      [
        [0, 2],
        [1, 10],
        [2, span(45) - 12],
      ],
      [[7, span(45)]],
      [[7, span(45)]],
    ),
    // The last progress is at 6m: 10 minutes without change, then the 15-minute `for`.
    checks: [
      ...quiet("29m", "DeploymentReplicasMismatch"),
      fires("33m", "DeploymentReplicasMismatch", mismatch(9)),
    ],
  },
  {
    name: "a healthy deployment does not fire",
    series: deployment([[3, span(30)]], [[3, span(30)]], [[3, span(30)]], [[4, span(30)]], [[4, span(30)]]),
    checks: quiet("25m", "DeploymentReplicasMismatch", "DeploymentGenerationMismatch"),
  },
  {
    name: "a generation the controller does not observe for 15 minutes fires",
    series: deployment([[3, span(20)]], [[3, span(20)]], [[3, span(20)]], [[5, span(20)]], [[4, span(20)]]),
    checks: [
      ...quiet("14m", "DeploymentGenerationMismatch"),
      fires("16m", "DeploymentGenerationMismatch", generationMismatch(4)),
    ],
  },
  {
    name: "a new generation observed within seconds does not fire",
    series: deployment(
      [[3, span(20)]],
      [[3, span(20)]],
      [[3, span(20)]],
      [
        [4, 4],
        [5, span(20) - 4],
      ],
      [
        [4, 5],
        [5, span(20) - 5],
      ],
    ),
    checks: quiet("16m", "DeploymentGenerationMismatch"),
  },
];
