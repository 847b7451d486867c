/**
 * Refuses request paths with dot segments. The WHATWG URL parser that builds each `Request`
 * resolves `.`/`..` segments, percent-encoded ones included (`/threads/%2e%2e/internal/truncate`
 * becomes `/internal/truncate`), so a path a proxy or an allow-list saw as `/threads/…` would reach
 * another route. We look at the raw request line (the Node `IncomingMessage.url`) and answer 404
 * before any routing: no dot segment ever reaches a route.
 */
import type { MiddlewareHandler } from "hono";

/** Whether a raw request target (path and query) has a `.` or `..` segment, encoded or not. */
export function hasDotSegment(target: string): boolean {
  const q = target.search(/[?#]/);
  const path = q === -1 ? target : target.slice(0, q);
  // Backslashes and encoded slashes separate segments for some parsers and proxies.
  for (const segment of path.split(/\/|\\|%2f|%5c/i)) {
    const decoded = segment.replace(/%2e/gi, ".");
    if (decoded === "." || decoded === "..") return true;
  }
  return false;
}

/** The raw request target of a Node request; the parsed URL's path otherwise (`app.request`). */
function rawTarget(c: Parameters<MiddlewareHandler>[0]): string {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  if (typeof incoming?.url === "string") return incoming.url;
  const url = new URL(c.req.url);
  return url.pathname;
}

/** Answers 404 for any request whose raw path has a dot segment. */
export function dotSegmentGuard(): MiddlewareHandler {
  return async function rejectDotSegments(c, next) {
    if (hasDotSegment(rawTarget(c))) return c.text("404 Not Found", 404);
    return next();
  };
}
