/**
 * Authentication: runs the user's `authenticate(request)` on every request the official server
 * does not exempt, normalises its result and stores it as the typed context variable `auth`.
 * Exempt: `GET /info` (any method, as upstream), `GET /ui/*` assets, the admin UI's static files
 * (`GET /admin/`, `/admin/assets/*`: no data; the UI's API calls are authenticated) and routes
 * declared `public`.
 * LangGraph Studio (`x-auth-scheme: langsmith`) is let in as the Studio user only when a Studio
 * verifier is configured and accepts the request's LangSmith key (see `studio.ts`); without one the
 * header is ignored, so no header alone changes who the caller is.
 */
import type { MiddlewareHandler } from "hono";
import { AuthRejection, fromAuthError } from "./errors.ts";
import type { AuthHandlers } from "./load.ts";
import type { AuthContext } from "./scope.ts";
import type { StudioVerifier } from "./studio.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The authenticated caller; absent when no auth module is configured or the route is public. */
    auth?: AuthContext;
  }
}

/** The user Studio requests run as (as upstream; `isStudioUser()` of the SDK recognises it). */
export const STUDIO_USER = {
  kind: "StudioUser",
  identity: "langgraph-studio-user",
  display_name: "langgraph-studio-user",
  permissions: [] as string[],
  is_authenticated: true,
};

/** Normalises what `authenticate` returned: a string identity or an object with `identity`. */
export function normalizeAuthResult(result: unknown): AuthContext {
  if (typeof result === "string") {
    return {
      permissions: [],
      user: { identity: result, permissions: [], display_name: result, is_authenticated: true },
    };
  }
  if (
    typeof result === "object" &&
    result !== null &&
    typeof (result as { identity?: unknown }).identity === "string"
  ) {
    const r = result as Record<string, unknown> & { identity: string };
    const permissions = Array.isArray(r.permissions) ? (r.permissions as string[]) : [];
    return {
      permissions,
      user: {
        ...r,
        permissions,
        is_authenticated: (r.is_authenticated as boolean | undefined) ?? true,
        display_name: (r.display_name as string | undefined) ?? r.identity,
      },
    };
  }
  throw new Error(
    "Invalid auth response received. Make sure to either return a `string` or an object with `identity` property.",
  );
}

/** Runs the module's `authenticate`; `undefined` when it defines none. */
export async function authenticateRequest(
  handlers: AuthHandlers,
  request: Request,
): Promise<AuthContext | undefined> {
  if (!handlers.authenticate) return undefined;
  try {
    return normalizeAuthResult(await handlers.authenticate(request));
  } catch (error) {
    throw fromAuthError(error);
  }
}

/** Options of the middleware. */
export interface AuthMiddlewareOptions {
  handlers: AuthHandlers;
  /**
   * Checks Studio's LangSmith key; absent (the default, or `auth.disable_studio_auth`): Studio
   * requests go through `authenticate` like any other.
   */
  studio?: StudioVerifier;
  /** Routes declared public (the registry knows them; evaluated per request). */
  isPublic(method: string, path: string): boolean;
}

/** Whether the official server skips authentication for this request. */
export function officiallyExempt(method: string, path: string): boolean {
  return path === "/info" || (method === "GET" && path.startsWith("/ui"));
}

/**
 * Whether a request is for the admin UI's static files (src/http/routes/admin-ui.ts): exempt, they
 * hold no data.
 */
export function isAdminShell(method: string, requestPath: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  return (
    requestPath === "/admin" ||
    requestPath === "/admin/" ||
    /^\/admin\/assets\/[\w.-]+$/.test(requestPath)
  );
}

/** The authentication middleware; sets `c.var.auth`. */
export function authMiddleware(options: AuthMiddlewareOptions): MiddlewareHandler {
  return async function authenticate(c, next) {
    const { method, path } = c.req;
    if (
      c.get("auth") || // already authenticated (an API key, src/http/tenancy.ts)
      officiallyExempt(method, path) ||
      isAdminShell(method, path) ||
      options.isPublic(method, path)
    )
      return next();
    if (options.studio && c.req.header("x-auth-scheme") === "langsmith") {
      if (!options.studio.verify(c.req.raw))
        throw new AuthRejection(401, "Invalid or missing LangSmith API key", {
          "WWW-Authenticate": 'ApiKey header="x-api-key"',
        });
      c.set("auth", { user: { ...STUDIO_USER, permissions: [] }, permissions: [] });
      return next();
    }
    const auth = await authenticateRequest(options.handlers, c.req.raw);
    if (auth) c.set("auth", auth);
    return next();
  };
}
