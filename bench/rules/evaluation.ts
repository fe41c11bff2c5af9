// Rule evaluation as Prometheus reports it in /api/v1/rules: each group's and each rule's duration at
// its last evaluation. Polled more often than the evaluation interval, so that every evaluation is
// seen once (keyed by its lastEvaluation time) and none is counted twice.

interface ApiRule {
  name: string;
  query: string;
  type: "recording" | "alerting";
  health: string;
  lastError?: string;
  labels?: Record<string, string>;
  evaluationTime: number;
  lastEvaluation: string;
}

interface ApiGroup {
  name: string;
  file: string;
  interval: number;
  evaluationTime: number;
  lastEvaluation: string;
  rules: ApiRule[];
}

export async function fetchRuleGroups(prometheusUrl: string): Promise<ApiGroup[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/rules`);
  const body = (await response.json()) as { data?: { groups: ApiGroup[] } };
  return body.data?.groups ?? [];
}

export interface RuleCost {
  group: string;
  /** The recorded series or the alert's name. */
  name: string;
  type: "recording" | "alerting";
  labels: Record<string, string>;
  health: string;
  lastError?: string;
  seconds: number[];
}

export interface GroupCost {
  name: string;
  file: string;
  intervalSeconds: number;
  seconds: number[];
  rules: RuleCost[];
}

export const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;

/** A group's evaluation time per evaluation interval: less for a group evaluated less often. */
export const perInterval = (group: GroupCost, evaluationSeconds: number) =>
  (mean(group.seconds) * evaluationSeconds) / group.intervalSeconds;

/** Collects every evaluation from the moment `record` is called until stop(). */
export class EvaluationRecorder {
  private readonly groups = new Map<string, GroupCost & { seen: Set<string> }>();

  constructor(private readonly prometheusUrl: string) {}

  /** Records the evaluations that happened since the last poll. */
  async poll(): Promise<void> {
    for (const group of await fetchRuleGroups(this.prometheusUrl)) {
      const key = `${group.file}/${group.name}`;
      let cost = this.groups.get(key);
      if (!cost) {
        cost = {
          name: group.name,
          file: group.file,
          intervalSeconds: group.interval,
          seconds: [],
          seen: new Set(),
          rules: group.rules.map((rule) => ({
            group: group.name,
            name: rule.name,
            type: rule.type,
            labels: rule.labels ?? {},
            health: rule.health,
            seconds: [],
          })),
        };
        this.groups.set(key, cost);
        // The evaluation already reported when recording starts may predate steady state: skip it.
        cost.seen.add(group.lastEvaluation);
        continue;
      }
      if (cost.seen.has(group.lastEvaluation) || group.lastEvaluation.startsWith("0001")) continue;
      cost.seen.add(group.lastEvaluation);
      cost.seconds.push(group.evaluationTime);
      group.rules.forEach((rule, index) => {
        const ruleCost = cost.rules[index];
        if (!ruleCost) return;
        ruleCost.seconds.push(rule.evaluationTime);
        ruleCost.health = rule.health;
        if (rule.lastError) ruleCost.lastError = rule.lastError;
        else delete ruleCost.lastError;
      });
    }
  }

  /**
   * The fewest evaluation intervals any group's recorded evaluations span: a group evaluated every
   * other interval needs half as many evaluations as the rest.
   */
  intervalsCovered(evaluationSeconds: number): number {
    const spans = [...this.groups.values()].map(
      (group) => (group.seconds.length * group.intervalSeconds) / evaluationSeconds,
    );
    return spans.length === 0 ? 0 : Math.floor(Math.min(...spans));
  }

  results(): GroupCost[] {
    return [...this.groups.values()].map(({ seen: _seen, ...cost }) => cost);
  }
}
