// The Pod Security Standards' restricted profile (which includes baseline), checked on a pod spec as
// the admission controller would, and the stack's own rules on top. Each violation is named by the
// control it breaks, so an allowed exception can be stated by name.

// biome-ignore lint/suspicious/noExplicitAny: a pod spec as parsed from YAML
type PodSpec = any;
// biome-ignore lint/suspicious/noExplicitAny: a container as parsed from YAML
type Container = any;

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** Controls of the restricted profile this pod spec violates (empty when it complies). */
export function restrictedViolations(spec: PodSpec, annotations: Record<string, string> = {}): string[] {
  const violations = new Set<string>();
  const pod = spec.securityContext ?? {};
  const containers = allContainers(spec);
  const each = (check: (container: Container, sc: Container) => boolean) =>
    containers.some((container) => check(container, container.securityContext ?? {}));

  // baseline
  if (pod.windowsOptions?.hostProcess || each((_, sc) => sc.windowsOptions?.hostProcess === true)) {
    violations.add("hostProcess");
  }
  if (spec.hostNetwork) violations.add("hostNetwork");
  if (spec.hostPID) violations.add("hostPID");
  if (spec.hostIPC) violations.add("hostIPC");
  if (each((_, sc) => sc.privileged === true)) violations.add("privileged");
  if (each((_, sc) => (sc.capabilities?.add ?? []).some((cap: string) => !BASELINE_CAPABILITIES.has(cap)))) {
    violations.add("capabilities (baseline)");
  }
  if ((spec.volumes ?? []).some((volume: Container) => volume.hostPath)) violations.add("hostPath volumes");
  if (each((container) => (container.ports ?? []).some((port: Container) => (port.hostPort ?? 0) !== 0))) {
    violations.add("hostPorts");
  }
  const appArmorUnconfined =
    Object.entries(annotations).some(
      ([key, value]) =>
        key.startsWith("container.apparmor.security.beta.kubernetes.io/") && value === "unconfined",
    ) ||
    pod.appArmorProfile?.type === "Unconfined" ||
    each((_, sc) => sc.appArmorProfile?.type === "Unconfined");
  if (appArmorUnconfined) violations.add("appArmor");
  const seLinuxBad = (options: Container | undefined) =>
    options !== undefined &&
    (!SELINUX_TYPES.has(options.type ?? "") || options.user !== undefined || options.role !== undefined);
  if (seLinuxBad(pod.seLinuxOptions) || each((_, sc) => seLinuxBad(sc.seLinuxOptions)))
    violations.add("seLinux");
  if (each((_, sc) => sc.procMount !== undefined && sc.procMount !== "Default")) violations.add("procMount");
  if (
    pod.seccompProfile?.type === "Unconfined" ||
    each((_, sc) => sc.seccompProfile?.type === "Unconfined")
  ) {
    violations.add("seccomp (baseline)");
  }
  if ((pod.sysctls ?? []).some((sysctl: Container) => !SAFE_SYSCTLS.has(sysctl.name)))
    violations.add("sysctls");

  // restricted
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== "name");
    if (type !== "hostPath" && (type === undefined || !RESTRICTED_VOLUME_TYPES.has(type))) {
      violations.add("volume types");
    }
  }
  if (each((_, sc) => sc.allowPrivilegeEscalation !== false)) violations.add("allowPrivilegeEscalation");
  const nonRoot = (sc: Container) => sc.runAsNonRoot ?? pod.runAsNonRoot;
  if (each((_, sc) => nonRoot(sc) !== true)) violations.add("runAsNonRoot");
  if (pod.runAsUser === 0 || each((_, sc) => sc.runAsUser === 0)) violations.add("runAsUser");
  const seccompType = (sc: Container) => sc.seccompProfile?.type ?? pod.seccompProfile?.type;
  if (each((_, sc) => !["RuntimeDefault", "Localhost"].includes(seccompType(sc)))) {
    violations.add("seccomp (restricted)");
  }
  if (each((_, sc) => !(sc.capabilities?.drop ?? []).includes("ALL")))
    violations.add("capabilities drop ALL");
  if (each((_, sc) => (sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE"))) {
    violations.add("capabilities add");
  }
  return [...violations].sort();
}

/** An image pinned to a version: a tag that is not "latest", or a digest. */
export function isPinned(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
  return tag !== "" && tag !== "latest";
}

/** The stack's own rules for every container: sized, probed, pinned, read-only. */
export function containerProblems(container: Container): string[] {
  const problems: string[] = [];
  for (const kind of ["requests", "limits"] as const) {
    for (const resource of ["cpu", "memory"]) {
      if (!container.resources?.[kind]?.[resource]) problems.push(`no ${resource} ${kind.slice(0, -1)}`);
    }
  }
  if (!container.livenessProbe) problems.push("no liveness probe");
  if (!container.readinessProbe) problems.push("no readiness probe");
  if (!isPinned(container.image ?? "")) problems.push(`image ${container.image} is not pinned`);
  if (container.securityContext?.readOnlyRootFilesystem !== true)
    problems.push("root filesystem is writable");
  return problems;
}
