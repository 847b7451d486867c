/**
 * Black-box: thread state, state updates, supersteps, history and copy through the official SDK.
 * Checkpoints are made with `updateState` / `supersteps` so these tests do not need runs.
 */
import { randomUUID } from "node:crypto";
import type { Client, ThreadState } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Msgs = { messages: { type: string; content: string; id?: string }[] };
const human = (content: string) => ({ messages: [{ type: "human", content }] });
const ai = (content: string) => ({ messages: [{ type: "ai", content }] });
const contents = (state: ThreadState<Msgs>) => state.values.messages.map((m) => m.content);

type UpdateOptions = Parameters<Client["threads"]["updateState"]>[1];

/** `updateState`, typed as what the server answers: `{checkpoint: {...}}`. */
async function update(client: Client, threadId: string, options: UpdateOptions) {
  return (await client.threads.updateState(threadId, options)) as unknown as {
    checkpoint: { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
  };
}

/** A thread on the `agent` graph with two checkpoints: human "one", then ai "two". */
async function seeded(client: Client) {
  const thread = await client.threads.create({ graphId: "agent" });
  const first = await update(client, thread.thread_id, { values: human("one"), asNode: "agent" });
  const second = await update(client, thread.thread_id, { values: ai("two"), asNode: "agent" });
  return { thread, first, second };
}

describe.each(sharedServers())("thread state ($backend)", ({ client, url }) => {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("reports the empty state of a thread without a graph, and 404 for unknown threads", async () => {
    const thread = await client.threads.create();
    const state = await client.threads.getState(thread.thread_id);
    expect(state).toEqual({
      values: {},
      next: [],
      tasks: [],
      created_at: null,
      checkpoint: null,
      parent_checkpoint: null,
    });
    expect(await client.threads.getHistory(thread.thread_id)).toEqual([]);
    await expect(
      client.threads.updateState(thread.thread_id, { values: human("x"), asNode: "agent" }),
    ).rejects.toThrow(`HTTP 400: Thread ${thread.thread_id} has no graph ID`);

    const missing = randomUUID();
    const notFound = `HTTP 404: Thread with ID ${missing} not found`;
    await expect(client.threads.getState(missing)).rejects.toThrow(notFound);
    await expect(client.threads.getHistory(missing)).rejects.toThrow(notFound);
    await expect(
      client.threads.updateState(missing, { values: human("x"), asNode: "agent" }),
    ).rejects.toThrow(notFound);
  });

  it("updates state as a node and reports the snapshot in the official shape", async () => {
    const { thread, first, second } = await seeded(client);
    expect(first.checkpoint).toMatchObject({ thread_id: thread.thread_id, checkpoint_ns: "" });
    expect(typeof first.checkpoint.checkpoint_id).toBe("string");

    const state = await client.threads.getState<Msgs>(thread.thread_id);
    expect(Object.keys(state).sort()).toEqual(
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
    expect(contents(state)).toEqual(["one", "two"]);
    expect(state.values.messages[0]).toMatchObject({
      type: "human",
      content: "one",
      additional_kwargs: {},
      response_metadata: {},
    });
    expect(state.values.messages[0]!.id).toEqual(expect.any(String));
    expect(state.next).toEqual([]);
    expect(state.tasks).toEqual([]);
    expect(state.metadata).toMatchObject({ source: "update", step: 1 });
    expect(state.metadata).not.toHaveProperty("checkpoint_ns");
    expect(state.checkpoint).toEqual({
      thread_id: thread.thread_id,
      checkpoint_ns: "",
      checkpoint_id: second.checkpoint.checkpoint_id,
      checkpoint_map: null,
    });
    expect(state.parent_checkpoint).toEqual({
      thread_id: thread.thread_id,
      checkpoint_ns: "",
      checkpoint_id: first.checkpoint.checkpoint_id,
      checkpoint_map: null,
    });
    expect(new Date(state.created_at!).toISOString()).toBe(state.created_at);

    const cached = await client.threads.get<Msgs>(thread.thread_id);
    expect(cached.values.messages.map((m) => m.content)).toEqual(["one", "two"]);
  });

  it("reads the state at a checkpoint (GET by id and POST /state/checkpoint)", async () => {
    const { thread, first } = await seeded(client);
    const byId = await client.threads.getState<Msgs>(
      thread.thread_id,
      first.checkpoint.checkpoint_id,
    );
    expect(contents(byId)).toEqual(["one"]);
    expect(byId.checkpoint.checkpoint_id).toBe(first.checkpoint.checkpoint_id);

    const byConfig = await client.threads.getState<Msgs>(thread.thread_id, {
      checkpoint_id: first.checkpoint.checkpoint_id,
      checkpoint_ns: "",
    } as any);
    expect(byConfig).toEqual(byId);

    const bad = await fetch(`${url}/threads/${thread.thread_id}/state/not-a-uuid`);
    expect(bad.status).toBe(400);
  });

  it("forks from a past checkpoint with checkpoint_id and with checkpoint", async () => {
    const { thread, first } = await seeded(client);
    const fork = await update(client, thread.thread_id, {
      values: ai("fork"),
      asNode: "agent",
      checkpointId: first.checkpoint.checkpoint_id,
    });
    let state = await client.threads.getState<Msgs>(thread.thread_id);
    expect(contents(state)).toEqual(["one", "fork"]);
    expect(state.parent_checkpoint?.checkpoint_id).toBe(first.checkpoint.checkpoint_id);
    expect(state.checkpoint.checkpoint_id).toBe(fork.checkpoint.checkpoint_id);
    const cached = await client.threads.get<Msgs>(thread.thread_id);
    expect(cached.values.messages.map((m) => m.content)).toEqual(["one", "fork"]);

    await client.threads.updateState(thread.thread_id, {
      values: ai("fork2"),
      asNode: "agent",
      checkpoint: { checkpoint_id: first.checkpoint.checkpoint_id, checkpoint_ns: "" } as any,
    });
    state = await client.threads.getState<Msgs>(thread.thread_id);
    expect(contents(state)).toEqual(["one", "fork2"]);
  });

  it("rejects a bad update with 400 and leaves the state unchanged", async () => {
    const { thread } = await seeded(client);
    const before = await client.threads.getHistory(thread.thread_id);
    await expect(
      client.threads.updateState(thread.thread_id, { values: ai("x"), asNode: "nope" }),
    ).rejects.toThrow('HTTP 400: Node "nope" does not exist');
    const wrongType = await post(`/threads/${thread.thread_id}/state`, { values: "text" });
    expect(wrongType.status).toBe(400);
    expect(await client.threads.getHistory(thread.thread_id)).toEqual(before);
  });

  it("lists history newest first, with limit, before, metadata and checkpoint filters", async () => {
    const { thread, first, second } = await seeded(client);
    await client.threads.updateState(thread.thread_id, { values: ai("three"), asNode: "agent" });

    const all = await client.threads.getHistory<Msgs>(thread.thread_id);
    expect(all.map(contents)).toEqual([["one", "two", "three"], ["one", "two"], ["one"]]);
    expect(all[1]!.checkpoint.checkpoint_id).toBe(second.checkpoint.checkpoint_id);

    const limited = await client.threads.getHistory(thread.thread_id, { limit: 2 });
    expect(limited).toEqual(all.slice(0, 2));

    const before = await client.threads.getHistory(thread.thread_id, {
      before: { configurable: { checkpoint_id: second.checkpoint.checkpoint_id } } as any,
    });
    // The JS SDK sends a config; a plain checkpoint id (official server) works too.
    const beforeId = await post(`/threads/${thread.thread_id}/history`, {
      before: second.checkpoint.checkpoint_id,
    });
    expect(((await beforeId.json()) as any[]).map((s) => s.checkpoint.checkpoint_id)).toEqual([
      first.checkpoint.checkpoint_id,
    ]);
    expect(before.map((s) => s.checkpoint.checkpoint_id)).toEqual([first.checkpoint.checkpoint_id]);

    const filtered = await client.threads.getHistory(thread.thread_id, {
      metadata: { step: 1 },
    });
    expect(filtered.map((s) => s.checkpoint.checkpoint_id)).toEqual([
      second.checkpoint.checkpoint_id,
    ]);

    const atCheckpoint = await client.threads.getHistory(thread.thread_id, {
      checkpoint: { checkpoint_id: second.checkpoint.checkpoint_id },
    });
    expect(atCheckpoint[0]!.checkpoint.checkpoint_id).toBe(second.checkpoint.checkpoint_id);

    const getLimited = await fetch(
      `${url}/threads/${thread.thread_id}/history?limit=1&before=${second.checkpoint.checkpoint_id}`,
    );
    const getBody = (await getLimited.json()) as any[];
    expect(getBody.map((s) => s.checkpoint.checkpoint_id)).toEqual([
      first.checkpoint.checkpoint_id,
    ]);
    const getAll = (await (
      await fetch(`${url}/threads/${thread.thread_id}/history`)
    ).json()) as any[];
    expect(getAll).toHaveLength(3);
  });

  it("creates a thread from supersteps (values and commands) reproducing next/values", async () => {
    const thread = await client.threads.create({
      graphId: "agent",
      supersteps: [
        { updates: [{ asNode: "__input__", values: human("foo") }] },
        { updates: [{ asNode: "__start__", values: human("foo") }] },
        { updates: [{ asNode: "agent", values: ai("bar") }] },
        { updates: [{ asNode: "agent", values: undefined, command: { update: ai("cmd") } }] },
      ],
    });
    expect(thread.metadata).toEqual({ graph_id: "agent" });
    expect((thread.values as Msgs).messages.map((m) => m.content)).toEqual(["foo", "bar", "cmd"]);
    const history = await client.threads.getHistory<Msgs>(thread.thread_id);
    expect(history.map((s) => ({ next: s.next, values: contents(s) }))).toEqual([
      { next: [], values: ["foo", "bar", "cmd"] },
      { next: [], values: ["foo", "bar"] },
      { next: ["agent"], values: ["foo"] },
      { next: ["__start__"], values: [] },
    ]);
  });

  it("resolves the graph of supersteps from metadata.assistant_id", async () => {
    const assistant = await client.assistants.create({ graphId: "agent" });
    const thread = await client.threads.create({
      metadata: { assistant_id: assistant.assistant_id },
      supersteps: [{ updates: [{ asNode: "agent", values: ai("via assistant") }] }],
    });
    expect(thread.metadata).toEqual({ assistant_id: assistant.assistant_id, graph_id: "agent" });
    const state = await client.threads.getState<Msgs>(thread.thread_id);
    expect(contents(state)).toEqual(["via assistant"]);
  });

  it("leaves no thread behind when supersteps are rejected", async () => {
    const cases = [
      { graphId: "agent", supersteps: [{ updates: [{ asNode: "nope", values: ai("x") }] }] },
      { supersteps: [{ updates: [{ asNode: "agent", values: ai("x") }] }] },
      { graphId: "no-such-graph", supersteps: [{ updates: [{ asNode: "agent", values: {} }] }] },
      {
        metadata: { assistant_id: randomUUID() },
        supersteps: [{ updates: [{ asNode: "agent", values: ai("x") }] }],
      },
      {
        graphId: "agent",
        supersteps: [
          { updates: [{ asNode: "agent", values: ai("ok") }] },
          { updates: [{ asNode: "nope", values: ai("x") }] },
        ],
      },
    ];
    for (const payload of cases) {
      const threadId = randomUUID();
      await expect(client.threads.create({ threadId, ...payload })).rejects.toThrow("HTTP 400");
      await expect(client.threads.get(threadId)).rejects.toThrow("HTTP 404");
      // No checkpoints either: a later thread with the same id starts empty.
      await client.threads.create({ threadId, graphId: "agent" });
      expect(await client.threads.getHistory(threadId)).toEqual([]);
    }
    const empty = await post("/threads", { supersteps: [{ updates: [] }] });
    expect(empty.status).toBe(400);
  });

  it("copies a thread: same state and history modulo thread_id (official assertions)", async () => {
    const { thread } = await seeded(client);
    const state = await client.threads.getState(thread.thread_id);
    const copied = await client.threads.copy(thread.thread_id);
    expect(copied.thread_id).not.toBe(thread.thread_id);
    expect(copied.metadata).toEqual({ graph_id: "agent", thread_id: copied.thread_id });
    expect(copied.status).toBe("idle");

    const copiedState = await client.threads.getState(copied.thread_id);
    expect(copiedState).toEqual({
      ...state,
      metadata: { ...state.metadata, thread_id: copied.thread_id },
      checkpoint: { ...state.checkpoint, thread_id: copied.thread_id },
      parent_checkpoint: { ...state.parent_checkpoint, thread_id: copied.thread_id },
    });

    const original = await client.threads.getHistory(thread.thread_id);
    const copiedHistory = await client.threads.getHistory(copied.thread_id);
    expect(copiedHistory).toHaveLength(original.length);
    original.forEach((o, i) => {
      expect(copiedHistory[i]).toEqual({
        ...o,
        metadata: { ...o.metadata, thread_id: copied.thread_id },
        checkpoint: { ...o.checkpoint, thread_id: copied.thread_id },
        parent_checkpoint: o.parent_checkpoint
          ? { ...o.parent_checkpoint, thread_id: copied.thread_id }
          : null,
      });
    });

    // Updating the copy leaves the original untouched.
    await client.threads.updateState(copied.thread_id, {
      values: ai("only in copy"),
      asNode: "agent",
    });
    expect(await client.threads.getState(thread.thread_id)).toEqual(state);
    expect(contents(await client.threads.getState<Msgs>(copied.thread_id))).toEqual([
      "one",
      "two",
      "only in copy",
    ]);

    const missing = randomUUID();
    await expect(client.threads.copy(missing)).rejects.toThrow("HTTP 409: Thread not found");
  });

  it("accepts ?subgraphs on state reads", async () => {
    const { thread } = await seeded(client);
    const plain = await client.threads.getState(thread.thread_id);
    const withSubgraphs = await client.threads.getState(thread.thread_id, undefined, {
      subgraphs: true,
    });
    expect(withSubgraphs).toEqual(plain);
  });
});
