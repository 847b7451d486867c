/**
 * Loads the module named by `auth.path` (`"./auth.ts:auth"`, relative to the config folder) like a
 * graph module: TypeScript imported directly, no build step. It must export an `Auth` instance of
 * `@langchain/langgraph-sdk/auth`, recognised structurally by its `~handlerCache` (the user's copy
 * of the SDK is usually not ours).
 */
import path from "node:path";
import { importUserModule } from "../core/modules.ts";

/** The argument an authorization callback receives (as the SDK's `Auth.on` documents it). */
export interface AuthCallbackArgs {
  event: string;
  resource: string;
  action: string;
  value: unknown;
  permissions: string[];
  user: Record<string, unknown>;
}

/** An authorization callback: allow (`true`/nothing), deny (`false`) or a filter object. */
export type AuthCallback = (args: AuthCallbackArgs) => unknown;

/** The handlers of an `Auth` instance (its `~handlerCache`, read live). */
export interface AuthHandlers {
  authenticate?: (request: Request) => unknown;
  callbacks?: Record<string, AuthCallback>;
}

/** Splits `"./file.ts:export"` (export defaults to `default`; drive letters are not exports). */
export function splitModuleSpec(spec: string): { file: string; exportName: string } {
  const idx = spec.lastIndexOf(":");
  if (idx <= 1 || spec.slice(idx).includes("/") || spec.slice(idx).includes("\\"))
    return { file: spec, exportName: "default" };
  return { file: spec.slice(0, idx), exportName: spec.slice(idx + 1) || "default" };
}

/** Imports the auth module and returns the handlers of its `Auth` export. */
export async function loadAuthHandlers(spec: string, cwd: string): Promise<AuthHandlers> {
  const { file, exportName } = splitModuleSpec(spec);
  const full = path.resolve(cwd, file);
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(full);
  } catch (error) {
    throw new Error(`auth.path: cannot load ${full}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const auth = (await mod[exportName]) as Record<string, unknown> | undefined;
  if (auth == null) throw new Error(`Failed to load auth: ${spec}`);
  if (typeof auth !== "object" || !("~handlerCache" in auth))
    throw new Error(`Auth must be an instance of Auth: ${spec}`);
  return auth["~handlerCache"] as AuthHandlers;
}
