/** Request metrics: count, latency and errors by method, route template and status. */
import type { MiddlewareHandler } from "hono";
import type { Metrics } from "../../metrics/metrics.ts";
import { routeTemplate } from "./route.ts";

/** Observes every request into `metrics.http`. */
export function metricsMiddleware(metrics: Metrics): MiddlewareHandler {
  return async function requestMetrics(c, next) {
    const start = performance.now();
    metrics.http.inFlight.inc();
    try {
      await next();
    } finally {
      metrics.http.inFlight.dec();
      metrics.http.observe({
        method: c.req.method,
        route: routeTemplate(c),
        status: c.res.status,
        seconds: (performance.now() - start) / 1000,
      });
    }
  };
}
