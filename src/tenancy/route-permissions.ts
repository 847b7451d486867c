/**
 * The permission each route requires. A route may declare it beside itself (`RouteSpec.permission`
 * in src/http/api.ts); otherwise it follows from the route's resource (its first path segment, or
 * the runs/crons under a thread) and whether it can change data (GET, and POSTs that only search,
 * count or read history, are `read`). `authenticated` means any caller of the org (`/info`, the
 * API document); `admin:*` covers operator routes (logs, metrics, dead letters, test resets).
 * test/integration/tenancy.roles.test.ts walks every route of `/openapi.json` for every role.
 */
import type { Action, Permission, Resource } from "./roles.ts";

/** What a route needs: a permission, or only an authenticated caller. */
export type RoutePermission = Permission | "authenticated";

/** The parts of a route declaration the rule reads. */
export interface RouteShape {
  method: string;
  path: string;
  tags?: readonly string[];
  permission?: RoutePermission;
}

/** POST routes that only read (search, count, history, namespaces, one checkpoint's state). */
const READ_POSTS = /\/(search|count|history|namespaces|checkpoint|download_url)$/;

const ANY_CALLER = new Set(["/info", "/ok", "/ready", "/openapi.json", "/docs"]);
const OPERATOR = ["/admin", "/metrics", "/internal", "/webhooks"];

function resourceOf(path: string, tags: readonly string[]): Resource | "authenticated" {
  if (ANY_CALLER.has(path) || path.startsWith("/ui/")) return "authenticated";
  if (OPERATOR.some((p) => path === p || path.startsWith(`${p}/`))) return "admin";
  if (tags.includes("Custom endpoints")) return "runs";
  if (path.startsWith("/runs/crons") || /^\/threads\/:[^/]+\/runs\/crons/.test(path))
    return "crons";
  if (path.startsWith("/runs") || /^\/threads\/:[^/]+\/(runs|commands)/.test(path)) return "runs";
  if (path.startsWith("/threads")) return "threads";
  if (path.startsWith("/store")) return "store";
  if (path.startsWith("/artifacts")) return "artifacts";
  if (path.startsWith("/a2a") || path.startsWith("/mcp")) return "runs";
  if (path.startsWith("/assistants") || path.startsWith("/.well-known")) return "assistants";
  return "admin"; // unknown routes are operator-only until someone declares them
}

/** The permission a route requires (its declared one, else the rule above). */
export function routePermission(route: RouteShape): RoutePermission {
  if (route.permission) return route.permission;
  const resource = resourceOf(route.path, route.tags ?? []);
  if (resource === "authenticated") return resource;
  const method = route.method.toUpperCase();
  const reads =
    method === "GET" || method === "HEAD" || (method === "POST" && READ_POSTS.test(route.path));
  const action: Action = reads ? "read" : "write";
  return `${resource}:${action}`;
}
