// Service level objectives: the resolved list, their recording rules and ErrorBudgetBurn, the
// "Plue - SLOs" dashboard, and the checks of config.slos. docs/slos.md explains the choices.
export { SLO_DASHBOARD_UID, sloDashboard } from "../dashboards/slos.ts";
export {
  DEFAULT_MIN_FAILED_EVENTS,
  DEFAULT_OBJECTIVE,
  DEFAULT_WINDOW,
  type ResolvedSlo,
  sloList,
} from "./list.ts";
export { sloProblems } from "./problems.ts";
export {
  BURN_RATE_ALERTS,
  SLO_ALERT,
  SLO_RATIO_WINDOWS,
  sloGroupName,
  sloRecorded,
  sloRecordedNames,
  sloRuleGroups,
} from "./rules.ts";
