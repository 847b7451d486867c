/**
 * Where the config file is: `--config` (a file or a folder holding one), else `open_langgraph.json`,
 * else `langgraph.json`. No schema here: `olg --version`, `--help` and the boot step use it without
 * loading the config schema (zod); `load.ts` re-exports it.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./errors.ts";

const CONFIG_NAMES = ["open_langgraph.json", "langgraph.json"];

/**
 * Finds the config file: the flag (a file, or a folder holding one, as the official CLI takes),
 * else `open_langgraph.json`, else `langgraph.json`, in `cwd`.
 */
export function findConfigFile(cwd: string, flag?: string): string | null {
  if (flag) {
    const full = path.resolve(cwd, flag.startsWith("file:") ? fileURLToPath(flag) : flag);
    if (!existsSync(full)) throw new ConfigError(`Config file not found: ${full}`);
    if (!statSync(full).isDirectory()) return full;
    const inside = findConfigFile(full);
    if (!inside) throw new ConfigError(`No ${CONFIG_NAMES.join(" or ")} in ${full}`);
    return inside;
  }
  for (const name of CONFIG_NAMES) {
    const full = path.join(cwd, name);
    if (existsSync(full)) return full;
  }
  return null;
}

/** The config file `olg dev`/`olg serve` need: found as {@link findConfigFile} does, or a clear error. */
export function requireConfigFile(cwd: string, flag?: string): string {
  const found = findConfigFile(cwd, flag);
  if (found) return found;
  throw new ConfigError(
    `No ${CONFIG_NAMES.join(" or ")} in ${cwd}: create one (its "graphs" map graph ids to ` +
      `"./file.ts:export"), or give its path with --config FILE`,
  );
}
