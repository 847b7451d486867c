/**
 * The HTTP side of authorization: each route declares the `resource:action` event it emits and the
 * event value; `RouteAuth` runs it for the caller (`c.var.auth`) and returns the scope the route
 * passes on to its service (which hands it to storage) and the value as the handler left it.
 * Also the matcher of routes declared `public` in the registry, which authentication skips.
 */
import type { Context } from "hono";
import { type AuthAction, type Authorize, type AuthResource, allowAll } from "../auth/authorize.ts";
import type { Scope } from "../auth/scope.ts";
import { forbidden, notFound } from "../core/errors.ts";
import type { RouteSpec } from "./api.ts";

/** Authorizes one event of the current request. */
export type RouteAuth = <V>(
  c: Context,
  resource: AuthResource,
  action: AuthAction,
  value: V,
) => Promise<{ scope: Scope; value: V }>;

/** Binds an authorizer to requests; without one, everything is allowed unscoped. */
export function routeAuth(authorize: Authorize = allowAll): RouteAuth {
  return async function authorizeRoute(c, resource, action, value) {
    const decision = await authorize(c.get("auth"), resource, action, value);
    return { scope: decision.filter, value: decision.value };
  };
}

/** Whether a thread exists within an auth scope (decided in storage). */
export type ThreadVisible = (threadId: string, scope: Scope) => Promise<boolean>;

/**
 * A `threads:read` check for routes that work on a thread through another service (protocol
 * streams, thread joins): a thread outside the caller's scope is 404. Without a way to check
 * visibility, a scoped caller is refused (fail closed).
 */
export function threadReadGuard(authz: RouteAuth, visible?: ThreadVisible) {
  return async function guardThread(c: Context, threadId: string): Promise<void> {
    const { scope } = await authz(c, "threads", "read", { thread_id: threadId });
    if (scope == null) return;
    if (!visible) throw forbidden("");
    if (!(await visible(threadId, scope))) throw notFound(`Thread with ID ${threadId} not found`);
  };
}

/** A route path as an anchored RegExp (`:param` one segment, `*` anything). */
export const patternOf = (path: string) =>
  new RegExp(
    `^${path
      .split("/")
      .map((seg) =>
        seg === "*"
          ? ".*"
          : seg.startsWith(":")
            ? "[^/]+"
            : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/")}/?$`,
  );

/** Whether a request hits a route declared `public` (patterns compiled once, on first use). */
export function publicRouteMatcher(routes: readonly RouteSpec[]) {
  return routeMatcher(routes, (r) => r.public === true);
}

/** Whether a request hits a route `pick` selects (patterns compiled once, on first use). */
export function routeMatcher(routes: readonly RouteSpec[], pick: (route: RouteSpec) => boolean) {
  let compiled: { method: string; re: RegExp }[] | undefined;
  return function matches(method: string, path: string): boolean {
    compiled ??= routes
      .filter(pick)
      .map((r) => ({ method: r.method.toUpperCase(), re: patternOf(r.path) }));
    const m = method === "HEAD" ? "GET" : method;
    return compiled.some((r) => r.method === m && r.re.test(path));
  };
}
