/** Metric handles on an injected registry, the no-op variant, DB gauges, readiness and run observer. */
import { Writable } from "node:stream";
import pino from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerDbGauges } from "../../src/metrics/db-gauges.ts";
import { createMetrics, eventLabel, type Metrics } from "../../src/metrics/metrics.ts";
import { noopMetrics } from "../../src/metrics/noop.ts";
import { Readiness } from "../../src/metrics/readiness.ts";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { createRunObserver } from "../../src/metrics/run-observer.ts";
import { parsePrometheus } from "../support/prometheus.ts";
import { REDIS_TEST_URL } from "../support/server.ts";

const read = async (registry: Registry) => parsePrometheus(await registry.metrics());

const shape = (value: unknown): unknown =>
  typeof value === "object" && value
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
    : typeof value;

describe("createMetrics", () => {
  it("records HTTP requests, errors and latency per route template", async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    metrics.http.observe({
      method: "GET",
      route: "/threads/:thread_id",
      status: 200,
      seconds: 0.02,
    });
    metrics.http.observe({
      method: "GET",
      route: "/threads/:thread_id",
      status: 404,
      seconds: 0.3,
    });
    metrics.http.observe({ method: "POST", route: "/runs", status: 500, seconds: 1.5 });
    const m = await read(registry);
    expect(m.sum("olg_http_requests_total", { route: "/threads/:thread_id" })).toBe(2);
    expect(m.sum("olg_http_request_errors_total", { class: "4xx" })).toBe(1);
    expect(m.sum("olg_http_request_errors_total", { class: "5xx", route: "/runs" })).toBe(1);
    expect(
      m.sum("olg_http_request_duration_seconds_bucket", {
        route: "/threads/:thread_id",
        status: "404",
        le: "0.25",
      }),
    ).toBe(0);
    expect(
      m.sum("olg_http_request_duration_seconds_bucket", {
        route: "/threads/:thread_id",
        status: "404",
        le: "0.5",
      }),
    ).toBe(1);
    expect(m.sum("olg_http_request_duration_seconds_sum", { route: "/runs" })).toBeCloseTo(1.5);
  });

  it("tracks runs, streams, cache and pool stats; registries are independent", async () => {
    const a = new Registry();
    const b = new Registry();
    let stats = { size: 4, inUse: 3, waiting: 2 };
    const metrics = createMetrics(a, { backend: "postgres", poolStats: () => stats });
    createMetrics(b);
    metrics.runs.started("agent", 0.2);
    metrics.runs.started("agent", 0.4);
    metrics.runs.finished("success", "agent", 3);
    metrics.streams.connectionOpened();
    metrics.streams.eventSent("values|child:1234", 100);
    metrics.streams.eventSent("values", 20);
    metrics.cache.hit("assistants");
    metrics.cache.miss("assistants");
    metrics.cache.hit("assistants");
    let m = await read(a);
    expect(m.sum("olg_runs_started_total", { graph_id: "agent" })).toBe(2);
    expect(m.sum("olg_runs_active", { graph_id: "agent" })).toBe(1);
    expect(m.sum("olg_runs_finished_total", { graph_id: "agent", outcome: "success" })).toBe(1);
    expect(m.sum("olg_run_queue_wait_seconds_count", { graph_id: "agent" })).toBe(2);
    expect(m.sum("olg_run_queue_wait_seconds_sum", { graph_id: "agent" })).toBeCloseTo(0.6);
    expect(m.sum("olg_stream_events_sent_total", { event: "values" })).toBe(2);
    expect(m.sum("olg_stream_bytes_sent_total")).toBe(120);
    expect(m.sum("olg_sse_connections_open")).toBe(1);
    expect(m.sum("olg_cache_hits_total", { cache: "assistants" })).toBe(2);
    expect(m.sum("olg_cache_misses_total", { cache: "assistants" })).toBe(1);
    expect(m.sum("olg_db_pool_size", { backend: "postgres" })).toBe(4);
    expect(m.sum("olg_db_pool_in_use")).toBe(3);
    expect(m.sum("olg_db_pool_waiting")).toBe(2);
    stats = { size: 5, inUse: 0, waiting: 0 };
    m = await read(a);
    expect(m.sum("olg_db_pool_size")).toBe(5);
    expect((await read(b)).sum("olg_runs_started_total")).toBe(0);
  });

  it("labels stream events by mode without their namespace", () => {
    expect(eventLabel("updates|parent:1|child:2")).toBe("updates");
    expect(eventLabel("messages/partial")).toBe("messages/partial");
  });

  it("has a no-op variant with the same shape", () => {
    const real: Metrics = createMetrics(new Registry());
    expect(shape(noopMetrics())).toEqual(shape(real));
    expect(() => noopMetrics().runs.finished("error", "g", 1)).not.toThrow();
  });
});

describe("registerDbGauges", () => {
  it("reports a snapshot, and db_up 0 when the read fails", async () => {
    const registry = new Registry();
    let fail = false;
    let reads = 0;
    registerDbGauges(registry, async () => {
      reads++;
      if (fail) throw new Error("db down");
      return {
        queueDepth: 7,
        oldestWaitSeconds: 12.5,
        runsByStatus: { pending: 7, running: 2 },
        threadsByStatus: { idle: 3, busy: 2 },
      };
    });
    let m = await read(registry);
    expect(reads).toBe(1); // one read feeds every gauge of a scrape
    expect(m.sum("olg_db_up")).toBe(1);
    expect(m.sum("olg_run_queue_depth")).toBe(7);
    expect(m.sum("olg_run_queue_oldest_wait_seconds")).toBe(12.5);
    expect(m.sum("olg_runs_current", { status: "running" })).toBe(2);
    expect(m.sum("olg_threads", { status: "busy" })).toBe(2);
    expect(m.sum("olg_threads", { status: "error" })).toBe(0);
    fail = true;
    m = await read(registry); // the next scrape reads afresh
    expect(reads).toBe(2);
    expect(m.sum("olg_db_up")).toBe(0);
  });
});

describe("Readiness", () => {
  it("is ready when every check passes and fails on a failing, throwing or hung check", async () => {
    const ok = { name: "database", check: async () => true };
    expect((await new Readiness([ok]).report()).ready).toBe(true);
    const bad = new Readiness([ok, { name: "redis", check: async () => false }]);
    expect(await bad.report()).toEqual({
      ready: false,
      draining: false,
      checks: { database: "ok", redis: "failing" },
    });
    const throwing = new Readiness([{ name: "x", check: () => Promise.reject(new Error("no")) }]);
    expect((await throwing.report()).checks.x).toBe("failing");
    const hung = new Readiness([{ name: "slow", check: () => new Promise(() => {}) }], 50);
    expect((await hung.report()).checks.slow).toBe("failing");
  });

  it("fails once draining, whatever the checks say", async () => {
    const r = new Readiness([{ name: "database", check: async () => true }]);
    r.markDraining();
    expect(await r.report()).toMatchObject({ ready: false, draining: true });
  });

  it("pings a real Redis and fails on a closed port", async () => {
    expect(await redisPing(REDIS_TEST_URL)).toBe(true);
    expect(await redisPing("redis://127.0.0.1:1", 500)).toBe(false);
  });
});

describe("createRunObserver", () => {
  it("counts the run and logs start and end with run, thread and graph ids", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    });
    const registry = new Registry();
    const metrics = createMetrics(registry);
    let now = 1_000_000;
    const ended: string[] = [];
    const observer = createRunObserver({
      metrics,
      logger: pino({ level: "info" }, sink),
      clock: { now: () => new Date(now) },
      tracing: {
        startRun: () => ({ callbacks: ["cb"], end: (outcome) => ended.push(outcome) }),
      },
    });
    const run = observer.onRunClaimed({
      runId: "r1",
      threadId: "t1",
      graphId: "agent",
      queuedAt: new Date(now - 2_000),
    });
    expect(run.callbacks).toEqual(["cb"]);
    now += 1_500;
    run.finished("interrupted");
    run.finished("error"); // only the first call counts
    const m = await read(registry);
    expect(m.sum("olg_runs_finished_total", { outcome: "interrupted", graph_id: "agent" })).toBe(1);
    expect(m.sum("olg_runs_finished_total", { outcome: "error" })).toBe(0);
    expect(m.sum("olg_run_duration_seconds_sum")).toBeCloseTo(1.5);
    expect(m.sum("olg_run_queue_wait_seconds_sum")).toBeCloseTo(2);
    expect(m.sum("olg_runs_active")).toBe(0);
    expect(ended).toEqual(["interrupted"]);
    expect(lines.map((l) => l.msg)).toEqual(["run started", "run finished"]);
    expect(lines[1]).toMatchObject({
      run_id: "r1",
      thread_id: "t1",
      graph_id: "agent",
      outcome: "interrupted",
      duration_ms: 1500,
    });
  });
});
