/** A configuration problem, reported with the key at fault. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
