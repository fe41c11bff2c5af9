// The `backup` key: scheduled CSI VolumeSnapshots of Prometheus' and Grafana's volumes, opt-in
// (src/kubernetes/backup.ts builds the objects; docs/operations.md says why snapshots of the volumes
// rather than the admin API, and how to restore).
import { z } from "zod";
import { dnsSubdomain, pinnedImage } from "./formats.ts";

/**
 * kubectl, which creates the VolumeSnapshot objects: the image Kubernetes publishes with every
 * release since 1.28. v1.36.0: listed under "Container Images" of v1.36.0 in kubernetes/kubernetes
 * CHANGELOG/CHANGELOG-1.36.md; built from build/server-image/kubectl/Dockerfile, whose entrypoint is
 * /bin/kubectl. kubectl supports the API server's version and one minor either side.
 */
export const DEFAULT_BACKUP_IMAGE = "registry.k8s.io/kubectl:v1.36.0";

/**
 * One field of a five-field cron schedule as a Kubernetes CronJob takes it (the robfig/cron standard
 * parser): *, a number or a range, each with an optional /step, comma-separated; months and
 * weekdays may be named (JAN, MON).
 */
const CRON_FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** Why a schedule is no cron schedule a CronJob accepts, or undefined when it is one. */
export function cronProblem(schedule: string): string | undefined {
  if (CRON_MACROS.includes(schedule)) return undefined;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5)
    return `${fields.length} fields; a schedule has 5 (minute hour day-of-month month day-of-week)`;
  for (const [index, field] of fields.entries()) {
    const spec = CRON_FIELDS[index] as (typeof CRON_FIELDS)[number];
    const names: readonly string[] = "names" in spec ? spec.names : [];
    const value = (text: string) => {
      const named = names.indexOf(text.toUpperCase());
      if (named >= 0) return spec.min + named;
      return /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
    };
    for (const part of (field as string).split(",")) {
      const match = /^(\*|[^-/]+(?:-[^-/]+)?)(?:\/(\d{1,2}))?$/.exec(part);
      if (!match)
        return `${spec.name} ${JSON.stringify(field)} is not *, a value or a range, with an optional /step`;
      const [range = "", step] = [match[1], match[2]];
      if (step !== undefined && Number(step) === 0)
        return `${spec.name} ${JSON.stringify(field)} has a step of 0`;
      if (range === "*") continue;
      const [from, to = from] = range.split("-").map(value) as [number, number?];
      if (!(from >= spec.min && (to as number) <= spec.max && from <= (to as number))) {
        return `${spec.name} ${JSON.stringify(field)} is outside ${spec.min}-${spec.max}`;
      }
    }
  }
  return undefined;
}

const cronSchedule = () =>
  z.string().superRefine((schedule, context) => {
    if (schedule === "") return;
    const problem = cronProblem(schedule);
    if (problem)
      context.addIssue({
        code: "custom",
        message: `a cron schedule (minute hour day-of-month month day-of-week) or "" (off); here ${problem}`,
      });
  });

export const backupSchema = () =>
  z
    .object({
      // "": no scheduled backup, nothing deployed for it.
      schedule: cronSchedule().default(""),
      // "": the cluster's default VolumeSnapshotClass for the volumes' CSI driver.
      volumeSnapshotClassName: dnsSubdomain("VolumeSnapshotClass").default(""),
      // Grafana's SQLite database (users, teams, annotations, hand-made dashboards) lives on its volume.
      grafana: z.boolean({ message: "true or false" }).default(true),
      image: pinnedImage().default(DEFAULT_BACKUP_IMAGE),
    })
    .strict();

export type Backup = z.output<ReturnType<typeof backupSchema>>;

export const defaultBackup: Backup = {
  schedule: "",
  volumeSnapshotClassName: "",
  grafana: true,
  image: DEFAULT_BACKUP_IMAGE,
};

/** Whether the stack deploys the scheduled backup. */
export const backupEnabled = (backup: Backup): boolean => backup.schedule !== "";
