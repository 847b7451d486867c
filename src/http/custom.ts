/**
 * The user's Hono app from `http.app` (`"./file.ts:app"`, relative to the config folder), mounted
 * before our routes so it can add routes, shadow ours and wrap them in its middleware, as the
 * official server does. The user's Hono is usually another copy of the package than ours, so we
 * re-register its routes on a Hono of our own rather than trusting `app.route()` across copies.
 */
import path from "node:path";
import { Hono } from "hono";
import { importUserModule } from "../core/modules.ts";

/** The structural part of a (possibly foreign) Hono app we rely on. */
export interface ForeignHono {
  routes: { method: string; path: string; handler: (...args: any[]) => unknown }[];
  errorHandler: (...args: any[]) => unknown;
  fetch: (...args: any[]) => unknown;
}

/** Splits `"./file.ts:export"` (export defaults to `default`). */
export function parseModuleSpec(spec: string): { file: string; exportName: string } {
  const idx = spec.lastIndexOf(":");
  const hasExport = idx > 1 && !spec.slice(idx).includes("/");
  return hasExport
    ? { file: spec.slice(0, idx), exportName: spec.slice(idx + 1) || "default" }
    : { file: spec, exportName: "default" };
}

const isHonoLike = (value: unknown): value is ForeignHono =>
  value != null &&
  typeof value === "object" &&
  Array.isArray((value as ForeignHono).routes) &&
  typeof (value as ForeignHono).fetch === "function";

/** Imports the module named by `http.app` and returns its Hono app. */
export async function loadUserApp(spec: string, cwd: string): Promise<ForeignHono> {
  const { file, exportName } = parseModuleSpec(spec);
  const full = path.resolve(cwd, file);
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(full);
  } catch (error) {
    throw new Error(`http.app: cannot load ${full}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const app = await mod[exportName];
  if (!isHonoLike(app)) {
    throw new Error(`http.app: "${exportName}" exported by ${full} is not a Hono app`);
  }
  return app;
}

const squash = (fn: unknown) => String(fn).replace(/\s+/g, "");
const DEFAULT_ON_ERROR = squash((new Hono() as unknown as ForeignHono).errorHandler);

/** Whether the app kept Hono's default `onError` (compared by source: the copy may differ). */
export function hasDefaultErrorHandler(app: ForeignHono): boolean {
  return squash(app.errorHandler) === DEFAULT_ON_ERROR;
}

/**
 * A Hono of our copy carrying the user's routes and middleware in their order. With Hono's default
 * `onError`, errors (ours included, raised under the user's middleware) reach our error mapping;
 * a custom `onError` keeps handling them, as it does upstream.
 */
export function adoptUserApp(user: ForeignHono): Hono {
  const adopted = new Hono();
  if (!hasDefaultErrorHandler(user)) adopted.onError(user.errorHandler as any);
  for (const route of user.routes) adopted.on(route.method, route.path, route.handler as any);
  return adopted;
}
