// Every promtool case, by the rule file it tests.
import type { RuleCase } from "../promtool.ts";
import { alertmanagerCases } from "./alertmanager.ts";
import { applicationCases } from "./application.ts";
import { certificateCases } from "./certificates.ts";
import { configReloaderCases } from "./config-reloader.ts";
import { databaseCases } from "./database.ts";
import { deploymentCases } from "./deployments.ts";
import { metaCases } from "./meta.ts";
import { nodeCases } from "./nodes.ts";
import { podCases } from "./pods.ts";
import { prometheusCases } from "./prometheus.ts";
import { resourceCases } from "./resources.ts";
import { sloCases } from "./slo.ts";
import { storageCases } from "./storage.ts";
import { targetCases } from "./targets.ts";

export const casesByRuleFile: Record<string, RuleCase[]> = {
  "pods.yaml": podCases,
  "resources.yaml": resourceCases,
  "application.yaml": applicationCases,
  "database.yaml": databaseCases,
  "storage.yaml": storageCases,
  "certificates.yaml": certificateCases,
  "deployments.yaml": deploymentCases,
  "nodes.yaml": nodeCases,
  "prometheus.yaml": prometheusCases,
  "alertmanager.yaml": alertmanagerCases,
  "config-reloader.yaml": configReloaderCases,
  "slo.yaml": sloCases,
  "targets.yaml": targetCases,
  "meta.yaml": metaCases,
};
