/**
 * One JSON log line per request: method, route template, path, status, duration and request id
 * (and the trace id when tracing is on). Probes and scrapes log at debug to keep logs readable.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../logging/logger.ts";
import { routeTemplate } from "./route.ts";

const QUIET = new Set(["/ok", "/ready", "/metrics"]);

/** Logs each finished request on `logger`. */
export function requestLogMiddleware(logger: Logger): MiddlewareHandler {
  return async function requestLog(c, next) {
    const start = performance.now();
    await next();
    const route = routeTemplate(c);
    const status = c.res.status;
    const line = {
      request_id: c.get("requestId"),
      trace_id: c.get("traceId"),
      method: c.req.method,
      route,
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - start) * 1000) / 1000,
    };
    if (status >= 500) logger.error(line, "request");
    else if (QUIET.has(route)) logger.debug(line, "request");
    else logger.info(line, "request");
  };
}
