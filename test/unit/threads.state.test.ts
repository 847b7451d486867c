/** Unit: state snapshot helpers, the wire mapping of states, commands and the TTL sweeper. */
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { Command, Send, type StateSnapshot } from "@langchain/langgraph";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { DomainError } from "../../src/core/errors.ts";
import { checkpointOfConfig, stateToWire, threadToWire } from "../../src/http/mappers/threads.ts";
import { toLangGraphCommand } from "../../src/threads/command.ts";
import {
  asClientError,
  emptySnapshot,
  graphIdOfThread,
  threadStateFromSnapshot,
} from "../../src/threads/state.ts";
import { startTtlSweeper } from "../../src/threads/sweeper.ts";

const config = (checkpointId: string, extra: Record<string, unknown> = {}) => ({
  configurable: { thread_id: "t1", checkpoint_ns: "", checkpoint_id: checkpointId, ...extra },
});

function snapshot(partial: Partial<StateSnapshot>): StateSnapshot {
  return { ...emptySnapshot(), ...partial } as StateSnapshot;
}

describe("threadStateFromSnapshot", () => {
  it("serializes messages and reports idle when nothing is pending", () => {
    const state = threadStateFromSnapshot(
      snapshot({ values: { messages: [new HumanMessage({ content: "hi", id: "m1" })] } }),
    );
    expect(state).toEqual({
      values: {
        messages: [
          { content: "hi", id: "m1", type: "human", additional_kwargs: {}, response_metadata: {} },
        ],
      },
      interrupts: {},
      status: "idle",
    });
  });

  it("reports interrupted with interrupts keyed by task, skipping tasks without any", () => {
    const state = threadStateFromSnapshot(
      snapshot({
        next: ["agent", "tool"],
        tasks: [
          { id: "a", name: "agent", interrupts: [{ id: "i1", value: "stop" }], path: [] } as any,
          { id: "b", name: "tool", interrupts: [], path: [] } as any,
        ],
      }),
    );
    expect(state.status).toBe("interrupted");
    expect(state.interrupts).toEqual({ a: [{ id: "i1", value: "stop" }] });
  });

  it("reports error over everything else", () => {
    const state = threadStateFromSnapshot(snapshot({ next: ["agent"] }), { error: new Error("x") });
    expect(state.status).toBe("error");
  });
});

describe("graphIdOfThread", () => {
  it("reads metadata.graph_id only when it is a non-empty string", () => {
    expect(graphIdOfThread({ graph_id: "agent" })).toBe("agent");
    expect(graphIdOfThread({ graph_id: "" })).toBeNull();
    expect(graphIdOfThread({ graph_id: 3 })).toBeNull();
    expect(graphIdOfThread({})).toBeNull();
  });
});

describe("stateToWire", () => {
  it("maps the empty snapshot like the official server", () => {
    expect(JSON.parse(JSON.stringify(stateToWire(emptySnapshot())))).toEqual({
      values: {},
      next: [],
      tasks: [],
      created_at: null,
      checkpoint: null,
      parent_checkpoint: null,
    });
  });

  it("maps checkpoints, tasks (errors, subgraph checkpoints, nested states) and dates", () => {
    const child = snapshot({
      values: { city: "SF" },
      next: ["weather_node"],
      config: config("c2", { checkpoint_ns: "weather_graph:1" }),
      createdAt: "2025-01-01T00:00:00.000Z",
    });
    const wire = stateToWire(
      snapshot({
        values: { messages: [new AIMessage("yo")] },
        next: ["weather_graph", "tool", "broken"],
        config: config("c1", { checkpoint_map: { "": "c1" } }),
        parentConfig: config("c0"),
        metadata: { source: "loop", step: 2 } as any,
        createdAt: "2025-01-01T00:00:00Z",
        tasks: [
          {
            id: "t-a",
            name: "weather_graph",
            path: ["__pregel_pull", "weather_graph"],
            interrupts: [],
            state: { configurable: { thread_id: "t1", checkpoint_ns: "weather_graph:1" } },
          },
          { id: "t-b", name: "tool", path: [], interrupts: [], state: child, result: { ok: 1 } },
          { id: "t-c", name: "broken", path: [], interrupts: [], error: new TypeError("Boo!") },
        ] as any,
      }),
    );
    expect(wire.checkpoint).toEqual({
      thread_id: "t1",
      checkpoint_id: "c1",
      checkpoint_ns: "",
      checkpoint_map: { "": "c1" },
    });
    expect(wire.parent_checkpoint).toMatchObject({ checkpoint_id: "c0", checkpoint_map: null });
    expect(wire.created_at).toBe("2025-01-01T00:00:00.000Z");
    const tasks = wire.tasks as any[];
    expect(tasks[0]).toEqual({
      id: "t-a",
      name: "weather_graph",
      path: ["__pregel_pull", "weather_graph"],
      error: null,
      interrupts: [],
      checkpoint: { thread_id: "t1", checkpoint_ns: "weather_graph:1" },
      state: null,
      result: null,
    });
    expect(tasks[1].checkpoint).toBeNull();
    expect(tasks[1].result).toEqual({ ok: 1 });
    expect(tasks[1].state).toMatchObject({
      values: { city: "SF" },
      next: ["weather_node"],
      checkpoint: { checkpoint_ns: "weather_graph:1", checkpoint_id: "c2" },
    });
    expect(Object.keys(tasks[1].state).sort()).toEqual(
      [
        "checkpoint",
        "created_at",
        "metadata",
        "next",
        "parent_checkpoint",
        "tasks",
        "values",
      ].sort(),
    );
    expect(tasks[2].error).toBe("Boo!");
  });

  it("needs both a thread id and a checkpoint id to report a checkpoint", () => {
    expect(checkpointOfConfig(undefined)).toBeNull();
    expect(checkpointOfConfig({ configurable: { thread_id: "t" } })).toBeNull();
    expect(checkpointOfConfig({ configurable: { checkpoint_id: "c" } })).toBeNull();
  });
});

describe("threadToWire", () => {
  const base = {
    threadId: "t1",
    metadata: { a: 1 },
    config: {},
    status: "idle" as const,
    values: null,
    interrupts: {},
    error: null,
    createdAt: new Date("2025-01-01T00:00:00Z"),
    updatedAt: new Date("2025-01-01T00:00:01Z"),
    stateUpdatedAt: new Date("2025-01-01T00:00:02Z"),
    ttl: { strategy: "delete" as const, minutes: 5, expiresAt: new Date("2025-01-01T00:05:00Z") },
  };

  it("omits values until there is state, and ttl unless asked for", () => {
    const wire = threadToWire(base);
    expect(wire).not.toHaveProperty("values");
    expect(wire).not.toHaveProperty("ttl");
    expect(wire.state_updated_at).toBe("2025-01-01T00:00:02.000Z");
    expect(threadToWire(base, { ttl: true }).ttl).toEqual({
      strategy: "delete",
      ttl_minutes: 5,
      expires_at: "2025-01-01T00:05:00.000Z",
    });
    expect(threadToWire({ ...base, values: { x: 1 } }).values).toEqual({ x: 1 });
  });
});

describe("toLangGraphCommand", () => {
  it("wraps single gotos in a list and turns {node, input} into Send", () => {
    const cmd = toLangGraphCommand({ goto: { node: "a", input: 1 }, resume: "r" });
    expect(cmd).toBeInstanceOf(Command);
    expect(cmd.goto).toEqual([new Send("a", 1)]);
    expect(cmd.resume).toBe("r");
    expect(toLangGraphCommand({ goto: ["x", { node: "y" }] }).goto).toEqual([
      "x",
      new Send("y", undefined),
    ]);
    expect(toLangGraphCommand({ update: { a: 1 } }).update).toEqual({ a: 1 });
  });
});

describe("asClientError", () => {
  it("turns LangGraph input rejections into invalid_input and keeps other errors", async () => {
    const invalid = Object.assign(new Error('Node "x" does not exist'), {
      name: "InvalidUpdateError",
    });
    await expect(asClientError(() => Promise.reject(invalid))).rejects.toMatchObject({
      code: "invalid_input",
      message: 'Node "x" does not exist',
    });
    const coded = Object.assign(new Error("bad message"), { lc_error_code: "MESSAGE_COERCION" });
    await expect(asClientError(() => Promise.reject(coded))).rejects.toBeInstanceOf(DomainError);
    const other = new Error("connection reset");
    await expect(asClientError(() => Promise.reject(other))).rejects.toBe(other);
  });
});

describe("startTtlSweeper", () => {
  it("sweeps on the interval without overlapping and waits for a sweep on stop", async () => {
    // Fake timers: on real ones a loaded machine (CI) delayed the sweeps below 2 in 120 ms.
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    let active = 0;
    let maxActive = 0;
    let sweeps = 0;
    const swept: number[] = [];
    const sweeper = startTtlSweeper({
      intervalMs: 5,
      onError: (e) => {
        throw e;
      },
      onSwept: (n) => swept.push(n),
      sweep: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return ++sweeps % 2;
      },
    });
    await vi.advanceTimersByTimeAsync(120);
    const stopped = sweeper.stop();
    await vi.advanceTimersByTimeAsync(20);
    await stopped;
    const after = sweeps;
    await vi.advanceTimersByTimeAsync(40);
    expect(maxActive).toBe(1);
    expect(after).toBeGreaterThanOrEqual(2);
    expect(sweeps).toBe(after);
    expect(active).toBe(0);
    expect(swept.every((n) => n === 1)).toBe(true);
  });

  it("reports failures and keeps sweeping", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const sweeper = startTtlSweeper({
      intervalMs: 5,
      onError: (e) => errors.push(e),
      sweep: async () => {
        calls++;
        throw new Error("db down");
      },
    });
    await new Promise((r) => setTimeout(r, 60));
    await sweeper.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBe(calls);
  });
});
