/**
 * Operations against dedicated servers: spans reach a configured OTLP endpoint (a collector stub
 * over real HTTP) with the caller's trace continued; run metrics, run log lines and stream metrics
 * move when runs execute; JSON request log lines carry ids; `/ready` fails while draining (SIGTERM)
 * and when the database goes away, while `/ok` stays up.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrape } from "../support/prometheus.ts";
import {
  PG_ADMIN_URL,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP collector stub that keeps every span it receives. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (req.url === "/v1/traces" && req.headers["content-type"]?.includes("json")) {
        const parsed = JSON.parse(body.toString());
        for (const rs of parsed.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, server };
}

const attr = (span: OtlpSpan, key: string): unknown => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

async function until<T>(fn: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("observability: traces, logs, run metrics, drain (pglite)", () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let server: TestServer;

  beforeAll(async () => {
    collector = await startCollector();
    server = await startServer({
      backend: "pglite",
      executorThread: true, // run logs forwarded from the executor thread to the feed
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OLG_DRAIN_DELAY_SECONDS: "4",
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    collector?.server.close();
  });

  it("exports a server span per request, continuing an incoming traceparent", async () => {
    const traceId = randomBytes(16).toString("hex");
    const parentId = randomBytes(8).toString("hex");
    const requestId = `obs-${randomUUID()}`;
    const res = await fetch(`${server.url}/threads/${randomUUID()}`, {
      headers: { traceparent: `00-${traceId}-${parentId}-01`, "x-request-id": requestId },
    });
    expect(res.status).toBe(404);
    const span = await until(() => collector.spans.find((s) => s.traceId === traceId));
    expect(span.name).toBe("GET /threads/:thread_id");
    expect(span.parentSpanId).toBe(parentId);
    expect(attr(span, "http.route")).toBe("/threads/:thread_id");
    expect(Number(attr(span, "http.response.status_code"))).toBe(404);
    expect(attr(span, "http.request.id")).toBe(requestId);

    // The JSON request log line of the same request carries its ids.
    const line = await until(() =>
      server.logs
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === "request" && l.request_id === requestId),
    );
    expect(line).toMatchObject({
      method: "GET",
      route: "/threads/:thread_id",
      status: 404,
      trace_id: traceId,
      level: 30,
    });
    expect(line.path).toMatch(/^\/threads\/[0-9a-f-]{36}$/);
    expect(typeof line.duration_ms).toBe("number");
  });

  it("traces, logs and counts a run (run span, node spans, model span)", async () => {
    const before = await scrape(server.url);
    const thread = (await (await fetch(`${server.url}/threads`, json({}))).json()) as {
      thread_id: string;
    };
    const res = await fetch(
      `${server.url}/threads/${thread.thread_id}/runs/wait`,
      json({ assistant_id: "agent", input: { messages: [{ role: "user", content: "hi" }] } }),
    );
    expect(res.status).toBe(200);
    const runSpan = await until(() =>
      collector.spans.find(
        (s) => s.name === "run agent" && attr(s, "langgraph.thread_id") === thread.thread_id,
      ),
    );
    const runId = attr(runSpan, "langgraph.run_id") as string;
    expect(attr(runSpan, "langgraph.run_outcome")).toBe("success");
    const inTrace = await until(() => {
      const spans = collector.spans.filter((s) => s.traceId === runSpan.traceId);
      return spans.some((s) => attr(s, "langgraph.node") === "agent") &&
        spans.some((s) => s.name === "FakeListChatModel")
        ? spans
        : undefined;
    });
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));
    const node = inTrace.find((s) => attr(s, "langgraph.node") === "agent" && s.name === "agent")!;
    const model = inTrace.find((s) => s.name === "FakeListChatModel")!;
    expect(byId.get(model.parentSpanId!)?.spanId).toBe(node.spanId);
    // Walking up from the node reaches the run span.
    let cursor: OtlpSpan | undefined = node;
    while (cursor && cursor.spanId !== runSpan.spanId) cursor = byId.get(cursor.parentSpanId ?? "");
    expect(cursor?.spanId).toBe(runSpan.spanId);

    const lines = server.logs
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .filter((l) => l.run_id === runId);
    const started = lines.find((l) => l.msg === "run started");
    const finished = lines.find((l) => l.msg === "run finished");
    expect(started).toMatchObject({ thread_id: thread.thread_id, graph_id: "agent" });
    expect(finished).toMatchObject({
      thread_id: thread.thread_id,
      graph_id: "agent",
      outcome: "success",
    });

    // The same lines in the admin log feed (on the embedded default they come from the run
    // executor thread, forwarded to the HTTP thread's feed).
    const feed = (await (
      await fetch(`${server.url}/admin/api/logs?run_id=${runId}&limit=5000`)
    ).json()) as { entries: { msg?: string }[] };
    const messages = feed.entries.map((e) => e.msg);
    expect(messages).toContain("run started");
    expect(messages).toContain("run finished");

    const after = await scrape(server.url);
    const match = { graph_id: "agent", outcome: "success" };
    expect(after.sum("olg_runs_finished_total", match)).toBe(
      before.sum("olg_runs_finished_total", match) + 1,
    );
    expect(after.sum("olg_run_duration_seconds_count", match)).toBe(
      before.sum("olg_run_duration_seconds_count", match) + 1,
    );
    expect(after.sum("olg_runs_started_total", { graph_id: "agent" })).toBe(
      before.sum("olg_runs_started_total", { graph_id: "agent" }) + 1,
    );
    expect(after.sum("olg_run_queue_wait_seconds_count", { graph_id: "agent" })).toBe(
      before.sum("olg_run_queue_wait_seconds_count", { graph_id: "agent" }) + 1,
    );
    expect(after.sum("olg_runs_active", { graph_id: "agent" })).toBe(0);
  });

  it("counts streamed events, bytes and open SSE connections", async () => {
    const before = await scrape(server.url);
    const thread = (await (await fetch(`${server.url}/threads`, json({}))).json()) as {
      thread_id: string;
    };
    const res = await fetch(
      `${server.url}/threads/${thread.thread_id}/runs/stream`,
      json({
        assistant_id: "agent",
        input: { messages: [{ role: "user", content: "hi" }] },
        stream_mode: ["values"],
      }),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    const events = [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe("metadata");
    const after = await scrape(server.url);
    const valuesSent = events.filter((e) => e === "values").length;
    expect(valuesSent).toBeGreaterThan(0);
    expect(after.sum("olg_stream_events_sent_total", { event: "values" })).toBe(
      before.sum("olg_stream_events_sent_total", { event: "values" }) + valuesSent,
    );
    expect(after.sum("olg_stream_events_sent_total", { event: "metadata" })).toBe(
      before.sum("olg_stream_events_sent_total", { event: "metadata" }) + 1,
    );
    expect(after.sum("olg_stream_bytes_sent_total")).toBe(
      before.sum("olg_stream_bytes_sent_total") +
        Buffer.byteLength(text.replace(/^: heartbeat\n/gm, "")),
    );
    expect(after.sum("olg_sse_connections_open")).toBe(0);
  });

  it("fails /ready on SIGTERM before draining, while /ok stays up", async () => {
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    server.child.kill("SIGTERM");
    let ready: Response | undefined;
    for (let i = 0; i < 40 && ready?.status !== 503; i++) {
      ready = await fetch(`${server.url}/ready`);
      if (ready.status !== 503) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready?.status).toBe(503);
    expect(await ready!.json()).toMatchObject({ ok: false, draining: true });
    const ok = await fetch(`${server.url}/ok`);
    expect(ok.status).toBe(200);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)("observability: /ready when the database goes away (postgres)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ backend: "postgres" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("flips /ready to 503 with the database check failing; /ok stays 200", async () => {
    const first = await fetch(`${server.url}/ready`);
    expect(first.status).toBe(200);
    const name = new URL(server.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    const res = await fetch(`${server.url}/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ok: boolean; checks: Record<string, string> };
    expect(body.ok).toBe(false);
    expect(body.checks.database).toBe("failing");
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
    const metrics = await scrape(server.url);
    expect(metrics.sum("olg_db_up")).toBe(0);
  });
});
