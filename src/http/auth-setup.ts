/**
 * Wires custom auth for the app: loads the `auth.path` module (or takes a plugin's handlers), builds
 * the authenticate middleware for an app's route registry (public routes skip it; the registry is
 * read on the first request, when every route is declared), the per-route authorizer, and who may
 * read `/openapi.json`, `/docs` and `/metrics`.
 */
import type { MiddlewareHandler } from "hono";
import { authMiddleware } from "../auth/authenticate.ts";
import { createAuthorizer } from "../auth/authorize.ts";
import { type AuthHandlers, loadAuthHandlers } from "../auth/load.ts";
import { studioVerifier } from "../auth/studio.ts";
import type { ConfigFile } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { RouteSpec } from "./api.ts";
import { publicRouteMatcher, type RouteAuth, routeAuth } from "./authz.ts";

type Exposure = "public" | "authenticated" | "off";

/** What the composition root needs from auth. */
export interface AuthSetup {
  /** Whether an auth module is configured (routes then need credentials). */
  enabled: boolean;
  /** The authenticate middleware for an app whose registry is `routes` (undefined without auth). */
  middleware(routes: readonly RouteSpec[]): MiddlewareHandler | undefined;
  auth: RouteAuth;
  exposure: { openapi: Exposure; docs: Exposure; metrics: Exposure };
}

/** Loads the auth module (if any) and builds the pieces above. */
export async function setupAuth(
  config: ConfigFile["auth"],
  cwd: string,
  log: Logger,
  studioKeyDigests: readonly string[] = [],
  /** Handlers of a plugin's auth provider, used when `auth.path` is not set. */
  provided?: { handlers?: AuthHandlers },
): Promise<AuthSetup> {
  const handlers = config?.path ? await loadAuthHandlers(config.path, cwd) : provided?.handlers;
  if (handlers)
    log.info(
      { path: config?.path, studio_keys: studioKeyDigests.length },
      "custom auth enabled (Studio exemption only with configured LangSmith keys)",
    );
  // With an auth module, docs and metrics need credentials unless configured public.
  const fallback: Exposure = handlers ? "authenticated" : "public";
  return {
    enabled: handlers != null,
    middleware: (routes) =>
      handlers
        ? authMiddleware({
            handlers,
            studio: config?.disable_studio_auth ? undefined : studioVerifier(studioKeyDigests),
            isPublic: publicRouteMatcher(routes),
          })
        : undefined,
    auth: routeAuth(createAuthorizer(handlers)),
    exposure: {
      openapi: config?.openapi ?? fallback,
      docs: config?.docs ?? config?.openapi ?? fallback,
      metrics: config?.metrics ?? fallback,
    },
  };
}
