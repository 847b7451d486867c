/** Black-box: every stream mode through the official SDK, with the official event names and order. */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Part = { id?: string; event: string; data: any };

async function gather(stream: AsyncIterable<unknown>): Promise<Part[]> {
  const out: Part[] = [];
  for await (const part of stream) out.push(part as Part);
  return out;
}

const input = { messages: [{ type: "human", content: "foo", id: "initial-message" }] };

describe.each(sharedServers())("stream modes ($backend)", ({ client }) => {
  async function streamOn(graphId: string, options: Record<string, unknown>) {
    const thread = await client.threads.create();
    const parts = await gather(
      client.runs.stream(thread.thread_id, graphId, { input, ...options }),
    );
    return { thread, parts };
  }

  it("values: metadata first with run id and attempt, then full states; ids 0..n", async () => {
    const { thread, parts } = await streamOn("stream_agent", { streamMode: "values" });
    expect(parts[0]).toEqual({
      event: "metadata",
      data: { run_id: expect.any(String), attempt: 1 },
      id: "0",
    });
    expect(new Set(parts.map((p) => p.event))).toEqual(new Set(["metadata", "values"]));
    expect(parts.map((p) => p.id)).toEqual(parts.map((_, i) => String(i)));
    let previous: string[] = [];
    for (const p of parts.slice(1)) {
      const ids = p.data.messages.map((m: { id: string }) => m.id);
      expect(ids.slice(0, -1)).toEqual(previous);
      previous = ids;
    }
    expect(parts.at(-1)?.data.messages.map((m: any) => m.type)).toEqual([
      "human",
      "ai",
      "tool",
      "ai",
    ]);
    const run = await client.runs.get(thread.thread_id, parts[0]?.data.run_id);
    expect(run.status).toBe("success");
  });

  it("updates: one event per node", async () => {
    const { parts } = await streamOn("stream_agent", { streamMode: "updates" });
    expect(parts.slice(1).map((p) => Object.keys(p.data)[0])).toEqual(["agent", "tools", "agent"]);
    expect(parts.at(-1)?.event).toBe("updates");
  });

  it("messages-tuple: one event per token plus the tool message, with metadata", async () => {
    const { parts } = await streamOn("stream_agent", {
      streamMode: "messages-tuple",
      streamSubgraphs: true,
    });
    const messages = parts.filter((p) => p.event === "messages" || p.event.startsWith("messages|"));
    expect(messages).toHaveLength("begin".length + "end".length + 1);
    expect(messages.map((p) => p.data[0].content)).toEqual([
      ..."begin",
      "tool_call__begin",
      ..."end",
    ]);
    expect(messages[0]?.data[1]).toMatchObject({ langgraph_node: "agent", langgraph_step: 1 });
    expect(new Set(parts.map((p) => p.event.split("|")[0]))).toEqual(
      new Set(["metadata", "messages"]),
    );
  });

  it("legacy messages: metadata, partial, complete; last event is a complete", async () => {
    const { parts } = await streamOn("stream_agent", { streamMode: "messages" });
    expect(new Set(parts.map((p) => p.event))).toEqual(
      new Set(["metadata", "messages/metadata", "messages/partial", "messages/complete"]),
    );
    const partial: Record<string, string> = {};
    for (const p of parts) {
      if (p.event === "messages/partial") partial[p.data[0].id] = p.data[0].content;
      if (p.event === "messages/complete" && p.data[0].type === "ai")
        expect(p.data[0].content).toBe(partial[p.data[0].id]);
    }
    expect(parts.at(-1)?.event).toBe("messages/complete");
    expect(parts.at(-1)?.data[0].content).toBe("end");
  });

  it("mixed messages + values", async () => {
    const { parts } = await streamOn("stream_agent", { streamMode: ["messages", "values"] });
    expect(new Set(parts.map((p) => p.event))).toEqual(
      new Set(["metadata", "messages/metadata", "messages/partial", "messages/complete", "values"]),
    );
    expect(parts.findLast((p) => p.event === "values")?.data.messages).toHaveLength(4);
  });

  it("events: raw streamEvents v2 objects", async () => {
    const { parts } = await streamOn("stream_agent", { streamMode: "events" });
    expect(new Set(parts.map((p) => p.event))).toEqual(new Set(["metadata", "events"]));
    const kinds = new Set(parts.slice(1).map((p) => p.data.event));
    for (const k of [
      "on_chain_start",
      "on_chain_end",
      "on_chat_model_start",
      "on_chat_model_stream",
      "on_chat_model_end",
    ])
      expect(kinds).toContain(k);
  });

  it("tasks + checkpoints: the upstream sequence", async () => {
    const { parts } = await streamOn("stream_agent", { streamMode: ["tasks", "checkpoints"] });
    const shape = parts
      .slice(1)
      .map((p) =>
        p.event === "checkpoints"
          ? `cp:${p.data.metadata.step}:${p.data.next.join(",")}`
          : `${"result" in p.data ? "result" : "task"}:${p.data.name}`,
      );
    expect(shape).toEqual([
      "cp:-1:__start__",
      "cp:0:agent",
      "task:agent",
      "result:agent",
      "cp:1:tools",
      "task:tools",
      "result:tools",
      "cp:2:agent",
      "task:agent",
      "result:agent",
      "cp:3:",
    ]);
    expect(parts[3]?.data).toMatchObject({
      name: "agent",
      triggers: ["branch:to:agent"],
      interrupts: [],
    });
  });

  it("debug: checkpoint payloads match the thread history", async () => {
    const { thread, parts } = await streamOn("stream_agent", { streamMode: "debug" });
    const checkpoints = parts
      .filter((p) => p.event === "debug" && p.data.type === "checkpoint")
      .map((p) => p.data.payload);
    expect(checkpoints.length).toBe(5);
    const history = (
      await client.threads.getHistory(thread.thread_id, { limit: checkpoints.length })
    ).reverse();
    const pick = (i: any) => ({
      step: i.metadata?.step,
      checkpoint: i.checkpoint,
      parent_checkpoint: i.parent_checkpoint,
    });
    expect(checkpoints.map(pick)).toEqual(history.map(pick));
  });

  it("custom and tools", async () => {
    const { parts } = await streamOn("stream_agent", { streamMode: ["custom", "tools"] });
    expect(parts.filter((p) => p.event === "custom").map((p) => p.data)).toEqual([
      { kind: "progress", node: "agent", turn: 1 },
      { kind: "progress", node: "agent", turn: 3 },
    ]);
    const tools = parts.filter((p) => p.event === "tools").map((p) => p.data);
    expect(tools.map((t) => t.event)).toEqual(["on_tool_start", "on_tool_end"]);
    expect(tools[1]).toMatchObject({ toolCallId: "call_echo_1", name: "echo" });
  });

  it("interrupt_before ends with an empty __interrupt__ values event, then continues", async () => {
    const { thread, parts } = await streamOn("stream_agent", { interruptBefore: ["tools"] });
    expect(parts.at(-1)).toMatchObject({ event: "values", data: { __interrupt__: [] } });
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const next = await gather(
      client.runs.stream(thread.thread_id, "stream_agent", { input: null }),
    );
    expect(next.filter((p) => p.event === "error")).toEqual([]);
    expect(next.at(-1)?.data.messages.at(-1).content).toBe("end");
  });
});
