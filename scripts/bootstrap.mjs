#!/usr/bin/env node
// Makes a fresh checkout runnable: npm dependencies, then the Debian packages of the real binaries
// the stack and its tests run. Plain Node with no dependencies, since it runs before npm install.
//   node scripts/bootstrap.mjs start|test
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Debian package → a file it installs, proving it is present. */
const debianPackages = {
  prometheus: "/usr/bin/prometheus",
  "prometheus-alertmanager": "/usr/bin/prometheus-alertmanager",
  "prometheus-node-exporter": "/usr/bin/prometheus-node-exporter",
  "prometheus-blackbox-exporter": "/usr/bin/prometheus-blackbox-exporter",
  "prometheus-postgres-exporter": "/usr/bin/prometheus-postgres-exporter",
  postgresql: "/usr/lib/postgresql",
  // A local CA and certificates for the local HTTPS endpoint and the relabeling tests.
  openssl: "/usr/bin/openssl",
};

/** Only the tests need these: the console's browser tests drive Debian's Chromium. */
const testOnlyPackages = {
  chromium: "/usr/bin/chromium",
};

function run(command, args) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.status !== 0) {
    console.error(`bootstrap: ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

function npmDependencies() {
  const installed = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("bootstrap: installing npm dependencies (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

function postgresPresent() {
  const base = debianPackages.postgresql;
  return (
    existsSync(base) && readdirSync(base).some((version) => existsSync(join(base, version, "bin", "pg_ctl")))
  );
}

function debianDependencies(purpose) {
  const wanted = purpose === "test" ? { ...debianPackages, ...testOnlyPackages } : debianPackages;
  const missing = Object.entries(wanted)
    .filter(([name, file]) => (name === "postgresql" ? !postgresPresent() : !existsSync(file)))
    .map(([name]) => name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `bootstrap: missing Debian packages: ${missing.join(" ")}\n` +
        `Install them, then run this again:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`,
    );
    process.exit(1);
  }
  console.log(`bootstrap: installing Debian packages: ${missing.join(" ")}`);
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  // The packages' own services are not wanted: the stack starts its own processes.
  for (const service of ["prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "postgresql"]) {
    try {
      execFileSync("service", [service, "stop"], { stdio: "ignore" });
    } catch {}
  }
}

const purpose = process.argv[2] ?? "test";
if (!["start", "test"].includes(purpose)) {
  console.error("usage: node scripts/bootstrap.mjs start|test");
  process.exit(2);
}
npmDependencies();
debianDependencies(purpose);
