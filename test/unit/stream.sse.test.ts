/** SSE framing: wire format, headers, heartbeats, disconnect detection, and parsing by the official SDK. */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Client } from "@langchain/langgraph-sdk";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatSseFrame,
  HEARTBEAT_LINE,
  type SseCloseReason,
  type SseEvent,
  sseResponse,
} from "../../src/http/sse.ts";
import { heartbeats, withDirectSse } from "../../src/http/sse-node.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* slowEvents(events: SseEvent[], gapMs: number, signal?: AbortSignal) {
  for (const e of events) {
    if (signal?.aborted) return;
    await sleep(gapMs);
    yield e;
  }
}

describe("formatSseFrame", () => {
  it("writes event, data, id in Hono writeSSE order", () => {
    expect(formatSseFrame({ id: "3", event: "values", data: { a: "x\ny" } }, true)).toBe(
      'event: values\ndata: {"a":"x\\ny"}\nid: 3\n\n',
    );
  });
  it("omits ids when not wanted and writes null for undefined data", () => {
    expect(formatSseFrame({ id: "3", event: "end", data: undefined }, false)).toBe(
      "event: end\ndata: null\n\n",
    );
  });
  it("flattens LangChain messages to {...data, type}", async () => {
    const { AIMessage } = await import("@langchain/core/messages");
    const frame = formatSseFrame(
      { event: "values", data: [new AIMessage({ content: "hi", id: "m" })] },
      false,
    );
    const data = JSON.parse(frame.split("\n")[1]?.slice("data: ".length) ?? "null");
    expect(data[0]).toMatchObject({ content: "hi", id: "m", type: "ai" });
  });
});

describe("sseResponse", () => {
  const closes: SseCloseReason[] = [];
  let aborted = false;
  const app = new Hono();
  // A header set after the handler: the direct path must write the chain's final headers.
  app.use(async (c, next) => {
    await next();
    c.header("x-after", "1");
  });
  app.get("/threads/:tid/runs/:rid/stream", (c) => {
    // Options ride in the query, or after "~" in the run id (the SDK encodes the path segment).
    const inId = new URLSearchParams(c.req.param("rid").split("~")[1] ?? "");
    const q = (key: string) => c.req.query(key) ?? inId.get(key) ?? undefined;
    return sseResponse(
      c,
      (signal) => {
        signal.addEventListener("abort", () => {
          aborted = true;
        });
        const n = Number(q("n") ?? "3");
        const events = [...Array(n).keys()].map((i) => ({
          id: String(i),
          event: i === 0 ? "metadata" : "values",
          data: { i },
        }));
        return slowEvents(events, Number(q("gap") ?? "0"), signal);
      },
      {
        includeIds: q("ids") !== "0",
        heartbeatMs: Number(q("hb") ?? "0"),
        contentLocation: `/threads/${c.req.param("tid")}/runs/${c.req.param("rid")}`,
        location: c.req.query("loc")
          ? `/threads/${c.req.param("tid")}/runs/${c.req.param("rid")}/stream`
          : undefined,
        onClose: (reason) => closes.push(reason),
      },
    );
  });
  app.get("/boom", (c) =>
    sseResponse(
      c,
      (async function* () {
        yield { event: "metadata", data: {} };
        throw new TypeError("kaput");
      })(),
      { includeIds: false, heartbeatMs: 0 },
    ),
  );

  let server: ReturnType<typeof serve>;
  let direct: ReturnType<typeof serve>;
  let url = "";
  let directUrl = "";
  beforeAll(async () => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    direct = serve({ fetch: withDirectSse(app.fetch), port: 0, hostname: "127.0.0.1" });
    for (const s of [server, direct])
      if (!s.listening) await new Promise((r) => s.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    directUrl = `http://127.0.0.1:${(direct.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    direct.close();
  });

  it("sends the upstream headers and frames", async () => {
    const res = await app.request("/threads/t/runs/r/stream?n=2");
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("connection")).toBe("keep-alive");
    expect(res.headers.get("content-location")).toBe("/threads/t/runs/r");
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toBe(
      'event: metadata\ndata: {"i":0}\nid: 0\n\nevent: values\ndata: {"i":1}\nid: 1\n\n',
    );
    expect(closes.at(-1)).toBe("end");
  });

  it("sets Location when asked and omits ids when asked", async () => {
    const res = await app.request("/threads/t/runs/r/stream?n=1&ids=0&loc=1");
    expect(res.headers.get("location")).toBe("/threads/t/runs/r/stream");
    expect(await res.text()).toBe('event: metadata\ndata: {"i":0}\n\n');
  });

  it("writes heartbeat comment lines while idle", async () => {
    const res = await app.request("/threads/t/runs/r/stream?n=2&gap=120&hb=20");
    const text = await res.text();
    expect(text.split(HEARTBEAT_LINE).length - 1).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain(": heartbeat\n\n");
    expect(text.replaceAll(HEARTBEAT_LINE, "")).toBe(
      'event: metadata\ndata: {"i":0}\nid: 0\n\nevent: values\ndata: {"i":1}\nid: 1\n\n',
    );
  });

  it("turns a failing source into a final error event", async () => {
    const res = await app.request("/boom");
    expect(await res.text()).toBe(
      'event: metadata\ndata: {}\n\nevent: error\ndata: {"error":"TypeError","message":"kaput"}\n\n',
    );
  });

  it("is parsed by the official SDK with heartbeats interleaved (no bogus events)", async () => {
    const client = new Client({ apiUrl: url });
    const parts: { id?: string; event: string; data: unknown }[] = [];
    // joinStream hits GET /threads/:tid/runs/:rid/stream; the test options ride in the run id.
    for await (const part of client.runs.joinStream("t", "r~n=4&gap=60&hb=15")) {
      parts.push(part as never);
    }
    expect(parts.map((p) => p.event)).toEqual(["metadata", "values", "values", "values"]);
    expect(parts.map((p) => p.id)).toEqual(["0", "1", "2", "3"]);
    expect(parts[3]?.data).toEqual({ i: 3 });
  });

  it("detects a client disconnect: aborts the source and reports it", async () => {
    aborted = false;
    const ac = new AbortController();
    const res = await fetch(`${url}/threads/t/runs/r/stream?n=100&gap=30&hb=0`, {
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});
    for (let i = 0; i < 50 && !aborted; i++) await sleep(20);
    expect(aborted).toBe(true);
    expect(closes.at(-1)).toBe("disconnect");
  });

  describe("written directly to the Node response (withDirectSse)", () => {
    it("sends the chain's final headers and the same frames", async () => {
      const res = await fetch(`${directUrl}/threads/t/runs/r/stream?n=2&loc=1`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-location")).toBe("/threads/t/runs/r");
      expect(res.headers.get("location")).toBe("/threads/t/runs/r/stream");
      expect(res.headers.get("x-after")).toBe("1");
      expect(res.headers.get("x-hono-already-sent")).toBeNull();
      expect(await res.text()).toBe(
        'event: metadata\ndata: {"i":0}\nid: 0\n\nevent: values\ndata: {"i":1}\nid: 1\n\n',
      );
      expect(closes.at(-1)).toBe("end");
    });

    it("writes shared heartbeats while idle and releases them at the end", async () => {
      const text = await (
        await fetch(`${directUrl}/threads/t/runs/r/stream?n=2&gap=120&hb=20`)
      ).text();
      expect(text.split(HEARTBEAT_LINE).length - 1).toBeGreaterThanOrEqual(3);
      expect(text.replaceAll(HEARTBEAT_LINE, "")).toBe(
        'event: metadata\ndata: {"i":0}\nid: 0\n\nevent: values\ndata: {"i":1}\nid: 1\n\n',
      );
      expect(heartbeats.size()).toBe(0);
    });

    it("turns a failing source into a final error event", async () => {
      expect(await (await fetch(`${directUrl}/boom`)).text()).toBe(
        'event: metadata\ndata: {}\n\nevent: error\ndata: {"error":"TypeError","message":"kaput"}\n\n',
      );
    });

    it("is parsed by the official SDK with heartbeats interleaved", async () => {
      const client = new Client({ apiUrl: directUrl });
      const parts: { id?: string; event: string }[] = [];
      for await (const part of client.runs.joinStream("t", "r~n=4&gap=60&hb=15"))
        parts.push(part as never);
      expect(parts.map((p) => p.event)).toEqual(["metadata", "values", "values", "values"]);
      expect(parts.map((p) => p.id)).toEqual(["0", "1", "2", "3"]);
    });

    it("detects a client disconnect: aborts the source, reports it, drops the heartbeat", async () => {
      aborted = false;
      const ac = new AbortController();
      const res = await fetch(`${directUrl}/threads/t/runs/r/stream?n=100&gap=30&hb=1000`, {
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      expect(heartbeats.size()).toBe(1);
      ac.abort();
      await reader.cancel().catch(() => {});
      for (let i = 0; i < 50 && !aborted; i++) await sleep(20);
      expect(aborted).toBe(true);
      expect(closes.at(-1)).toBe("disconnect");
      expect(heartbeats.size()).toBe(0);
    });
  });
});
