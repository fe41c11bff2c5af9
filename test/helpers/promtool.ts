// promtool on a metrics exposition, and on a cluster prometheus.yml. Debian's Prometheus 2.42 is built without Kubernetes service
// discovery, so promtool here rejects `kubernetes_sd_configs` and stops before checking anything
// else. The same file with each kubernetes_sd_configs swapped for a file_sd_configs lets promtool
// check everything else: relabel regexes, auth, TLS, alerting, remote_write.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { toYaml } from "../../src/render.ts";
import { runCommand } from "./system.ts";

type Job = Record<string, unknown> & { job_name: string };
export const jobsOf = (yml: Record<string, unknown>) => yml.scrape_configs as Job[];

export const KUBERNETES_SD_COMPLAINT = "field kubernetes_sd_configs not found in type config.ScrapeConfig";

export function withFileSd(yml: Record<string, unknown>, sdFile: string): Record<string, unknown> {
  return {
    ...yml,
    scrape_configs: jobsOf(yml).map(({ kubernetes_sd_configs, ...job }) =>
      kubernetes_sd_configs ? { ...job, file_sd_configs: [{ files: [sdFile] }] } : job,
    ),
  };
}

/**
 * `promtool check config --syntax-only` on the file as written (its only complaints must be the
 * missing Kubernetes SD, one per job using it) and on the file-SD copy (which must pass).
 */
export async function checkClusterConfigSyntax(yml: Record<string, unknown>, dir: string) {
  const asWritten = join(dir, "cluster-as-written.yml");
  const swapped = join(dir, "cluster-file-sd.yml");
  writeFileSync(asWritten, toYaml(yml));
  writeFileSync(swapped, toYaml(withFileSd(yml, join(dir, "sd.json"))));
  const raw = await runCommand("promtool", ["check", "config", "--syntax-only", asWritten]);
  const complaints = [...raw.stderr.matchAll(/line \d+: (.*)/g)].map((match) => match[1]);
  return {
    raw,
    /** What promtool objected to in the file as written, besides the missing Kubernetes SD. */
    otherComplaints:
      raw.code === 0 ? [] : complaints.filter((complaint) => complaint !== KUBERNETES_SD_COMPLAINT),
    kubernetesSdJobs: jobsOf(yml).filter((job) => job.kubernetes_sd_configs).length,
    kubernetesSdComplaints: complaints.filter((complaint) => complaint === KUBERNETES_SD_COMPLAINT).length,
    swapped: await runCommand("promtool", ["check", "config", "--syntax-only", swapped]),
  };
}

/**
 * `promtool check metrics` on an exposition fed to its stdin: the exit code (0 clean, 3 lint remarks
 * only, 1 for a parse error) and everything it printed, stdout and stderr in the order they came.
 */
export function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
