/**
 * A server span per request, continuing the caller's trace from an incoming `traceparent`. The
 * span is named `METHOD /route/template` once the route is known.
 */
import {
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { routeTemplate } from "./route.ts";

/** Traces every request with `tracer`. */
export function tracingMiddleware(
  tracer: Tracer,
  propagator: TextMapPropagator,
): MiddlewareHandler {
  return async function traceRequest(c, next) {
    const carrier = Object.fromEntries(c.req.raw.headers);
    const parent = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const span = tracer.startSpan(
      `${c.req.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": c.req.method,
          "url.path": c.req.path,
          "url.scheme": new URL(c.req.url).protocol.replace(":", ""),
        },
      },
      parent,
    );
    c.set("traceId", span.spanContext().traceId);
    const requestId = c.get("requestId");
    if (requestId) span.setAttribute("http.request.id", requestId);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = routeTemplate(c);
      const status = c.res.status;
      span.updateName(`${c.req.method} ${route}`);
      span.setAttribute("http.route", route);
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
