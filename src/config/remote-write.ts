// remoteWrite's entries: where Prometheus also sends its samples, with which credentials, how its
// queue is tuned and which series and labels leave. A file of its own because the regexes of write
// relabeling are checked by the same RE2 rules as a team's PromQL (src/extensions/problems.ts), which
// reads the whole catalog: formats.ts, which everything imports, must not.
import { z } from "zod";
import { remoteWriteKey } from "../components.ts";
import { re2Problem } from "../extensions/problems.ts";
import {
  duration,
  durationMs,
  hasControlCharacter,
  httpsUrl,
  integerBetween,
  PROMETHEUS_DURATION,
} from "./formats.ts";
import { orSecretReference } from "./secret-reference.ts";

/**
 * Prometheus' queue_config defaults at the pinned version (prometheus/prometheus config/config.go
 * DefaultQueueConfig@v3.13.2; docs/configuration/configuration.md "<remote_write>" at that tag). A
 * field left out of an entry keeps these, so relations are checked against them. Debian's 2.42 (the
 * local stack) has other defaults (capacity 2500, max_shards 200, max_samples_per_send 500) but
 * refuses nothing: QueueConfig.Validate exists only in 3.x.
 */
export const PROMETHEUS_QUEUE_DEFAULTS = {
  capacity: 10_000,
  maxShards: 50,
  minShards: 1,
  maxSamplesPerSend: 2000,
  batchSendDeadline: "5s",
  minBackoff: "30ms",
  maxBackoff: "5s",
} as const;

/**
 * A remote-write queue's tuning, rendered to queue_config. Each shard holds up to `capacity` samples,
 * so the memory a queue may hold is about capacity × maxShards samples; the bounds keep that under
 * 100 million (a few GiB) whatever the combination.
 */
const remoteWriteQueueFields = () =>
  z
    .object({
      capacity: integerBetween(1, 1_000_000).optional(),
      maxShards: integerBetween(1, 1000).optional(),
      minShards: integerBetween(1, 1000).optional(),
      maxSamplesPerSend: integerBetween(1, 100_000).optional(),
      batchSendDeadline: duration(
        "100ms",
        "5m",
        ": how long a sample may wait for a batch to fill",
      ).optional(),
      minBackoff: duration("1ms", "1m", ": the first retry's delay, doubled on every retry").optional(),
      maxBackoff: duration("1ms", "10m", ": the longest delay between retries").optional(),
    })
    .strict();

const remoteWriteQueue = () =>
  remoteWriteQueueFields().superRefine((queue, context) => {
    // Relations are checked only between values that are valid on their own: a bad one is reported once.
    const fieldsValid = remoteWriteQueueFields().safeParse(queue).success;
    if (!fieldsValid) return;
    const value = <K extends keyof typeof PROMETHEUS_QUEUE_DEFAULTS>(key: K) =>
      queue[key] ?? PROMETHEUS_QUEUE_DEFAULTS[key];
    const given = (key: keyof typeof PROMETHEUS_QUEUE_DEFAULTS) =>
      queue[key] === undefined ? `the default ${PROMETHEUS_QUEUE_DEFAULTS[key]}` : String(queue[key]);
    const problem = (key: keyof typeof PROMETHEUS_QUEUE_DEFAULTS, message: string) =>
      context.addIssue({ code: "custom", path: [key], message });
    // Prometheus 3 refuses these (QueueConfig.Validate, config/config.go@v3.13.2).
    if (value("minShards") > value("maxShards")) {
      problem(
        queue.minShards === undefined ? "maxShards" : "minShards",
        `minShards (${given("minShards")}) at most maxShards (${given("maxShards")}): Prometheus refuses more shards at least than at most`,
      );
    }
    const minBackoff = durationMsOrNaN(value("minBackoff"));
    const maxBackoff = durationMsOrNaN(value("maxBackoff"));
    if (maxBackoff < minBackoff) {
      problem(
        queue.maxBackoff === undefined ? "minBackoff" : "maxBackoff",
        `maxBackoff (${given("maxBackoff")}) at least minBackoff (${given("minBackoff")}): Prometheus refuses a longest retry delay below the first`,
      );
    }
    // Legal, but a shard could never hold one full batch: every send would wait for the deadline.
    // Prometheus' remote-write tuning guide recommends 3 to 10 times maxSamplesPerSend.
    if (value("capacity") < value("maxSamplesPerSend")) {
      problem(
        queue.capacity === undefined ? "maxSamplesPerSend" : "capacity",
        `capacity (${given("capacity")}) at least maxSamplesPerSend (${given("maxSamplesPerSend")}), better 3 to 10 times it: a shard holding less than one batch never sends a full one`,
      );
    }
  });

function durationMsOrNaN(value: string): number {
  return value !== "" && PROMETHEUS_DURATION.test(value) ? durationMs(value) : Number.NaN;
}

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const relabelLabelName = () =>
  z.string().regex(LEGACY_LABEL_NAME, {
    message: "a label name: letters, digits and '_', not starting with a digit",
  });

/** A regex both Prometheus versions read as JavaScript does (src/extensions/problems.ts re2Problem). */
const re2Regex = () =>
  z
    .string()
    .max(1000, { message: "a regex of at most 1000 characters" })
    .superRefine((value, context) => {
      const why = re2Problem(value);
      if (why !== undefined) {
        context.addIssue({
          code: "custom",
          message: `an RE2 regex as Prometheus reads it (anchored at both ends); this one ${why}`,
        });
      }
    });

const relabelText = (what: string) =>
  z.string().refine((value) => value.length <= 1000 && !hasControlCharacter(value), {
    message: `${what} of at most 1000 characters, without control characters`,
  });

/**
 * One write_relabel_configs step: the actions that select series or labels for a remote store, each
 * with the fields Prometheus requires of it and no others (model/relabel/relabel.go Config.Validate
 * @v3.13.2: replace needs target_label; labeldrop and labelkeep take only regex).
 */
const writeRelabelStep = () => {
  const selecting = {
    sourceLabels: z.array(relabelLabelName()).min(1, { message: "at least one label" }).max(20),
    separator: relabelText("a separator").optional(),
    regex: re2Regex(),
  };
  return z.discriminatedUnion(
    "action",
    [
      z.object({ action: z.literal("keep"), ...selecting }).strict(),
      z.object({ action: z.literal("drop"), ...selecting }).strict(),
      z
        .object({
          action: z.literal("replace"),
          ...selecting,
          regex: re2Regex().optional(),
          targetLabel: relabelLabelName(),
          replacement: relabelText("a replacement").optional(),
        })
        .strict(),
      z.object({ action: z.literal("labeldrop"), regex: re2Regex() }).strict(),
      z.object({ action: z.literal("labelkeep"), regex: re2Regex() }).strict(),
    ],
    { message: 'an action of "keep", "drop", "replace", "labeldrop" or "labelkeep"' },
  );
};

export type WriteRelabelStep = z.infer<ReturnType<typeof writeRelabelStep>>;

/**
 * remoteWrite's entries: an https URL, an optional name, and at most one kind of credentials, which
 * go to a Secret Prometheus reads as files. Prometheus' own refusals (two entries of one name, two
 * identical entries, both kinds of authorization) are refused here first.
 */
export const remoteWriteEndpoints = () =>
  z
    .array(
      z
        .object({
          url: httpsUrl(),
          name: z
            .string()
            .regex(/^[\w-]{1,200}$/, { message: "a name of 1 to 200 letters, digits, '_' and '-'" })
            .optional(),
          basicAuth: z
            .object({
              // Written into prometheus.yml, so not a secret. RFC 7617 forbids ':' in a user-id.
              username: z
                .string()
                .refine((value) => /^[^\s:]{1,256}$/u.test(value) && !hasControlCharacter(value), {
                  message: "a username of 1 to 256 characters without ':', spaces or control characters",
                }),
              // Prometheus trims what it reads from a password file: spaces at either end would be lost.
              // Or a reference to an existing Secret, whose key is mounted as that file.
              password: orSecretReference(
                z
                  .string()
                  .refine(
                    (value) =>
                      value !== "" &&
                      value.length <= 4096 &&
                      value === value.trim() &&
                      !hasControlCharacter(value),
                    {
                      message:
                        "a password of 1 to 4096 characters, without control characters or spaces at either end",
                    },
                  ),
              ),
            })
            .strict()
            .optional(),
          // Sent as `Authorization: Bearer <token>`, from a file Prometheus trims; or a reference.
          bearerToken: orSecretReference(
            z.string().regex(/^[\x21-\x7e]{1,4096}$/, {
              message: "a token of 1 to 4096 visible ASCII characters, without spaces",
            }),
          ).optional(),
          queue: remoteWriteQueue().optional(),
          // Applied to every series before it is sent, after the scrape's own relabeling.
          writeRelabel: z.array(writeRelabelStep()).max(50, { message: "at most 50 steps" }).optional(),
        })
        .strict()
        .refine((entry) => entry.basicAuth === undefined || entry.bearerToken === undefined, {
          message:
            "basicAuth or bearerToken, not both: Prometheus refuses two kinds of authorization on one endpoint",
        }),
    )
    // Each entry is a queue with shards and buffers of its own, and prometheus.yml must fit a ConfigMap.
    .max(20, { message: "at most 20 remote-write endpoints" })
    .superRefine((entries, context) => {
      const hasCredentials = (entry: (typeof entries)[number]) =>
        entry.basicAuth !== undefined || entry.bearerToken !== undefined;
      // Prometheus refuses two remote-write entries of one name, and two identical ones.
      entries.forEach((entry, index) => {
        const earlier = entries.slice(0, index);
        if (entry.name !== undefined) {
          const named = earlier.findIndex((other) => other.name === entry.name);
          if (named >= 0) {
            context.addIssue({
              code: "custom",
              path: [index, "name"],
              message: `a name of its own: entry ${named} is named ${JSON.stringify(entry.name)} too, and Prometheus refuses two remote-write entries of one name`,
            });
          }
          // Credential files are named after the entry's name, or after its index when it has none.
          const unnamed = entries.findIndex(
            (other, at) =>
              other.name === undefined &&
              hasCredentials(other) &&
              remoteWriteKey(undefined, at) === entry.name,
          );
          if (unnamed >= 0 && hasCredentials(entry)) {
            context.addIssue({
              code: "custom",
              path: [index, "name"],
              message: `a name other than ${JSON.stringify(entry.name)}: entry ${unnamed} has none, and its credentials are filed under that one`,
            });
          }
        } else {
          const sameUrl = earlier.findIndex((other) => other.name === undefined && other.url === entry.url);
          if (sameUrl >= 0) {
            context.addIssue({
              code: "custom",
              path: [index, "url"],
              message: `a name, or a URL of its own: entry ${sameUrl}, unnamed too, sends there, and Prometheus refuses two identical remote-write entries`,
            });
          }
        }
      });
    });
