/**
 * Builds the renderer examples (`<framework>/dist`) when stale, with the admin UI's on-demand
 * builder (same staleness rule plus the `shared/` folder, same lock, output renamed into place):
 * `npx tsx examples/generative-ui/build.ts [react|vue|svelte ...]` (default: all three).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureAdminUi } from "../../src/cli/admin-ui-build.ts";

export const FRAMEWORKS = ["react", "vue", "svelte"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** This folder. */
export const GENUI_ROOT = path.dirname(fileURLToPath(import.meta.url));

/** Builds `<framework>/dist` when missing or older than its sources or `shared/`. */
export function ensureExample(framework: Framework): Promise<"built" | "fresh" | "skipped"> {
  return ensureAdminUi(path.join(GENUI_ROOT, framework), () => {}, [
    path.join(GENUI_ROOT, "shared"),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  for (const framework of FRAMEWORKS.filter((f) => wanted.length === 0 || wanted.includes(f)))
    console.error(`${framework}: ${await ensureExample(framework)}`);
}
