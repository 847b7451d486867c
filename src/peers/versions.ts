/**
 * The installed version of a shared LangChain package, as OUR code resolves it: through the module
 * hook (share-hook.mjs) that is the project's copy, so `/info` and run metadata report the version
 * the graphs run on, not one of ours. `import.meta.resolve` goes through registered hooks;
 * `createRequire` would not.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** `version` from `name`'s package.json, or undefined when the package cannot be found. */
export function installedVersion(name: string): string | undefined {
  const specifier = `${name}/package.json`;
  try {
    const file =
      typeof import.meta.resolve === "function"
        ? fileURLToPath(import.meta.resolve(specifier))
        : createRequire(import.meta.url).resolve(specifier);
    return JSON.parse(readFileSync(file, "utf-8")).version;
  } catch {
    return undefined;
  }
}
