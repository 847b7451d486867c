/**
 * The observability middleware in their order: request id first (everything else reads it), then
 * the server span (so the log line carries its trace id), the request log, and metrics.
 */
import type { TextMapPropagator, Tracer } from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../../logging/logger.ts";
import type { Metrics } from "../../metrics/metrics.ts";
import type { StreamObserver } from "../../metrics/observer.ts";
import type { ErrorLog } from "../errors.ts";
import { metricsMiddleware } from "./metrics.ts";
import { requestIdMiddleware } from "./request-id.ts";
import { requestLogMiddleware } from "./request-log.ts";
import { routeTemplate } from "./route.ts";
import { tracingMiddleware } from "./tracing.ts";

/** What the observability middleware need. */
export interface ObservabilityDeps {
  logger: Logger;
  metrics: Metrics;
  newId: () => string;
  tracing?: { tracer: Tracer | null; propagator: TextMapPropagator };
  /** Handed to SSE responses through `c.var.streamObserver`. */
  streamObserver?: StreamObserver;
}

/** The middleware list for `AppOptions.outer`. */
export function observabilityMiddleware(deps: ObservabilityDeps): MiddlewareHandler[] {
  const list = [requestIdMiddleware(deps.newId)];
  if (deps.tracing?.tracer)
    list.push(tracingMiddleware(deps.tracing.tracer, deps.tracing.propagator));
  list.push(requestLogMiddleware(deps.logger), metricsMiddleware(deps.metrics));
  const streamObserver = deps.streamObserver;
  if (streamObserver) {
    list.push(async function provideStreamObserver(c, next) {
      c.set("streamObserver", streamObserver);
      await next();
    });
  }
  return list;
}

/** What an error hook (e.g. Sentry) receives besides the error. */
export interface ErrorHookContext {
  method: string;
  path: string;
  route: string;
  requestId?: string;
}

/** A user error hook, loaded from `telemetry.error_hook`. */
export type ErrorHook = (error: unknown, context: ErrorHookContext) => void;

/** Adapts an error hook to the app's error observer. */
export function errorHookObserver(hook: ErrorHook): ErrorLog {
  return function observeError(error: unknown, c: Context) {
    hook(error, {
      method: c.req.method,
      path: c.req.path,
      route: routeTemplate(c),
      requestId: c.get("requestId"),
    });
  };
}
