// The config-reloader group: the sidecars' /metrics as prometheus-config-reloader v0.93.0 serves them
// (test/fixtures/exporters/config-reloader.prom), beside the servers' own reload gauges.
import { alertmanagerTarget, configReloaderTarget, prometheusTarget } from "../exporters.ts";
import {
  counterSegments,
  type ExpectedAlert,
  fires,
  quiet,
  type RuleCase,
  segments,
  series,
  span,
} from "../promtool.ts";

const reloaded = (beside: "prometheus" | number, values: string) =>
  series("reloader_last_reload_successful", configReloaderTarget(beside), values);
const applyFailures = (beside: "prometheus" | number, values: string) =>
  series("reloader_config_apply_operations_failed_total", configReloaderTarget(beside), values);
const prometheusReloaded = (values: string) =>
  series("prometheus_config_last_reload_successful", prometheusTarget, values);
const alertmanagerReloaded = (ordinal: number, values: string) =>
  series("alertmanager_config_last_reload_successful", alertmanagerTarget(ordinal), values);

const sidecarErrors = (beside: "prometheus" | number, what: string): ExpectedAlert => {
  const target = configReloaderTarget(beside);
  return {
    labels: { ...target, severity: "warning" },
    annotations: {
      summary: `The config reloader of monitoring/${target.pod} is failing`,
      description: `For 10 minutes the config reloader beside ${target.service} in monitoring/${target.pod} ${what}. Changes to the configuration and rules do not take effect until it succeeds.`,
    },
  };
};

/** Both reloaders, both servers: healthy unless `values` says otherwise. */
function stack(samples: number, values: Partial<Record<string, string>> = {}) {
  const healthy = segments([1, samples]);
  return [
    reloaded("prometheus", values.prometheusReloader ?? healthy),
    reloaded(0, values.alertmanagerReloader ?? healthy),
    applyFailures("prometheus", values.prometheusApply ?? segments([0, samples])),
    applyFailures(0, segments([0, samples])),
    prometheusReloaded(values.prometheus ?? healthy),
    alertmanagerReloaded(0, values.alertmanager ?? healthy),
  ];
}

export const configReloaderCases: RuleCase[] = [
  {
    name: "a reloader whose reload requests fail for 10 minutes fires ConfigReloaderSidecarErrors",
    // Alertmanager itself reports no refused config: the requests do not get through.
    series: stack(span(25), { alertmanagerReloader: segments([1, 10], [0, span(20)]) }),
    checks: [
      ...quiet("18m", "ConfigReloaderSidecarErrors"),
      fires(
        "21m",
        "ConfigReloaderSidecarErrors",
        sidecarErrors(
          0,
          "has failed to make alertmanager reload: its reload requests get no answer or an error",
        ),
      ),
    ],
  },
  {
    name: "a reloader that cannot read the files it watches fires ConfigReloaderSidecarErrors",
    series: stack(span(25), { prometheusApply: counterSegments([0, 10], [1, span(20)]) }),
    checks: [
      ...quiet("14m", "ConfigReloaderSidecarErrors"),
      fires(
        "17m",
        "ConfigReloaderSidecarErrors",
        sidecarErrors("prometheus", "has failed 10 times in 5 minutes to read the files it watches"),
      ),
    ],
  },
  {
    name: "a config the server refuses is PrometheusBadConfig's, not the reloader's",
    series: stack(span(25), {
      prometheusReloader: segments([1, 10], [0, span(20)]),
      prometheus: segments([1, 10], [0, span(20)]),
    }),
    checks: quiet("22m", "ConfigReloaderSidecarErrors"),
  },
  {
    name: "a reloader waiting for its server to start, then reloading it, does not fire",
    series: stack(span(25), { alertmanagerReloader: segments([0, 8], [1, span(21)]) }),
    checks: [...quiet("3m", "ConfigReloaderSidecarErrors"), ...quiet("20m", "ConfigReloaderSidecarErrors")],
  },
];
