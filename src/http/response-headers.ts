/**
 * Setting headers on the answered response after `await next()`, without rebuilding it. Responses
 * made by `c.json()`/`c.text()` on `@hono/node-server` are lightweight: their headers can be set
 * without creating a full `Response`, which is why the request-id and CORS headers are added after
 * the handler rather than on `c.res` before it (Hono then copies every header into a new response
 * built from the handler's body, materializing both). A response with immutable headers (one
 * returned by `fetch`) is copied once.
 */
import type { Context } from "hono";

/** Sets `entries` on `c.res` (append when `append` names the header). */
export function setResponseHeaders(
  c: Context,
  entries: readonly (readonly [string, string])[],
  append: ReadonlySet<string> = NO_APPEND,
): void {
  let headers = c.res.headers;
  for (const [name, value] of entries) {
    try {
      if (append.has(name)) headers.append(name, value);
      else headers.set(name, value);
    } catch {
      // Immutable headers (a fetched response): copy the response once, then set.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
      if (append.has(name)) headers.append(name, value);
      else headers.set(name, value);
    }
  }
}

const NO_APPEND: ReadonlySet<string> = new Set();
