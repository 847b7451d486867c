/**
 * Black-box: the thread-centric protocol over HTTP commands + SSE, through the official SDK's
 * `client.threads.stream()` (ThreadStream over ProtocolSseTransportAdapter), as `@langchain/react`
 * v1 uses it; plus raw command/stream error cases.
 */
import { v7 as uuid7 } from "uuid";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Ev = { type: "event"; seq: number; event_id: string; method: string; params: any };
const isRootTerminal = (e: Ev) =>
  e.method === "lifecycle" &&
  e.params.namespace.length === 0 &&
  ["completed", "failed", "interrupted"].includes(e.params.data.event);

/** Collects events until `stop` matches (inclusive) or the time limit. */
async function collectUntil(sub: AsyncIterable<Ev>, stop: (e: Ev) => boolean, ms = 15_000) {
  const out: Ev[] = [];
  const it = sub[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const next = await Promise.race([
      it.next(),
      new Promise<IteratorResult<Ev>>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (next.done) break;
    // Copy: the SDK's own projections share (and may reshape) the event objects.
    out.push(JSON.parse(JSON.stringify(next.value)));
    if (stop(next.value)) break;
  }
  return out;
}

/** Reads SSE frames of a fetch response until `stop` or the time limit. */
async function readSse(res: Response, stop: (e: any) => boolean, ms = 10_000) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const frames: { id?: string; event?: string; data: any }[] = [];
  let buf = "";
  const deadline = Date.now() + ms;
  outer: while (Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (chunk.done) break;
    buf += decoder.decode(chunk.value, { stream: true });
    let i = buf.indexOf("\n\n");
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const f: any = {};
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) f.event = line.slice(7);
        else if (line.startsWith("id: ")) f.id = line.slice(4);
        else if (line.startsWith("data: ")) f.data = JSON.parse(line.slice(6));
      }
      if (f.data !== undefined) {
        frames.push(f);
        if (stop(f)) break outer;
      }
      i = buf.indexOf("\n\n");
    }
  }
  await reader.cancel().catch(() => {});
  return frames;
}

const input = { messages: [{ role: "user", content: "hi" }] };

describe.each(sharedServers())("protocol over SSE ($backend)", ({ client, url }) => {
  const command = (threadId: string, body: unknown) =>
    fetch(`${url}/threads/${threadId}/commands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("run.start streams lifecycle, values, content-block messages, updates, tools and custom", async () => {
    const thread = client.threads.stream({ assistantId: "protocol_agent" });
    const sub = (await thread.subscribe({
      channels: ["lifecycle", "values", "messages", "updates", "tools", "custom"],
    })) as unknown as AsyncIterable<Ev>;
    const { run_id } = (await thread.run.start({ input })) as { run_id: string };
    expect(run_id).toEqual(expect.any(String));
    const events = await collectUntil(sub, isRootTerminal);
    await thread.close();

    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const e of events) expect(e.event_id).toBe(String(e.seq));
    expect(events[0]).toMatchObject({
      method: "lifecycle",
      params: { namespace: [], data: { event: "running", graph_name: "protocol_agent" } },
    });
    expect(events.at(-1)!.params.data).toEqual({
      event: "completed",
      graph_name: "protocol_agent",
    });
    const kinds = new Set(events.map((e) => e.method));
    expect([...kinds].sort()).toEqual([
      "custom",
      "lifecycle",
      "messages",
      "tools",
      "updates",
      "values",
    ]);

    const messages = events.filter((e) => e.method === "messages").map((e) => e.params.data);
    expect(messages[0]).toMatchObject({ event: "message-start" });
    const text = messages
      .filter((m) => m.event === "content-block-delta" && m.delta.type === "text-delta")
      .map((m) => m.delta.text)
      .join("");
    expect(text).toBe("beginend");
    expect(messages).toContainEqual(
      expect.objectContaining({
        event: "content-block-finish",
        content: { type: "tool_call", id: "call_echo_1", name: "echo", args: { text: "begin" } },
      }),
    );

    const tools = events.filter((e) => e.method === "tools").map((e) => e.params.data);
    expect(tools.map((t) => t.event)).toEqual(["tool-started", "tool-finished"]);
    expect(tools[0]).toMatchObject({ tool_call_id: "call_echo_1", tool_name: "echo" });

    const updates = events.filter((e) => e.method === "updates" && e.params.namespace.length === 0);
    expect(updates.map((u) => u.params.node)).toEqual(["agent", "tools", "agent"]);
    expect(updates[1]!.params.data.messages[0]).toMatchObject({
      type: "tool",
      content: "tool_call__begin",
      tool_call_id: "call_echo_1",
    });

    expect(
      events.filter((e) => e.method === "custom").map((e) => e.params.data.payload.turn),
    ).toEqual([1, 3]);
    const last = events.filter((e) => e.method === "values").at(-1)!.params.data;
    expect(last.messages.map((m: any) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
    expect(last.messages[1].tool_calls).toEqual([
      { id: "call_echo_1", name: "echo", args: { text: "begin" }, type: "tool_call" },
    ]);
    // The SDK's own projections may rewrite a `values` event's messages in place before this loop
    // reads it (into message objects carrying `contentBlocks`, no `content`), depending on the
    // order of its subscribers: the blocks are the server's either way.
    const final = last.messages[3];
    expect(final.type).toBe("ai");
    expect(final.content ?? final.contentBlocks).toMatchObject([{ type: "text", text: "end" }]);

    // The thread was created by run.start (if_not_exists create) and the run is an ordinary run.
    const run = await client.runs.get(thread.threadId, run_id);
    expect(run.status).toBe("success");
    expect((run as any).multitask_strategy).toBe("enqueue");
    expect((await client.threads.get(thread.threadId)).status).toBe("idle");
  });

  it("projections: toolCalls are assembled with their output; values resolve", async () => {
    const thread = client.threads.stream({ assistantId: "protocol_agent" });
    // Subscribe before starting the run, so a fast run cannot finish before the projection listens.
    const pending = collectUntil(thread.toolCalls as any, () => true);
    await thread.run.start({ input });
    const calls = await pending;
    const output = await thread.output;
    await thread.close();
    expect(calls[0]).toMatchObject({ name: "echo", callId: "call_echo_1" });
    const call = calls[0] as any;
    expect(typeof call.input === "string" ? JSON.parse(call.input) : call.input).toEqual({
      text: "begin",
    });
    expect(await call.output).toBeDefined();
    expect((output as any).messages).toHaveLength(4);
  });

  it("interrupt: input.requested + lifecycle interrupted, then input.respond resumes; state.get", async () => {
    const thread = client.threads.stream({ assistantId: "runs_hitl" });
    const sub = (await thread.subscribe({
      channels: ["lifecycle", "input", "values"],
    })) as unknown as AsyncIterable<Ev>;
    await thread.run.start({ input: { question: "ship it?" } });
    const first = await collectUntil(sub, isRootTerminal);
    const request = first.find((e) => e.method === "input.requested")!;
    expect(request.params.data).toEqual({
      interrupt_id: expect.any(String),
      payload: { question: "ship it?" },
    });
    expect(first.at(-1)!.params.data.event).toBe("interrupted");
    for (const e of first.filter((x) => x.method === "values"))
      expect(e.params.data).not.toHaveProperty("__interrupt__");
    expect((await client.threads.get(thread.threadId)).status).toBe("interrupted");

    await thread.input.respond({
      interrupt_id: request.params.data.interrupt_id,
      response: "yes",
    } as any);
    const second = await collectUntil(sub, (e) => isRootTerminal(e) && e.seq > first.at(-1)!.seq);
    expect(second.at(-1)!.params.data.event).toBe("completed");
    const state = (await thread.state.get({} as any)) as any;
    expect(state.values).toMatchObject({ question: "ship it?", answer: "yes", finished: true });
    expect(state.checkpoint).toEqual({ id: expect.any(String), ns: "" });
    const keys = (await thread.state.get({ keys: ["answer"] } as any)) as any;
    expect(keys.values).toEqual({ answer: "yes" });
    await thread.close();
  });

  it("run.start on an interrupted thread resumes it with the input as the resume value", async () => {
    const threadId = uuid7();
    const r1 = await (
      await command(threadId, {
        id: 1,
        method: "run.start",
        params: { assistant_id: "runs_hitl", input: { question: "q" } },
      })
    ).json();
    expect(r1).toMatchObject({
      type: "success",
      id: 1,
      result: { run_id: expect.any(String) },
      meta: { thread_id: threadId, applied_through_seq: expect.any(Number) },
    });
    await client.runs.join(threadId, r1.result.run_id);
    const r2 = await (
      await command(threadId, {
        id: 2,
        method: "run.start",
        params: { assistant_id: "runs_hitl", input: "direct" },
      })
    ).json();
    await client.runs.join(threadId, r2.result.run_id);
    const state = await client.threads.getState(threadId);
    expect(state.values).toMatchObject({ answer: "direct", finished: true });
  });

  it("command errors: missing ids, no run yet, wrong assistant, unknown method, bad bodies", async () => {
    const threadId = uuid7();
    const send = async (body: unknown) => (await command(threadId, body)).json();
    expect(await send({ id: 1, method: "run.start", params: {} })).toEqual({
      type: "error",
      id: 1,
      error: "invalid_argument",
      message: "run.start requires an assistant_id.",
    });
    expect(await send({ id: 2, method: "agent.getTree", params: {} })).toEqual({
      type: "error",
      id: 2,
      error: "no_such_run",
      message: "No active run is bound to this thread.",
    });
    expect(await send({ id: 3, method: "input.respond", params: {} })).toMatchObject({
      type: "error",
      error: "invalid_argument",
      message: "input.respond requires an interrupt_id.",
    });
    expect(await send({ id: 4, method: "subscription.reconnect", params: {} })).toMatchObject({
      type: "error",
      error: "not_supported",
    });
    const started = await send({
      id: 5,
      method: "run.start",
      params: { assistant_id: "runs_steps", input: {} },
    });
    expect(started.type).toBe("success");
    expect(
      await send({ id: 6, method: "run.start", params: { assistant_id: "runs_hitl", input: {} } }),
    ).toMatchObject({
      type: "error",
      error: "invalid_argument",
      message: `Thread ${threadId} is bound to assistant runs_steps; cannot run runs_hitl.`,
    });
    expect(await send({ id: 7, method: "nope.nope", params: {} })).toMatchObject({
      type: "error",
      id: 7,
      error: "unknown_command",
      message: "Unknown protocol command: nope.nope",
    });
    const tree = await send({ id: 8, method: "agent.getTree", params: {} });
    expect(tree).toMatchObject({
      type: "success",
      result: { tree: { namespace: [], graph_name: "runs_steps" } },
    });
    expect((await command(threadId, { method: "run.start" })).status).toBe(400);
    const badStream = await fetch(`${url}/threads/${threadId}/stream/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channels: ["values"], extra: 1 }),
    });
    expect(badStream.status).toBe(400);
    const missing = await command(threadId, {
      id: 9,
      method: "run.start",
      params: { assistant_id: "no-such-graph" },
    });
    // A fresh thread is bound to runs_steps above, so use another one for the unknown assistant.
    expect(missing.status === 200 || missing.status === 404).toBe(true);
    const other = await command(uuid7(), {
      id: 1,
      method: "run.start",
      params: { assistant_id: "no-such-graph" },
    });
    expect(other.status).toBe(404);
  });

  it("SSE stream filters: since, namespaces with depth, replay to late subscribers", async () => {
    const threadId = uuid7();
    const r = await (
      await command(threadId, {
        id: 1,
        method: "run.start",
        params: { assistant_id: "protocol_agent", input },
      })
    ).json();
    await client.runs.join(threadId, r.result.run_id);
    const open = (body: unknown) =>
      fetch(`${url}/threads/${threadId}/stream/events`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(body),
      });

    const all = await readSse(
      await open({ channels: ["lifecycle", "values", "messages"] }),
      (f) =>
        f.data.method === "lifecycle" &&
        f.data.params.namespace.length === 0 &&
        f.data.params.data.event === "completed",
    );
    expect(all.length).toBeGreaterThan(5);
    for (const f of all) {
      expect(f.id).toBe(f.data.event_id);
      expect(f.event).toBe(f.data.method);
    }
    const cut = all[3]!.data.seq;
    const later = await readSse(
      await open({ channels: ["lifecycle", "values", "messages"], since: cut }),
      (f) => f.data.seq === all.at(-1)!.data.seq,
    );
    expect(later.map((f) => f.data.seq)).toEqual(
      all.filter((f) => f.data.seq > cut).map((f) => f.data.seq),
    );

    const rootOnly = await readSse(
      await open({ channels: ["lifecycle", "messages"], namespaces: [[]], depth: 0 }),
      (f) => f.data.params.data.event === "completed" && f.data.params.namespace.length === 0,
    );
    expect(rootOnly.every((f) => f.data.params.namespace.length === 0)).toBe(true);
    expect(rootOnly.some((f) => f.data.method === "messages")).toBe(false);
    const children = await readSse(
      await open({ channels: ["messages"], namespaces: [["agent"]] }),
      (f) => f.data.params.data.event === "message-finish",
    );
    expect(children.length).toBeGreaterThan(0);
    expect(children.every((f) => f.data.params.namespace[0].startsWith("agent:"))).toBe(true);
  });
});
