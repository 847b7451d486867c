/**
 * Imports a module of the user's project (a graph, auth handler, HTTP app, hook), TypeScript or
 * JavaScript, ESM or CommonJS. A project without `"type": "module"` makes its `.ts` files CommonJS:
 * tsx compiles them to `module.exports`, whose names Node cannot see, so the namespace has only
 * `default`; then the names are read from `module.exports`, as `require` would give them.
 */
import { pathToFileURL } from "node:url";

/** The module's exports by name (see above for CommonJS modules). */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const names = Object.keys(mod).filter((k) => k !== "module.exports");
  const cjs = mod["module.exports"] ?? mod.default;
  if (names.length !== 1 || names[0] !== "default" || cjs == null || typeof cjs !== "object") {
    return mod;
  }
  return { ...(cjs as Record<string, unknown>), default: mod.default };
}
