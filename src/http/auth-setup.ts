/**
 * Wires custom auth for the app: loads the `auth.path` module, builds the authenticate middleware
 * (public routes are known only once every route is registered, hence `setRoutes`), the per-route
 * authorizer, and who may read `/openapi.json`, `/docs` and `/metrics`.
 */
import type { MiddlewareHandler } from "hono";
import { authMiddleware } from "../auth/authenticate.ts";
import { createAuthorizer } from "../auth/authorize.ts";
import { loadAuthHandlers } from "../auth/load.ts";
import { studioVerifier } from "../auth/studio.ts";
import type { ConfigFile } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { RouteSpec } from "./api.ts";
import { publicRouteMatcher, type RouteAuth, routeAuth } from "./authz.ts";

type Exposure = "public" | "authenticated" | "off";

/** What the composition root needs from auth. */
export interface AuthSetup {
  /** The authenticate middleware, when an auth module is configured. */
  middleware: MiddlewareHandler | undefined;
  auth: RouteAuth;
  exposure: { openapi: Exposure; docs: Exposure; metrics: Exposure };
  /** Tells the middleware which registered routes are public. */
  setRoutes(routes: readonly RouteSpec[]): void;
}

/** Loads the auth module (if any) and builds the pieces above. */
export async function setupAuth(
  config: ConfigFile["auth"],
  cwd: string,
  log: Logger,
  studioKeyDigests: readonly string[] = [],
): Promise<AuthSetup> {
  const handlers = config?.path ? await loadAuthHandlers(config.path, cwd) : undefined;
  let isPublicRoute: (method: string, path: string) => boolean = () => false;
  const middleware = handlers
    ? authMiddleware({
        handlers,
        studio: config?.disable_studio_auth ? undefined : studioVerifier(studioKeyDigests),
        isPublic: (method, path) => isPublicRoute(method, path),
      })
    : undefined;
  if (handlers)
    log.info(
      { path: config?.path, studio_keys: studioKeyDigests.length },
      "custom auth enabled (Studio exemption only with configured LangSmith keys)",
    );
  // With an auth module, docs and metrics need credentials unless configured public.
  const fallback: Exposure = handlers ? "authenticated" : "public";
  return {
    middleware,
    auth: routeAuth(createAuthorizer(handlers)),
    exposure: {
      openapi: config?.openapi ?? fallback,
      docs: config?.docs ?? config?.openapi ?? fallback,
      metrics: config?.metrics ?? fallback,
    },
    setRoutes(routes) {
      isPublicRoute = publicRouteMatcher(routes);
    },
  };
}
