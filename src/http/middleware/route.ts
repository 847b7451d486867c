/**
 * The route template of a handled request (`/threads/:thread_id`), for metric labels, log lines and
 * span names: never the raw path, so ids never become label values.
 */
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** The label of requests no route matched (404s, preflights answered by middleware). */
export const UNMATCHED = "unmatched";

const isWildcard = (path: string): boolean => path === "*" || path === "/*";

/**
 * Call after `await next()`. The route that answered, else the first matched route (a middleware
 * such as auth may answer before the handler), else `unmatched`.
 */
export function routeTemplate(c: Context): string {
  let routes: { path: string }[];
  try {
    routes = matchedRoutes(c);
  } catch {
    return UNMATCHED;
  }
  const answered = routes[c.req.routeIndex];
  if (answered && !isWildcard(answered.path)) return answered.path;
  return routes.find((r) => !isWildcard(r.path))?.path ?? UNMATCHED;
}
