import type { StackConfig } from "../config/schema.ts";

/** Every alert links to docs/runbooks/<Alert>.md. */
export function runbookUrl(config: StackConfig, alert: string): string {
  return `${config.runbookBaseUrl.replace(/\/+$/, "")}/${alert}.md`;
}
