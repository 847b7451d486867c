/**
 * graphEvents: without the `events` and legacy `messages` modes the graph is streamed directly
 * (no `streamEvents`), and the root chunks are the ones `streamEvents` v2 yields for the same run:
 * same namespaces, modes and order, same payloads where they do not carry ids or times (a chat
 * model still streams: its reply is stored as the same `AIMessageChunk`).
 */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it, vi } from "vitest";
import { graphEvents, needsAllEvents } from "../../src/stream/graph-events.ts";
import { libStreamModes, streamGraphRun } from "../../src/stream/run-modes.ts";
import type { StreamMode } from "../../src/stream/types.ts";
import { graph as agentGraph } from "../fixtures/graphs/stream_agent.ts";
import { graph as nestedGraph } from "../fixtures/graphs/stream_nested.ts";

function withSaver(graph: any) {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph);
  copy.checkpointer = new MemorySaver();
  return copy;
}

type Chunk = { ns: string[]; mode: string; payload: unknown };

/** The root chunks of one run, read through `graphEvents` as run-modes.ts reads them. */
async function rootChunks(
  graph: any,
  requested: StreamMode[],
  subgraphs: boolean,
  input: unknown,
): Promise<Chunk[]> {
  const runId = crypto.randomUUID();
  const threadId = crypto.randomUUID();
  const chunks: Chunk[] = [];
  const options = {
    configurable: { thread_id: threadId },
    subgraphs,
    runId,
    streamMode: libStreamModes(requested),
  };
  for await (const e of graphEvents(graph, input, options, requested, runId)) {
    if (e.event !== "on_chain_stream" || e.run_id !== runId) continue;
    const raw = e.data.chunk as unknown[];
    const [ns, mode, payload] = (subgraphs ? raw : [null, ...raw]) as [
      string[] | null,
      string,
      unknown,
    ];
    chunks.push({ ns: (ns ?? []).map((n) => n.split(":")[0]!), mode, payload });
  }
  return chunks;
}

/** Interrupt ids (from task ids) and message ids (random) differ between two runs. */
const ID = /^([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const sameIds = (key: string, value: unknown) =>
  key === "id" && typeof value === "string" && ID.test(value) ? "<id>" : value;

/** Chunks without what differs between two runs (checkpoint ids, times, task ids). */
const comparable = (chunks: Chunk[]) =>
  chunks.map((c) =>
    ["values", "updates", "custom", "messages"].includes(c.mode)
      ? { ns: c.ns, mode: c.mode, payload: JSON.parse(JSON.stringify(c.payload ?? null), sameIds) }
      : { ns: c.ns, mode: c.mode },
  );

describe("graphEvents", () => {
  it("needs every event only for the events and legacy messages modes", () => {
    expect(needsAllEvents(["values", "updates", "messages-tuple", "custom", "debug"])).toBe(false);
    expect(needsAllEvents(["values", "events"])).toBe(true);
    expect(needsAllEvents(["messages"])).toBe(true);
  });

  it("streams the graph directly when no mode needs every event", async () => {
    const graph = withSaver(agentGraph);
    const spy = vi.spyOn(graph, "streamEvents");
    const direct = await rootChunks(graph, ["values", "messages-tuple"], false, {
      messages: [{ type: "human", content: "foo", id: "m1" }],
    });
    expect(spy).not.toHaveBeenCalled();
    expect(direct.some((c) => c.mode === "messages")).toBe(true);
    await rootChunks(graph, ["values", "events"], false, { messages: [] });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("a run tagged langsmith:hidden streams what it streamed under streamEvents", async () => {
    const modeEvents = async (modes: StreamMode[]) => {
      const threadId = crypto.randomUUID();
      const names: string[] = [];
      for await (const e of streamGraphRun(withSaver(nestedGraph), {
        runId: crypto.randomUUID(),
        threadId,
        streamMode: modes,
        config: { tags: ["langsmith:hidden"], configurable: { thread_id: threadId } },
        input: { steps: [] },
      }))
        if (e.event !== "events") names.push(e.event);
      return names;
    };
    expect(await modeEvents(["values", "updates"])).toEqual(
      await modeEvents(["values", "updates", "events"]),
    );
  });

  for (const subgraphs of [false, true])
    it(`the same root chunks as streamEvents (subgraphs: ${subgraphs})`, async () => {
      const modes: StreamMode[] = ["values", "updates", "custom", "debug", "tasks"];
      for (const [graph, input] of [
        [nestedGraph, { steps: [] }],
        [agentGraph, { messages: [{ type: "human", content: "foo", id: "m1" }] }],
      ] as const) {
        const direct = await rootChunks(withSaver(graph), modes, subgraphs, input);
        const viaEvents = await rootChunks(
          withSaver(graph),
          [...modes, "events"],
          subgraphs,
          input,
        );
        expect(direct.length).toBeGreaterThan(3);
        expect(comparable(direct)).toEqual(comparable(viaEvents));
        if (subgraphs && graph === nestedGraph) {
          expect(direct.some((c) => c.ns.length > 0)).toBe(true);
          // LangGraph's checkpoint envelopes of subgraphs with values, as under streamEvents.
          const envelopes = (cs: Chunk[]) => cs.filter((c) => c.mode === "checkpoints").length;
          const withValues = await rootChunks(withSaver(graph), ["values"], true, input);
          const withValuesEvents = await rootChunks(
            withSaver(graph),
            ["values", "events"],
            true,
            input,
          );
          expect(envelopes(withValues)).toBeGreaterThan(0);
          expect(envelopes(withValues)).toBe(envelopes(withValuesEvents));
        }
      }
    });
});
