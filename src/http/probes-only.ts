/**
 * The HTTP surface of a `worker` process (`olg serve --role worker`): liveness, readiness and
 * metrics, answered by the full app; every other path is 404, so a worker never serves the API
 * even when a Service or a port-forward reaches it by mistake.
 */

/** Paths a worker answers. */
export const PROBE_PATHS: readonly string[] = ["/ok", "/ready", "/metrics"];

type Fetch = (request: Request) => Response | Promise<Response>;

/** Wraps `fetch` so that only `PROBE_PATHS` reach it. */
export function onlyProbes(fetch: Fetch): Fetch {
  return function probesOnly(request) {
    const { pathname } = new URL(request.url);
    if (PROBE_PATHS.includes(pathname)) return fetch(request);
    return new Response("404 Not Found", { status: 404 });
  };
}
