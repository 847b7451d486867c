/**
 * Loads the user's error hook (`telemetry.error_hook`: `"./file.ts:export"`, export `onError` by
 * default), called with every unexpected server error: the place to hook Sentry or similar.
 */
import { importUserModule } from "../core/modules.ts";

/** The hook signature (see `examples/sentry/`). */
export type LoadedErrorHook = (
  error: unknown,
  context: { method: string; path: string; route: string; requestId?: string },
) => void;

/** Imports `spec` (an absolute path, optionally `:exportName`). */
export async function loadErrorHook(spec: string): Promise<LoadedErrorHook> {
  const idx = spec.lastIndexOf(":");
  const hasExport = idx > 1 && !spec.slice(idx).includes("/");
  const file = hasExport ? spec.slice(0, idx) : spec;
  const name = hasExport ? spec.slice(idx + 1) : "onError";
  const mod = await importUserModule(file);
  const hook = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
  if (typeof hook !== "function") throw new Error(`error hook ${spec}: no function "${name}"`);
  return hook as LoadedErrorHook;
}
