// What a team adds to the stack: its own metrics, scrape jobs, alerts, recording rules and
// dashboards. Each entry's shape is checked here; what it reads (the catalog, the scraped jobs, the
// PromQL) is checked against the whole config in src/extensions/problems.ts.
import { z } from "zod";
import { duration, httpsUrl } from "./formats.ts";

/** Prometheus' legacy metric names: what 2.42 parses and 3.x scrapes without escaping. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A job is named like the Kubernetes Service it scrapes. */
const JOB_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Longer names only make every rule, panel and series that holds them bigger. */
const MAX_NAME = 200;

export const metricName = () =>
  z.string().refine((name) => name.length <= MAX_NAME && METRIC_NAME.test(name), {
    message: `a metric name of at most ${MAX_NAME} characters: letters, digits, '_' and ':', not starting with a digit`,
  });

const labelName = () =>
  z
    .string()
    .regex(LABEL_NAME, { message: "a label name: letters, digits and '_', not starting with a digit" })
    .refine((name) => !name.startsWith("__"), { message: "a label name not starting with __ (reserved)" });

const jobName = () =>
  z.string().refine((name) => name.length <= 63 && JOB_NAME.test(name), {
    message: "a job name: a DNS-1123 label (worker), at most 63 characters",
  });

/**
 * Characters the YAML readers of Prometheus and kubectl (Go's) refuse, which the YAML writer leaves as
 * they are: DEL, the C1 controls but NEL, the line and paragraph separators, U+FFFE and U+FFFF, and
 * unpaired surrogates (no UTF-8 at all). Other control characters are written as escapes.
 */
const YAML_UNSAFE =
  /[\u007f\u0080-\u0084\u0086-\u009f\u2028\u2029\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const YAML_UNSAFE_TEXT =
  "DEL, C1 control characters, U+2028, U+2029, U+FFFE, U+FFFF or unpaired surrogates, which YAML readers refuse";

/** The first character of a text that YAML readers refuse, as U+XXXX; undefined when there is none. */
export function yamlUnsafeCharacter(value: string): string | undefined {
  const found = YAML_UNSAFE.exec(value)?.[0];
  return found === undefined
    ? undefined
    : `U+${(found.charCodeAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Why a text written into a YAML file would not be read back by Go's YAML readers; undefined when it
 * would. Besides the characters above: a multi-line text is written as a block, whose first line may
 * not start with a tab.
 */
export function yamlTextProblem(value: string): string | undefined {
  const character = yamlUnsafeCharacter(value);
  if (character) return `found ${character}`;
  if (value.includes("\n") && /^\n*\t/.test(value)) return "found a first line starting with a tab";
  return undefined;
}
const YAML_TEXT = `${YAML_UNSAFE_TEXT}, and if on several lines, not starting with a tab`;

const text = (what: string, max: number) =>
  z
    .string()
    .refine((value) => value.trim() !== "" && value.length <= max, {
      message: `${what} of 1 to ${max} characters`,
    })
    .superRefine((value, context) => {
      const problem = yamlTextProblem(value);
      if (problem) context.addIssue({ code: "custom", message: `${what} without ${YAML_TEXT}; ${problem}` });
    });

const expression = () => text("a PromQL expression", 10_000);

/**
 * Go template actions Prometheus expands in annotations, limited to a grammar that cannot fail to
 * parse or execute: {{ $labels.name }}, {{ $value }}, {{ $externalLabels.name }}. $value (a number)
 * may be piped to one humanizing function, which makes it text; text (a label, or what a humanizing
 * function made) may be piped to the case functions. Anything else can fail: a humanizing function
 * fails on a label that is no number (and on its own output, "1.5k"), a case function on $value,
 * which is no string. A trim marker is "{{- " or " -}}": Go reads "{{-3" as the number -3.
 */
const NUMBER_FUNCTIONS = [
  "humanize",
  "humanize1024",
  "humanizeDuration",
  "humanizePercentage",
  "humanizeTimestamp",
];
const TEXT_FUNCTIONS = ["title", "toUpper", "toLower"];
const piped = (functions: readonly string[]) => `(?: *\\| *(?:${functions.join("|")}))`;
const TEMPLATE_ACTION = new RegExp(
  `^\\{\\{(?:- +| *)(?:\\$value(?:${piped(NUMBER_FUNCTIONS)}${piped(TEXT_FUNCTIONS)}*)?|\\$(?:labels|externalLabels)\\.[a-zA-Z_]\\w*${piped(TEXT_FUNCTIONS)}*)(?: +-| *)\\}\\}$`,
);

/** The template actions of a text that are outside the accepted grammar (stray braces included). */
export function unsupportedTemplateActions(value: string): string[] {
  const found: string[] = [];
  const rest = value.replace(/\{\{.*?\}\}/g, (action) => {
    if (!TEMPLATE_ACTION.test(action)) found.push(action);
    return "";
  });
  if (rest.includes("{{") || rest.includes("}}")) found.push("an unmatched {{ or }}");
  return found;
}

const annotation = (what: string) =>
  text(what, 2_000).superRefine((value, context) => {
    const unsupported = unsupportedTemplateActions(value);
    if (unsupported.length > 0) {
      context.addIssue({
        code: "custom",
        message: `${what} whose template actions are {{ $labels.<name> }}, {{ $value }} or {{ $externalLabels.<name> }}; $value may be piped to one of ${NUMBER_FUNCTIONS.join(", ")}, and then, like a label, to ${TEXT_FUNCTIONS.join(", ")}; a trim marker is "{{- " or " -}}"; found ${unsupported.join(", ")}`,
      });
    }
  });

/** Labels an alert or recording rule adds; the ones routing and grouping own are refused. */
const RESERVED_RULE_LABELS = ["alertname", "severity", "pair", "cluster", "job", "instance"];
const MAX_RULE_LABELS = 30;
/**
 * An alert's labels are Go templates too, expanded at every evaluation: a label that changes (such as
 * {{ $value }}) makes a new alert each time, and one that does not parse fails the rule file. They
 * take no template actions; a recording rule's labels are written as they are.
 */
const ruleLabels = (of: "alert" | "recording rule") =>
  z
    .record(
      z.string(),
      z
        .string()
        .max(1_000, { message: "a label value of at most 1000 characters" })
        .superRefine((value, context) => {
          const problem = yamlTextProblem(value);
          if (problem)
            context.addIssue({ code: "custom", message: `a label value without ${YAML_TEXT}; ${problem}` });
        }),
    )
    .superRefine((labels, context) => {
      const names = Object.keys(labels);
      if (names.length > MAX_RULE_LABELS) {
        context.addIssue({
          code: "custom",
          message: `at most ${MAX_RULE_LABELS} labels; found ${names.length}`,
        });
      }
      for (const name of names) {
        const problem =
          !LABEL_NAME.test(name) || name.startsWith("__")
            ? "is not a label name (letters, digits and '_', not starting with a digit or __)"
            : RESERVED_RULE_LABELS.includes(name)
              ? `is set by the stack (${RESERVED_RULE_LABELS.join(", ")} are)`
              : of === "alert" && /\{\{|\}\}/.test(labels[name] as string)
                ? "holds {{ or }}: an alert's labels are expanded as Go templates at every evaluation, so they take no template actions (the summary and description do)"
                : undefined;
        if (problem)
          context.addIssue({
            code: "custom",
            path: [name],
            message: `label ${JSON.stringify(name.slice(0, 100))} ${problem}`,
          });
      }
    });

export const SEVERITIES = ["critical", "warning", "info"] as const;

export const metricSchema = z
  .object({
    name: metricName(),
    type: z.enum(["counter", "gauge", "histogram", "summary"], {
      message: '"counter", "gauge", "histogram" or "summary"',
    }),
    labels: z.array(labelName()).max(30, { message: "at most 30 labels" }).default([]),
    jobs: z.array(jobName()).min(1, { message: "at least one job that provides the metric" }).max(20),
    help: text("a description", 500),
  })
  .strict()
  .superRefine((metric, context) => {
    if (metric.type === "counter" && !metric.name.endsWith("_total")) {
      context.addIssue({ code: "custom", path: ["name"], message: "a counter's name ending in _total" });
    }
    if (
      (metric.type === "histogram" || metric.type === "summary") &&
      /_(bucket|count|sum)$/.test(metric.name)
    ) {
      context.addIssue({
        code: "custom",
        path: ["name"],
        message: `the ${metric.type}'s base name, without _bucket, _count or _sum`,
      });
    }
  });

export const scrapeJobSchema = z
  .object({
    name: jobName(),
    namespace: z
      .string()
      .refine((value) => value.length <= 63 && JOB_NAME.test(value), { message: "a DNS-1123 label" }),
    service: z.string().refine((value) => value.length <= 63 && JOB_NAME.test(value), {
      message: "the name of a Kubernetes Service (a DNS-1123 label)",
    }),
    port: z
      .number({ message: "the pods' port serving metrics, from 1 to 65535" })
      .int({ message: "a whole number from 1 to 65535" })
      .min(1, { message: "a port from 1 to 65535" })
      .max(65_535, { message: "a port from 1 to 65535" }),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9\-._~/]{0,200}$/, {
        message: "an absolute path of letters, digits and -._~/ (/metrics)",
      })
      .default("/metrics"),
  })
  .strict();

export const alertSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, {
      message: "an alert name: a letter, then letters, digits and '_' (WorkerQueueBacklog)",
    }),
    expr: expression(),
    for: duration("0s", "1d", ": longer would hold back a firing alert for more than a day").default("0s"),
    severity: z.enum(SEVERITIES, {
      message: '"critical" (pages), "warning" (Slack) or "info" (default webhook)',
    }),
    summary: annotation("a summary"),
    description: annotation("a description"),
    runbookUrl: httpsUrl(),
    labels: ruleLabels("alert").default({}),
  })
  .strict();

export const recordingRuleSchema = z
  .object({
    record: metricName().refine((name) => name.includes(":"), {
      message: "a recorded name of the form level:metric:operations, with at least one ':'",
    }),
    expr: expression(),
    labels: ruleLabels("recording rule").default({}),
  })
  .strict();

/**
 * A Grafana dashboard uid as Grafana accepts it, with a letter or digit: its ConfigMap is named
 * after it (grafana-dashboard-<uid>, lowercase), which a uid of only '-' and '_' cannot name.
 */
export const DASHBOARD_UID = /^(?=[^A-Za-z0-9]*[A-Za-z0-9])[A-Za-z0-9_-]{1,40}$/;

/** What a Foundation SDK DashboardBuilder has: build() gives the dashboard's JSON model. */
interface BuildsDashboard {
  build(): unknown;
}
const isBuilder = (value: unknown): value is BuildsDashboard =>
  typeof value === "object" && value !== null && typeof (value as BuildsDashboard).build === "function";

/** A panel as far as its queries are read: targets with a PromQL expr, and a row's panels. */
const panelSchema: z.ZodType<Record<string, unknown>> = z.lazy(() =>
  z
    .object({
      targets: z
        .array(z.object({ expr: z.string({ message: "a PromQL expression" }).optional() }).loose(), {
          message: "a list of targets, each an object ({ refId, expr })",
        })
        .optional(),
      panels: z.array(panelSchema, { message: "a list of panels" }).optional(),
    })
    .loose(),
);

/** A variable as far as its value is read: a name, and the value the dashboard opens with. */
const variableSchema = z
  .object({
    name: z.string({ message: "a variable name" }),
    current: z
      .object({
        value: z
          .union([z.string(), z.array(z.string())], { message: "a value or a list of values" })
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** A dashboard's JSON model, as far as provisioning and the query checks rely on it. */
export const dashboardJsonSchema = z
  .object({
    title: text("a title", 200),
    uid: z
      .string()
      .regex(DASHBOARD_UID, {
        message: "a uid of 1 to 40 letters, digits, '-' and '_', with a letter or digit",
      })
      .optional(),
    panels: z.array(panelSchema, { message: "a list of panels" }).default([]),
    templating: z
      .object({ list: z.array(variableSchema, { message: "a list of variables" }).optional() })
      .loose()
      .optional(),
  })
  .loose()
  .superRefine((dashboard, context) => {
    // Its JSON goes into a ConfigMap's YAML as it is: every string and key of it.
    const found = unsafeStringIn(dashboard);
    if (found) {
      context.addIssue({
        code: "custom",
        path: found.path,
        message: `text without ${YAML_UNSAFE_TEXT}; found ${found.character}`,
      });
    }
  });

/** The first string (or key) at any depth of a JSON value holding a character YAML readers refuse. */
function unsafeStringIn(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; character: string } | undefined {
  if (typeof value === "string") {
    const character = yamlUnsafeCharacter(value);
    return character ? { path, character } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unsafeStringIn(item, [...path, index]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const found = unsafeStringIn(key, path) ?? unsafeStringIn(inner, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

export type DashboardJson = z.output<typeof dashboardJsonSchema>;

/**
 * A Foundation SDK DashboardBuilder (from a .ts config) or its built JSON (from any config): both end
 * up as the JSON model. A builder whose build() throws is refused with what it threw.
 */
export const dashboardSchema = z
  .unknown()
  .transform((value, context) => {
    if (!isBuilder(value)) return value;
    try {
      return JSON.parse(JSON.stringify(value.build())) as unknown;
    } catch (error) {
      context.addIssue({
        code: "custom",
        message: `a DashboardBuilder whose build() succeeds; it threw ${error instanceof Error ? error.message : String(error)}`,
      });
      return z.NEVER;
    }
  })
  .pipe(dashboardJsonSchema);

export type MetricExtension = z.output<typeof metricSchema>;
export type ScrapeJobExtension = z.output<typeof scrapeJobSchema>;
export type AlertExtension = z.output<typeof alertSchema>;
export type RecordingRuleExtension = z.output<typeof recordingRuleSchema>;
