/**
 * Black-box: the thread-centric protocol over a WebSocket (`GET /threads/:id/stream/events`), with
 * raw frames as the SDK's ProtocolWebSocketTransportAdapter sends them (Node 20 has no global
 * WebSocket: the `ws` package), and through the SDK's ThreadStream with `transport: "websocket"`.
 */
import { v7 as uuid7 } from "uuid";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { sharedServers } from "../support/backends.ts";

/** A socket with a queue of parsed frames and a `next(predicate)` waiter. */
async function connect(url: string, threadId: string) {
  const socket = new WebSocket(`${url.replace("http", "ws")}/threads/${threadId}/stream/events`);
  const frames: any[] = [];
  const waiters: (() => void)[] = [];
  socket.on("message", (data: unknown) => {
    frames.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let id = 0;
  return {
    frames,
    send(method: string, params: Record<string, unknown> = {}) {
      id += 1;
      socket.send(JSON.stringify({ id, method, params }));
      return id;
    },
    async next(pred: (f: any) => boolean, ms = 10_000): Promise<any> {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const i = frames.findIndex(pred);
        if (i >= 0) return frames.splice(i, 1)[0];
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      throw new Error("timed out waiting for a frame");
    },
    close: () => socket.close(),
  };
}

const terminal = (f: any) =>
  f.type === "event" &&
  f.method === "lifecycle" &&
  f.params.namespace.length === 0 &&
  ["completed", "interrupted", "failed"].includes(f.params.data.event);

describe.each(sharedServers())("protocol over WebSocket ($backend)", ({ client, url }) => {
  it("subscribe with namespaces filters subgraph events; getTree; input.respond over the socket", async () => {
    const threadId = uuid7();
    const ws = await connect(url, threadId);
    const sub = ws.send("subscription.subscribe", {
      channels: ["values", "updates", "lifecycle"],
      namespaces: [["child"]],
    });
    const root = ws.send("subscription.subscribe", {
      channels: ["lifecycle"],
      namespaces: [[]],
      depth: 0,
    });
    const inputs = ws.send("subscription.subscribe", { channels: ["input"] });
    const start = ws.send("run.start", { assistant_id: "stream_nested", input: { steps: [] } });
    const ack = await ws.next((f) => f.type === "success" && f.id === sub);
    expect(ack.result).toEqual({ subscription_id: expect.any(String), replayed_events: 0 });
    expect((await ws.next((f) => f.id === root)).type).toBe("success");
    expect((await ws.next((f) => f.id === inputs)).type).toBe("success");
    const started = await ws.next((f) => f.id === start);
    expect(started).toMatchObject({
      type: "success",
      result: { run_id: expect.any(String) },
      meta: { thread_id: threadId },
    });

    const interrupted = await ws.next(terminal);
    expect(interrupted.params.data.event).toBe("interrupted");
    const events = ws.frames.filter((f) => f.type === "event");
    const request = events.find((f) => f.method === "input.requested");
    expect(request.params.data).toEqual({
      interrupt_id: expect.any(String),
      payload: { question: "continue?" },
    });
    const child = events.filter(
      (f) => f.params.namespace.length > 0 && f.method !== "input.requested",
    );
    expect(child.length).toBeGreaterThan(0);
    for (const f of child) {
      expect(["values", "updates", "lifecycle"]).toContain(f.method);
      expect(f.params.namespace[0]).toMatch(/^child:/);
    }
    expect(events.some((f) => f.method === "values" && f.params.namespace.length > 0)).toBe(true);
    // Events are sent once per connection even when two subscriptions match.
    const ids = events.map((f) => f.event_id);
    expect(new Set(ids).size).toBe(ids.length);

    const tree = ws.send("agent.getTree");
    const treeRes = await ws.next((f) => f.id === tree);
    expect(treeRes.result.tree).toMatchObject({
      namespace: [],
      graph_name: "stream_nested",
      status: "interrupted",
      children: [{ namespace: [expect.stringMatching(/^child:/)] }],
    });

    ws.frames.length = 0;
    const respond = ws.send("input.respond", {
      interrupt_id: request.params.data.interrupt_id,
      response: "go",
    });
    expect((await ws.next((f) => f.id === respond)).type).toBe("success");
    expect((await ws.next(terminal)).params.data.event).toBe("completed");
    ws.close();
    const values = (await client.threads.getState(threadId)).values as any;
    expect(values.answer).toBe("go");
    expect(values.steps.at(-1)).toBe("parent.finish:go");
  });

  it("late subscribe replays the current run; unsubscribe stops delivery; frame errors", async () => {
    const threadId = uuid7();
    const ws = await connect(url, threadId);
    const start = ws.send("run.start", {
      assistant_id: "protocol_agent",
      input: { messages: [{ role: "user", content: "hi" }] },
    });
    const { result } = await ws.next((f) => f.id === start);
    await client.runs.join(threadId, result.run_id);
    const sub = ws.send("subscription.subscribe", { channels: ["custom"] });
    const ack = await ws.next((f) => f.id === sub);
    expect(ack.result.replayed_events).toBe(2);
    const replayed = [
      await ws.next((f) => f.method === "custom"),
      await ws.next((f) => f.method === "custom"),
    ];
    expect(replayed.map((f) => f.params.data.payload.turn)).toEqual([1, 3]);
    const un = ws.send("subscription.unsubscribe", { subscription_id: ack.result.subscription_id });
    expect(await ws.next((f) => f.id === un)).toMatchObject({ type: "success", result: {} });
    const again = ws.send("subscription.unsubscribe", {
      subscription_id: ack.result.subscription_id,
    });
    expect(await ws.next((f) => f.id === again)).toMatchObject({
      type: "error",
      error: "no_such_subscription",
    });
    const bad = ws.send("subscription.subscribe", { channels: ["bogus"] });
    expect(await ws.next((f) => f.id === bad)).toMatchObject({
      type: "error",
      error: "invalid_argument",
      message: "subscription.subscribe received an unsupported channel.",
    });
    ws.frames.length = 0;
    const second = ws.send("run.start", {
      assistant_id: "protocol_agent",
      input: { messages: [{ role: "user", content: "again" }] },
    });
    const r2 = await ws.next((f) => f.id === second);
    await client.runs.join(threadId, r2.result.run_id);
    await new Promise((r) => setTimeout(r, 200));
    expect(ws.frames.filter((f) => f.type === "event")).toEqual([]);
    ws.close();
  });

  it("the SDK ThreadStream works over the WebSocket transport", async () => {
    const thread = client.threads.stream({
      assistantId: "protocol_agent",
      transport: "websocket",
      webSocketFactory: (u: string) => new WebSocket(u) as any,
    } as any);
    const { run_id } = (await thread.run.start({
      input: { messages: [{ role: "user", content: "hi" }] },
    })) as { run_id: string };
    const first = await (thread.values as any)[Symbol.asyncIterator]().next();
    expect(first.value.messages[0]).toMatchObject({ content: "hi" });
    await client.runs.join(thread.threadId, run_id);
    await thread.close();
    expect((await client.runs.get(thread.threadId, run_id)).status).toBe("success");
    expect(((await client.threads.getState(thread.threadId)).values as any).messages).toHaveLength(
      4,
    );
  });
});
