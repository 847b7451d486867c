/**
 * The observability middleware in process (`app.request()`): route-template labels (param routes,
 * middleware answering first, unmatched), request ids, one JSON log line per request, server spans
 * with the caller's trace and an active context inside handlers, and the error hook.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import type { MiddlewareHandler } from "hono";
import pino from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.ts";
import {
  type ErrorHookContext,
  errorHookObserver,
  observabilityMiddleware,
} from "../../src/http/middleware/observability.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { loadErrorHook } from "../../src/tracing/error-hook.ts";
import { createTracing } from "../../src/tracing/setup.ts";
import { parsePrometheus } from "../support/prometheus.ts";

function build(options: { errors?: ErrorHookContext[] } = {}) {
  const lines: Record<string, any>[] = [];
  const logger = pino(
    { level: "info" },
    new Writable({
      write(chunk, _e, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    }),
  );
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({
    serviceName: "test",
    version: "0",
    otlpTracesUrl: null,
    langfuse: null,
    exporter,
  });
  let n = 0;
  const deny: MiddlewareHandler = async function deny(c, next) {
    if (c.req.header("x-deny")) return c.text("Unauthorized", 401);
    await next();
  };
  const activeTraceIds: (string | undefined)[] = [];
  const { app } = createApp({
    logger,
    cors: undefined,
    bodyLimit: 1024,
    middleware: [() => deny],
    outer: observabilityMiddleware({ logger, metrics, newId: () => `gen-${++n}`, tracing }),
    errorObservers: options.errors
      ? [errorHookObserver((_e, ctx) => options.errors!.push(ctx))]
      : [],
    groups: [
      (api) =>
        api.route({ method: "get", path: "/threads/:thread_id", summary: "t", tags: [] }, (c) => {
          activeTraceIds.push(trace.getActiveSpan()?.spanContext().traceId);
          return c.json({ id: c.req.param("thread_id") });
        }),
      (api) =>
        api.route({ method: "post", path: "/boom/:x", summary: "b", tags: [] }, () => {
          throw new Error("kaboom");
        }),
    ],
    title: "t",
    version: "0",
  });
  const flush = async () => {
    await tracing.forceFlush();
    return exporter.getFinishedSpans();
  };
  return { app, lines, registry, flush, activeTraceIds };
}

describe("observability middleware", () => {
  it("labels requests by route template, including middleware answers and unmatched paths", async () => {
    const { app, registry } = build();
    expect((await app.request("/threads/00000000-0000-4000-8000-00000000000a")).status).toBe(200);
    expect((await app.request("/threads/00000000-0000-4000-8000-00000000000d")).status).toBe(200);
    expect(
      (
        await app.request("/threads/00000000-0000-4000-8000-00000000000a", {
          headers: { "x-deny": "1" },
        })
      ).status,
    ).toBe(401);
    expect((await app.request("/nothing/here")).status).toBe(404);
    expect((await app.request("/boom/1", { method: "POST" })).status).toBe(500);
    const m = parsePrometheus(await registry.metrics());
    expect(m.sum("olg_http_requests_total", { route: "/threads/:thread_id", status: "200" })).toBe(
      2,
    );
    expect(m.sum("olg_http_requests_total", { route: "/threads/:thread_id", status: "401" })).toBe(
      1,
    );
    expect(m.sum("olg_http_requests_total", { route: "unmatched", status: "404" })).toBe(1);
    expect(m.sum("olg_http_request_errors_total", { route: "/boom/:x", class: "5xx" })).toBe(1);
    expect(m.sum("olg_http_requests_in_flight")).toBe(0);
    const routes = new Set(m.samples.map((s) => s.labels.route).filter(Boolean));
    expect([...routes].sort()).toEqual(["/boom/:x", "/threads/:thread_id", "unmatched"]);
  });

  it("echoes a sane x-request-id, replaces an unsafe one, and logs one JSON line per request", async () => {
    const { app, lines } = build();
    const a = await app.request("/threads/00000000-0000-4000-8000-00000000000a", {
      headers: { "x-request-id": "client-42" },
    });
    expect(a.headers.get("x-request-id")).toBe("client-42");
    const b = await app.request("/threads/00000000-0000-4000-8000-00000000000a", {
      headers: { "x-request-id": "bad id\n" },
    });
    expect(b.headers.get("x-request-id")).toBe("gen-1");
    await app.request("/boom/2", { method: "POST" });
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      request_id: "client-42",
      method: "GET",
      route: "/threads/:thread_id",
      path: "/threads/00000000-0000-4000-8000-00000000000a",
      status: 200,
      level: 30,
    });
    expect(typeof requests[0]!.duration_ms).toBe("number");
    expect(requests[2]).toMatchObject({ route: "/boom/:x", status: 500, level: 50 });
  });

  it("opens a server span per request under an incoming traceparent, active in the handler", async () => {
    const { app, flush, activeTraceIds, lines } = build();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await app.request("/threads/00000000-0000-4000-8000-0000000000ff", {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "r-1" },
    });
    await app.request("/boom/1", { method: "POST" });
    const spans = await flush();
    const get = spans.find((s) => s.name === "GET /threads/:thread_id")!;
    expect(get.spanContext().traceId).toBe(traceId);
    expect(get.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(get.attributes["http.route"]).toBe("/threads/:thread_id");
    expect(get.attributes["http.request.id"]).toBe("r-1");
    expect(activeTraceIds).toEqual([traceId]);
    const boom = spans.find((s) => s.name === "POST /boom/:x")!;
    expect(boom.status.code).toBe(2); // ERROR
    expect(boom.parentSpanContext).toBeUndefined();
    expect(lines.find((l) => l.request_id === "r-1")?.trace_id).toBe(traceId);
  });

  it("calls the error hook with the route template and request id on unexpected errors only", async () => {
    const errors: ErrorHookContext[] = [];
    const { app } = build({ errors });
    await app.request("/threads/00000000-0000-4000-8000-00000000000a");
    await app.request("/boom/7", { method: "POST", headers: { "x-request-id": "req-7" } });
    expect(errors).toEqual([
      { method: "POST", path: "/boom/7", route: "/boom/:x", requestId: "req-7" },
    ]);
  });

  it("loads an error hook module from `file:export`", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "olg-hook-"));
    const file = path.join(dir, "hook.mjs");
    writeFileSync(
      file,
      "export const seen = []; export function report(e, ctx) { seen.push([e.message, ctx.route]); }\n",
    );
    const hook = await loadErrorHook(`${file}:report`);
    hook(new Error("x"), { method: "GET", path: "/a", route: "/a" });
    const mod = await import(file);
    expect(mod.seen).toEqual([["x", "/a"]]);
    await expect(loadErrorHook(`${file}:missing`)).rejects.toThrow(/no function "missing"/);
  });
});
