// The config reloader sidecars beside Prometheus and each Alertmanager (job config-reloader; `service`
// names the server it reloads): a change to prometheus.yml, a rule file or alertmanager.yml takes
// effect only through them. The local stack runs none: these rules have no series there.
import type { StackConfig } from "../config/schema.ts";
import { alertRule, promql } from "./alert.ts";
import { alertmanager, configReloader, prometheus } from "./selectors.ts";
import type { Timing } from "./timing.ts";
import type { RuleGroup } from "./types.ts";

export function configReloaderRules(config: StackConfig, timing: Timing): RuleGroup {
  // Not scraped locally: the window is sized as for a job of any scrape interval.
  const w5m = timing.anyJobWindow("5m");
  return {
    name: "config-reloader",
    rules: [
      alertRule(config, {
        name: "ConfigReloaderSidecarErrors",
        // Either the reload requests fail (the gauge is 0 from the reloader's start until one
        // succeeds, and after each failure), or reading the watched files does (a missing file, an
        // unreadable directory: no reload is even asked for).
        // A server that refuses a bad config answers the reload request with an error too: that is
        // PrometheusBadConfig or AlertmanagerFailedReload, told apart by the server's own gauge in
        // the same pod. What is left here is a reloader that cannot get through at all.
        expr: promql`
          (
            max_over_time(reloader_last_reload_successful{${configReloader}}[${w5m}]) == 0
            or
            increase(reloader_config_apply_operations_failed_total{${configReloader}}[${w5m}]) > 0
          )
          unless on (namespace, pod)
          (
            prometheus_config_last_reload_successful{${prometheus}} == 0
            or
            alertmanager_config_last_reload_successful{${alertmanager}} == 0
          )`,
        for: timing.duration("10m"),
        severity: "warning",
        summary: "The config reloader of {{ $labels.namespace }}/{{ $labels.pod }} is failing",
        description:
          'For 10 minutes the config reloader beside {{ $labels.service }} in {{ $labels.namespace }}/{{ $labels.pod }} {{ if eq $value 0.0 }}has failed to make {{ $labels.service }} reload: its reload requests get no answer or an error{{ else }}has failed {{ printf "%.0f" $value }} times in 5 minutes to read the files it watches{{ end }}. Changes to the configuration and rules do not take effect until it succeeds.',
      }),
    ],
  };
}
