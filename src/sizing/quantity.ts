// Byte counts as the Kubernetes quantities a manifest or a recommendation writes.

/** A Kubernetes quantity at least `bytes`: Mi in steps of 64 below 1Gi, else Gi to a tenth. */
export function quantityAtLeast(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib < 1) return `${Math.max(64, Math.ceil(bytes / 2 ** 20 / 64) * 64)}Mi`;
  return `${Math.ceil(gib * 10) / 10}Gi`;
}
