/**
 * Plugins named in the config (`plugins: ["pkg", "./local.ts", { "name": "pkg", "options": {…} }]`):
 * each module default-exports (or exports as `plugin`) an `OlgPlugin`. A plugin may
 * - open a storage backend for database URLs with its schemes (`storage`),
 * - provide the auth provider (`auth`: the handlers an `@langchain/langgraph-sdk/auth` `Auth` has),
 * - add a feature: routes, background work, monitoring on the metrics registry (`create`).
 * Packages resolve from the project folder like the project's own imports. Errors: `Error` naming
 * the plugin (missing package, no plugin export, two storage backends for one scheme).
 * Guide: docs/plugins.md.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { AuthHandlers } from "../auth/load.ts";
import type { Settings } from "../config/load.ts";
import { importUserModule } from "../core/modules.ts";
import type { Logger } from "../logging/logger.ts";
import type { StorageHandle } from "../storage/database.ts";
import type { Feature } from "./feature.ts";
import type { PluginDeps } from "./plugin-deps.ts";

/** A storage backend for database URLs whose scheme is listed (`mysql:`, `sqlite:`…). */
export interface StoragePlugin {
  /** URL schemes without the colon (`"mysql"`). */
  schemes: string[];
  /** Opens the database and brings its schema up to date; the server closes it on shutdown. */
  open(url: string, log: Logger): Promise<StorageHandle>;
}

/** What a plugin module exports. */
export interface OlgPlugin {
  /** Shown in logs and errors. */
  name: string;
  storage?: StoragePlugin;
  /** The auth provider; `auth.path` in the config takes precedence. */
  auth?: AuthHandlers;
  /** A feature: routes, `/info` flags, start/stop, metrics. Created after the built-in features. */
  create?(deps: PluginDeps, options: Record<string, unknown>): Feature | Promise<Feature>;
}

/** The loaded plugins and what the composition root asks of them. */
export interface PluginSet {
  readonly loaded: readonly { plugin: OlgPlugin; options: Record<string, unknown> }[];
  /** The plugin storage for `url`, opened; undefined when no plugin claims its scheme. */
  openStorage(url: string | null, log: Logger): Promise<StorageHandle> | undefined;
  /** The auth handlers of the first plugin providing them. */
  authHandlers(): AuthHandlers | undefined;
}

type Entry = NonNullable<Settings["file"]["plugins"]>[number];

function resolvePlugin(name: string, cwd: string): string {
  if (name.startsWith(".") || path.isAbsolute(name)) return path.resolve(cwd, name);
  try {
    return createRequire(path.join(cwd, "package.json")).resolve(name);
  } catch (error) {
    throw new Error(`plugins: cannot find package "${name}" from ${cwd} (npm install it)`, {
      cause: error,
    });
  }
}

function isPlugin(value: unknown): value is OlgPlugin {
  return (
    typeof value === "object" && value != null && typeof (value as OlgPlugin).name === "string"
  );
}

/** Imports the plugins `entries` name, in order. */
export async function loadPlugins(entries: readonly Entry[], cwd: string): Promise<PluginSet> {
  const loaded: PluginSet["loaded"][number][] = [];
  for (const entry of entries) {
    const { name, options = {} } = typeof entry === "string" ? { name: entry } : entry;
    const mod = await importUserModule(resolvePlugin(name, cwd));
    const plugin = mod.plugin ?? mod.default;
    if (!isPlugin(plugin))
      throw new Error(`plugins: "${name}" exports no plugin (default export with a "name")`);
    loaded.push({ plugin, options });
  }
  return pluginSet(loaded);
}

/** A set over already loaded plugins (tests pass plugin objects directly). */
export function pluginSet(loaded: PluginSet["loaded"]): PluginSet {
  const bySchema = new Map<string, OlgPlugin>();
  for (const { plugin } of loaded)
    for (const scheme of plugin.storage?.schemes ?? []) {
      const other = bySchema.get(scheme);
      if (other)
        throw new Error(`plugins: "${other.name}" and "${plugin.name}" both open ${scheme}: URLs`);
      bySchema.set(scheme, plugin);
    }
  return {
    loaded,
    openStorage(url, log) {
      const scheme = url?.match(/^([a-z][a-z0-9+.-]*):/i)?.[1]?.toLowerCase();
      const plugin = scheme ? bySchema.get(scheme) : undefined;
      if (!plugin?.storage || !url) return undefined;
      log.info({ plugin: plugin.name, scheme }, "storage from plugin");
      return plugin.storage.open(url, log);
    },
    authHandlers: () => loaded.find((l) => l.plugin.auth)?.plugin.auth,
  };
}
