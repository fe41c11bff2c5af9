/** Bad input that is not a config key: an unknown flag, an unusable --out. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
