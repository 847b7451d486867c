/** streamGraphRun: stream modes → official SSE event names, payloads and order (in process, MemorySaver). */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import {
  type RunOutcome,
  type StreamMode,
  type StreamRunOptions,
  streamGraphRun,
} from "../../src/stream/run-modes.ts";
import type { RunEvent } from "../../src/stream/types.ts";
import { graph as agentGraph } from "../fixtures/graphs/stream_agent.ts";
import { graph as errorGraph } from "../fixtures/graphs/stream_error.ts";
import { graph as nestedGraph } from "../fixtures/graphs/stream_nested.ts";

function withSaver(graph: any, saver = new MemorySaver()) {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph);
  copy.checkpointer = saver;
  return copy;
}

async function run(
  graph: any,
  modes: StreamMode[],
  extra: Partial<StreamRunOptions> = {},
): Promise<{ events: RunEvent[]; outcome: RunOutcome }> {
  const threadId = extra.threadId ?? crypto.randomUUID();
  const it = streamGraphRun(graph, {
    runId: crypto.randomUUID(),
    threadId,
    streamMode: modes,
    config: { configurable: { thread_id: threadId } },
    input: { messages: [{ type: "human", content: "foo", id: "m1" }] },
    ...extra,
  });
  const events: RunEvent[] = [];
  let r = await it.next();
  while (!r.done) {
    events.push(r.value);
    r = await it.next();
  }
  return { events, outcome: r.value };
}

const names = (events: RunEvent[]) => events.map((e) => e.event);

describe("streamGraphRun", () => {
  it("values: full states, messages flattened to {...data, type}", async () => {
    const { events, outcome } = await run(withSaver(agentGraph), ["values"]);
    expect(new Set(names(events))).toEqual(new Set(["values"]));
    const last = events.at(-1)?.data as { messages: { content: string; type: string }[] };
    expect(last.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "foo"],
      ["ai", "begin"],
      ["tool", "tool_call__begin"],
      ["ai", "end"],
    ]);
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
    expect(outcome.values).toEqual(last);
    expect(outcome.threadInterrupted).toBe(false);
    expect(outcome.lastCheckpoint?.next).toEqual([]);
  });

  it("updates: one event per node step", async () => {
    const { events } = await run(withSaver(agentGraph), ["updates"]);
    expect(events.map((e) => Object.keys(e.data as object)[0])).toEqual([
      "agent",
      "tools",
      "agent",
    ]);
  });

  it("messages-tuple: one messages event per token plus the tool message", async () => {
    const { events } = await run(withSaver(agentGraph), ["messages-tuple"]);
    expect(new Set(names(events))).toEqual(new Set(["messages"]));
    const chunks = events.map((e) => e.data as [{ content: string }, Record<string, unknown>]);
    expect(chunks).toHaveLength("begin".length + "end".length + 1);
    expect(chunks.map(([m]) => m.content)).toEqual([..."begin", "tool_call__begin", ..."end"]);
    expect(chunks[0]?.[1]).toMatchObject({
      langgraph_node: "agent",
      langgraph_step: 1,
      langgraph_host: "self-hosted",
      langgraph_plan: "developer",
      langgraph_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      run_attempt: 1,
    });
  });

  it("legacy messages: metadata, accumulated partials, completes (derived from values)", async () => {
    const { events } = await run(withSaver(agentGraph), ["messages"]);
    expect(new Set(names(events))).toEqual(
      new Set(["messages/metadata", "messages/partial", "messages/complete"]),
    );
    const partials = events
      .filter((e) => e.event === "messages/partial")
      .map((e) => (e.data as { content: string }[])[0]?.content);
    expect(partials).toEqual(["b", "be", "beg", "begi", "begin", "e", "en", "end"]);
    const completes = events
      .filter((e) => e.event === "messages/complete")
      .map((e) => (e.data as { content: string }[])[0]?.content);
    expect(completes).toEqual(["foo", "begin", "tool_call__begin", "end"]);
    expect(events.at(-1)?.event).toBe("messages/complete");
    expect(names(events).filter((n) => n === "messages/metadata")).toHaveLength(2);
  });

  it("events: raw streamEvents v2 objects", async () => {
    const { events } = await run(withSaver(agentGraph), ["events"]);
    const kinds = new Set(events.map((e) => (e.data as { event: string }).event));
    for (const k of [
      "on_chain_start",
      "on_chain_end",
      "on_chat_model_start",
      "on_chat_model_stream",
      "on_chat_model_end",
      "on_tool_start",
      "on_tool_end",
    ]) {
      expect(kinds).toContain(k);
    }
    expect(new Set(names(events))).toEqual(new Set(["events"]));
  });

  it("tasks + checkpoints: the upstream sequence", async () => {
    const { events } = await run(withSaver(agentGraph), ["tasks", "checkpoints"]);
    const shape = events.map((e) => {
      const d = e.data as Record<string, any>;
      if (e.event === "checkpoints") return `cp:${d.metadata.step}:${d.next.join(",")}`;
      return `${"result" in d ? "result" : "task"}:${d.name}`;
    });
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
    const firstTask = events[2]?.data as Record<string, unknown>;
    expect(firstTask).toMatchObject({ triggers: ["branch:to:agent"], interrupts: [] });
  });

  it("debug: checkpoints in wire shape (checkpoint, parent_checkpoint, parent_config, no __ keys)", async () => {
    const seen: unknown[] = [];
    const { events } = await run(withSaver(agentGraph), ["debug"], {
      onCheckpoint: (cp) => seen.push(cp),
    });
    const checkpoints = events
      .map((e) => e.data as { type: string; payload: Record<string, any> })
      .filter((d) => d.type === "checkpoint");
    expect(checkpoints).toHaveLength(5);
    expect(seen).toHaveLength(5);
    const p = checkpoints[1]?.payload as Record<string, any>;
    expect(p.checkpoint).toMatchObject({ checkpoint_ns: "", checkpoint_id: expect.any(String) });
    expect(p.parent_checkpoint?.checkpoint_id).toBe(
      checkpoints[0]?.payload.checkpoint.checkpoint_id,
    );
    expect(p).toHaveProperty("parent_config");
    expect(p).not.toHaveProperty("parentConfig");
    expect(Object.keys(p.config.configurable).filter((k) => k.startsWith("__"))).toEqual([]);
    expect(names(events).every((n) => n === "debug")).toBe(true);
  });

  it("custom and tools", async () => {
    const { events } = await run(withSaver(agentGraph), ["custom", "tools"]);
    expect(events.filter((e) => e.event === "custom").map((e) => e.data)).toEqual([
      { kind: "progress", node: "agent", turn: 1 },
      { kind: "progress", node: "agent", turn: 3 },
    ]);
    const tools = events
      .filter((e) => e.event === "tools")
      .map((e) => e.data as Record<string, unknown>);
    expect(tools.map((t) => t.event)).toEqual(["on_tool_start", "on_tool_end"]);
    expect(tools[0]).toMatchObject({ toolCallId: "call_echo_1", name: "echo" });
  });

  it("subgraphs: mode|ns events, interrupt in a child, resume with a command", async () => {
    const graph = withSaver(nestedGraph);
    const threadId = crypto.randomUUID();
    const first = await run(graph, ["values", "updates", "custom"], {
      threadId,
      subgraphs: true,
      input: { steps: [] },
    });
    const childEvents = names(first.events).filter((n) => n.includes("|"));
    expect(childEvents.length).toBeGreaterThan(0);
    for (const n of childEvents)
      expect(n).toMatch(/^(values|updates|custom|checkpoints)\|child:[0-9a-f-]+$/);
    expect(first.events.find((e) => e.event.startsWith("custom|"))?.data).toEqual({
      from: "child.prepare",
    });
    expect(first.events.at(-1)).toMatchObject({
      event: "values",
      data: { __interrupt__: [{ value: { question: "continue?" } }] },
    });
    expect(first.outcome.threadInterrupted).toBe(true);

    const second = await run(graph, ["updates"], {
      threadId,
      subgraphs: false,
      input: undefined,
      command: { resume: "yes" },
    });
    expect(names(second.events)).toEqual(["updates", "updates"]);
    expect(second.events.at(-1)?.data).toEqual({ finish: { steps: ["parent.finish:yes"] } });
    expect(second.outcome.threadInterrupted).toBe(false);
  });

  it("subgraphs + values: lightweight checkpoint envelopes as upstream, full ones when requested", async () => {
    const light = await run(withSaver(nestedGraph), ["values"], {
      subgraphs: true,
      input: { steps: [] },
    });
    const envelopes = light.events.filter((e) => e.event.split("|")[0] === "checkpoints");
    expect(envelopes.length).toBeGreaterThan(0);
    for (const e of envelopes) {
      expect(e.data).toMatchObject({ id: expect.any(String), step: expect.any(Number) });
      expect(e.data).not.toHaveProperty("values");
    }
    const full = await run(withSaver(nestedGraph), ["values", "checkpoints"], {
      subgraphs: true,
      input: { steps: [] },
    });
    for (const e of full.events.filter((x) => x.event.split("|")[0] === "checkpoints")) {
      expect(e.data).toHaveProperty("values");
      expect(e.data).toHaveProperty("next");
    }
  });

  it("without subgraphs: no namespaced events", async () => {
    const { events } = await run(withSaver(nestedGraph), ["values", "updates", "custom"], {
      input: { steps: [] },
    });
    expect(names(events).some((n) => n.includes("|"))).toBe(false);
  });

  it("interrupt_before: ends with an empty __interrupt__ values event", async () => {
    const { events, outcome } = await run(withSaver(agentGraph), ["values"], {
      interruptBefore: ["tools"],
    });
    expect(events.at(-1)).toEqual({ event: "values", data: { __interrupt__: [] } });
    expect(outcome.threadInterrupted).toBe(true);
    expect(outcome.lastCheckpoint?.next).toEqual(["tools"]);
  });

  it("throws the graph's error after streaming what came before", async () => {
    const events: RunEvent[] = [];
    const it = streamGraphRun(withSaver(errorGraph), {
      runId: crypto.randomUUID(),
      threadId: "e1",
      streamMode: ["updates"],
      config: { configurable: { thread_id: "e1" } },
      input: { messages: [] },
    });
    const err = await (async () => {
      for await (const e of it) events.push(e);
    })().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("CustomError");
    expect((err as Error).message).toBe("Boo!");
    expect(names(events)).toEqual(["updates"]);
  });

  it("abort stops the graph promptly", async () => {
    const ac = new AbortController();
    const started = Date.now();
    const it = streamGraphRun(withSaver(errorGraph), {
      runId: crypto.randomUUID(),
      threadId: "a1",
      streamMode: ["updates"],
      config: { configurable: { thread_id: "a1" } },
      input: { messages: [] },
      signal: ac.signal,
    });
    await it.next();
    ac.abort("interrupt");
    const err = await (async () => {
      for await (const _ of it) {
        /* drain */
      }
    })().catch((e: Error) => e);
    expect(err).toBeDefined();
    expect((err as Error).name).not.toBe("CustomError");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
