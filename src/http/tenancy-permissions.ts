/**
 * Which permission a request needs under tenancy: its route (the first declared route matching it,
 * in registration order, as Hono) and that route's permission (`x-olg-permission`,
 * `../tenancy/route-permissions.ts`), looked up per request by the tenancy gate (`tenancy.ts`).
 */
import { type RoutePermission, routePermission } from "../tenancy/route-permissions.ts";
import type { RouteSpec } from "./api.ts";
import { patternOf } from "./authz.ts";

/**
 * The permission of the first declared route matching a request (registration order, as Hono).
 * Routes are indexed by method and first path segment, so a request tests the patterns of its
 * own resource (a few) rather than every route's.
 */
export function permissionLookup(routes: readonly RouteSpec[]) {
  let index: Map<string, RouteIndex> | undefined;
  const routeOf = (method: string, path: string): RouteLookup | undefined => {
    index ??= indexRoutes(routes);
    const byMethod = index.get(method === "HEAD" ? "GET" : method);
    if (!byMethod) return undefined;
    const list = byMethod.bySegment.get(firstSegment(path)) ?? byMethod.any;
    return list.find((r) => r.re.test(path))?.lookup;
  };
  return function permissionOf(method: string, path: string): RouteLookup | undefined {
    return routeOf(method, path);
  };
}

type Compiled = { re: RegExp; lookup: RouteLookup };
/** The routes of one method: per literal first segment (with the routes any segment matches), and those alone. */
type RouteIndex = { bySegment: Map<string, Compiled[]>; any: Compiled[] };

const firstSegment = (path: string) => path.split("/", 2)[1] ?? "";

function indexRoutes(routes: readonly RouteSpec[]): Map<string, RouteIndex> {
  const index = new Map<string, RouteIndex>();
  const all = routes.map((route) => ({
    method: route.method.toUpperCase(),
    seg: firstSegment(route.path),
    c: {
      re: patternOf(route.path),
      // The permission is computed once per route, not per request.
      lookup: { route, permission: route.public ? ("public" as const) : routePermission(route) },
    },
  }));
  const open = (seg: string) => seg === "*" || seg.startsWith(":");
  for (const method of new Set(all.map((r) => r.method))) {
    const mine = all.filter((r) => r.method === method);
    const bySegment = new Map<string, Compiled[]>();
    for (const seg of new Set(mine.map((r) => r.seg).filter((s) => !open(s))))
      bySegment.set(
        seg,
        mine.filter((r) => r.seg === seg || open(r.seg)).map((r) => r.c),
      );
    index.set(method, { bySegment, any: mine.filter((r) => open(r.seg)).map((r) => r.c) });
  }
  return index;
}

/** A request's route and the permission it needs. */
export interface RouteLookup {
  route: RouteSpec;
  permission: RoutePermission | "public";
}
