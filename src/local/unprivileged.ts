// Some children refuse to run as root (PostgreSQL) and none needs to: when the stack is started as
// root they run as an unprivileged system user through setpriv, which execs in place, so the
// supervised pid is the program itself.
import { chownSync, readFileSync } from "node:fs";

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** Candidate users, most fitting first: the Debian package's own user, then nobody. */
const CANDIDATES = ["postgres", "nobody"];

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

export function findSystemUser(candidates: readonly string[] = CANDIDATES): SystemUser {
  const users = new Map<string, SystemUser>();
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name && uid && gid) users.set(name, { name, uid: Number(uid), gid: Number(gid) });
  }
  for (const candidate of candidates) {
    const user = users.get(candidate);
    if (user) return user;
  }
  throw new Error(`none of the users ${candidates.join(", ")} exists to run the local stack's children`);
}

export interface Privileges {
  /** The user children run as, or undefined when we are not root and children run as us. */
  user: SystemUser | undefined;
  /** The command line that runs `command args` with these privileges. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  /** Hands a file or directory to that user (a no-op when not root). */
  give(path: string): void;
}

export function dropPrivileges(candidates?: readonly string[]): Privileges {
  if (!runningAsRoot()) {
    return { user: undefined, wrap: (command, args) => ({ command, args: [...args] }), give: () => {} };
  }
  const user = findSystemUser(candidates);
  return {
    user,
    wrap: (command, args) => ({
      command: "/usr/bin/setpriv",
      args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", command, ...args],
    }),
    give: (path) => chownSync(path, user.uid, user.gid),
  };
}
