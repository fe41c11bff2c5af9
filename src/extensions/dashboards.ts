// A team's dashboards (config.dashboards), provisioned like ours: one file per dashboard, named by
// its uid, in the same folder. A uid is what bookmarks and links keep: the one given, or one derived
// from the title, which stays the same as long as the title does.
import type { StackConfig } from "../config/schema.ts";
import { SCHEMA_VERSION } from "../dashboards/panels.ts";

export interface CustomDashboard {
  uid: string;
  json: Record<string, unknown>;
}

/** "Worker queues" → "custom-worker-queues": stable, and never one of ours (plue-…). */
export function uidFromTitle(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `custom-${slug || "dashboard"}`.slice(0, 40).replace(/-+$/, "");
}

export function customDashboards(config: StackConfig): CustomDashboard[] {
  return config.dashboards.map((dashboard) => {
    const uid = dashboard.uid ?? uidFromTitle(dashboard.title);
    // Provisioned dashboards are matched by uid; a numeric id from an export would clash.
    const { id: _id, ...json } = dashboard as Record<string, unknown>;
    // As for ours: a schema version newer than the Grafana image knows would not be migrated.
    const version = typeof json.schemaVersion === "number" ? json.schemaVersion : SCHEMA_VERSION;
    return { uid, json: { ...json, uid, schemaVersion: Math.min(version, SCHEMA_VERSION) } };
  });
}
