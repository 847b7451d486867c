/**
 * What the server needs from `SqlCheckpointSaver` beyond the official suite: copy, run rollback,
 * prune, config metadata, MemorySaver-identical pending writes, transactions and a real graph.
 */
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import {
  Command,
  END,
  interrupt,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import * as checkpointModule from "@langchain/langgraph-checkpoint";
import {
  BaseCheckpointSaver,
  type Checkpoint,
  type CheckpointTuple,
  DeltaSnapshot,
  emptyCheckpoint,
  INTERRUPT,
  uuid6,
} from "@langchain/langgraph-checkpoint";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { storageBackends } from "../support/storage.ts";

/** Whether the installed checkpoint package defines the pending-writes order (>= 1.2). */
const sortKeyContract = "compareWritesSortKeys" in checkpointModule;

const backends = await storageBackends("checkpointer maintenance tests", "olg_cpx");

const uid = () => crypto.randomUUID();

/** Puts a chain of checkpoints (each the child of the previous) and returns their configs. */
async function chain(
  saver: BaseCheckpointSaver<string | number>,
  threadId: string,
  steps: {
    values?: Record<string, unknown>;
    metadata?: Record<string, unknown>;
    ns?: string;
    /** Channels whose version moves without a stored value (how a DeltaChannel checkpoints). */
    bump?: string[];
  }[],
) {
  const configs = [];
  let parent: string | undefined;
  const versions: Record<string, number> = {};
  for (const [i, step] of steps.entries()) {
    const values = step.values ?? {};
    const changed = [...Object.keys(values), ...(step.bump ?? [])];
    for (const k of changed) versions[k] = (versions[k] ?? 0) + 1;
    const checkpoint: Checkpoint = {
      ...emptyCheckpoint(),
      id: uuid6(i),
      channel_values: values,
      channel_versions: { ...versions },
    };
    const newVersions = Object.fromEntries(changed.map((k) => [k, versions[k]!]));
    const config = {
      configurable: { thread_id: threadId, checkpoint_ns: step.ns ?? "", checkpoint_id: parent },
    };
    const stored = await saver.put(
      config,
      checkpoint,
      { source: "loop", step: i, parents: {}, ...step.metadata },
      newVersions,
    );
    configs.push(stored);
    parent = checkpoint.id;
  }
  return configs;
}

async function history(saver: BaseCheckpointSaver<string | number>, threadId: string, ns?: string) {
  const out: CheckpointTuple[] = [];
  const configurable =
    ns === undefined ? { thread_id: threadId } : { thread_id: threadId, checkpoint_ns: ns };
  for await (const t of saver.list({ configurable })) out.push(t);
  return out;
}

/** Metadata as a plain record (the server's keys are not in `CheckpointMetadata`). */
const meta = (t: CheckpointTuple | undefined): Record<string, unknown> =>
  (t?.metadata ?? {}) as Record<string, unknown>;

/** A tuple with `thread_id` replaced, to compare a copy with its source. */
const withThread = (t: CheckpointTuple, threadId: string): unknown =>
  JSON.parse(JSON.stringify(t).replaceAll(t.config.configurable!.thread_id, threadId));

describe.each(backends)("SqlCheckpointSaver extras ($name)", ({ open }) => {
  let handle: StorageHandle;
  let cleanup: (() => Promise<void>) | undefined;
  let saver: SqlCheckpointSaver;

  beforeAll(async () => {
    ({ handle, cleanup } = await open());
    saver = new SqlCheckpointSaver(handle.db);
  });
  afterAll(async () => cleanup?.());

  it("copyThread copies every namespace, blob and write; metadata thread ids follow", async () => {
    const source = uid();
    const target = uid();
    const root = await chain(saver, source, [
      { values: { a: 1 }, metadata: { thread_id: source, run_id: "r1" } },
      { values: { a: 2, b: "x" }, metadata: { thread_id: source } },
    ]);
    await chain(saver, source, [{ values: { c: true }, ns: "child:1" }]);
    await saver.putWrites(root[1]!, [["a", 3]], "task-b");
    await saver.putWrites(root[1]!, [["b", "y"]], "task-a");

    await saver.copyThread(source, target);

    const src = await history(saver, source);
    const dst = await history(saver, target);
    expect(dst).toHaveLength(3);
    expect(dst.map((t) => withThread(t, source))).toEqual(JSON.parse(JSON.stringify(src)));
    expect(meta(dst[0]).thread_id ?? meta(dst[1]).thread_id).toBe(target);
    expect((await saver.getTuple({ configurable: { thread_id: target } }))?.pendingWrites).toEqual([
      ["task-a", "b", "y"],
      ["task-b", "a", 3],
    ]);
    expect(await history(saver, source)).toEqual(src);
  });

  it("copyThread of an unknown thread copies nothing", async () => {
    const target = uid();
    await saver.copyThread(uid(), target);
    expect(await history(saver, target)).toEqual([]);
  });

  it("deleteForRun removes one run's checkpoints in all namespaces, keeps the rest readable", async () => {
    const thread = uid();
    const [first, second] = await chain(saver, thread, [
      { values: { a: "kept" }, metadata: { run_id: "keep" } },
      { values: { b: "gone" }, metadata: { run_id: "drop" } },
    ]);
    await chain(saver, thread, [{ values: { c: 1 }, ns: "sub:1", metadata: { run_id: "drop" } }]);
    await saver.putWrites(second!, [["b", "w"]], "t1");
    await saver.putWrites(first!, [["a", "w"]], "t0");

    await saver.deleteForRun(thread, "drop");

    const left = await history(saver, thread);
    expect(left.map((t) => meta(t).run_id)).toEqual(["keep"]);
    expect(left[0]?.checkpoint.channel_values).toEqual({ a: "kept" });
    expect(left[0]?.pendingWrites).toEqual([["t0", "a", "w"]]);
    expect(await saver.getTuple(second!)).toBeUndefined();
    const blobs = await handle.db
      .selectFrom("checkpoint_blobs")
      .select("channel")
      .where("thread_id", "=", thread)
      .execute();
    expect(blobs.map((b) => b.channel)).toEqual(["a"]);
    const writes = await handle.db
      .selectFrom("checkpoint_writes")
      .select("channel")
      .where("thread_id", "=", thread)
      .execute();
    expect(writes.map((w) => w.channel)).toEqual(["a"]);
  });

  it("pruneThreads keep_latest keeps the newest checkpoint per namespace with its writes", async () => {
    const thread = uid();
    const other = uid();
    const root = await chain(saver, thread, [
      { values: { a: 1 } },
      { values: { b: 2 } },
      { values: { a: 3 } },
    ]);
    const sub = await chain(saver, thread, [{ values: { s: 1 }, ns: "sub:1" }, { ns: "sub:1" }]);
    await saver.putWrites(root[2]!, [["a", 4]], "t");
    await chain(saver, other, [{ values: { z: 1 } }, { values: { z: 2 } }]);
    const otherBefore = await history(saver, other);

    await saver.pruneThreads([thread], "keep_latest");

    const left = await history(saver, thread, "");
    expect(left.map((t) => t.config.configurable?.checkpoint_id)).toEqual([
      root[2]!.configurable?.checkpoint_id,
    ]);
    expect(left[0]?.checkpoint.channel_values).toEqual({ a: 3, b: 2 });
    expect(left[0]?.pendingWrites).toEqual([["t", "a", 4]]);
    expect(left[0]?.parentConfig).toBeUndefined();
    const subLeft = await history(saver, thread, "sub:1");
    expect(subLeft.map((t) => t.config.configurable?.checkpoint_id)).toEqual([
      sub[1]!.configurable?.checkpoint_id,
    ]);
    expect(subLeft[0]?.checkpoint.channel_values).toEqual({ s: 1 });
    expect(await history(saver, other)).toEqual(otherBefore);
  });

  it("pruneThreads keep_latest keeps the ancestors a delta channel replays from", async () => {
    const thread = uid();
    const counters = (n: number) => ({ counters_since_delta_snapshot: { messages: [n, n] } });
    const configs = await chain(saver, thread, [
      { values: { x: 0 } },
      { values: { messages: "snapshot" } },
      { metadata: counters(1) },
      { metadata: counters(2) },
    ]);
    await saver.pruneThreads([thread], "keep_latest");
    const ids = (await history(saver, thread)).map((t) => t.config.configurable?.checkpoint_id);
    expect(ids).toEqual(
      configs
        .slice(1)
        .reverse()
        .map((c) => c.configurable?.checkpoint_id),
    );
  });

  it("pruneThreads delete removes the threads entirely", async () => {
    const thread = uid();
    await chain(saver, thread, [{ values: { a: 1 } }, { values: { a: 2 } }]);
    await saver.pruneThreads([thread], "delete");
    expect(await history(saver, thread)).toEqual([]);
    await saver.pruneThreads([], "keep_latest");
  });

  it("pending writes come back exactly as MemorySaver returns them", async () => {
    const memory = new MemorySaver();
    const results: unknown[] = [];
    for (const s of [memory, saver] as BaseCheckpointSaver[]) {
      const [config] = await chain(s, uid(), [{ values: { a: 1 } }]);
      await s.putWrites(
        config!,
        [
          ["z", 1],
          ["a", 2],
        ],
        "task-2",
      );
      await s.putWrites(config!, [["m", 3]], "task-1");
      await s.putWrites(config!, [[INTERRUPT, "first"]], "task-1");
      await s.putWrites(config!, [["z", "ignored"]], "task-2");
      await s.putWrites(config!, [[INTERRUPT, "second"]], "task-1");
      results.push((await s.getTuple(config!))?.pendingWrites);
    }
    // writesSortKey order (task_path, task_id, idx): special writes have negative indexes.
    expect(results[1]).toEqual([
      ["task-1", INTERRUPT, "second"],
      ["task-1", "m", 3],
      ["task-2", "z", 1],
      ["task-2", "a", 2],
    ]);
    // MemorySaver follows the same order from the version that defines it (checkpoint >= 1.2).
    if (sortKeyContract) expect(results[1]).toEqual(results[0]);
  });

  it("orders pending writes by task path before task id, comparing by code point", async () => {
    const [config] = await chain(saver, uid(), [{ values: { a: 1 } }]);
    await saver.putWrites(config!, [["x", "b"]], "task-a", "~__pregel_pull|b");
    await saver.putWrites(config!, [["x", "a"]], "task-b", "~__pregel_pull|a");
    await saver.putWrites(config!, [["x", "input"]], "task-z");
    await saver.putWrites(config!, [["x", "astral"]], "task-c", "~__pregel_pull|\u{1F600}");
    await saver.putWrites(config!, [["x", "bmp"]], "task-d", "~__pregel_pull|\uFF5E");
    const writes = (await saver.getTuple(config!))?.pendingWrites?.map((w) => w[2]);
    expect(writes).toEqual(["input", "a", "b", "bmp", "astral"]);
  });

  it("mergeConfigMetadata stores run config in metadata, as the API server does", async () => {
    const merging = new SqlCheckpointSaver(handle.db, undefined, { mergeConfigMetadata: true });
    const thread = uid();
    const config = await merging.put(
      {
        configurable: { thread_id: thread, checkpoint_ns: "", user_key: "u", __pregel_x: 1 },
        metadata: { run_id: "run-1", graph_id: "agent" },
      },
      { ...emptyCheckpoint(), id: uuid6(0) },
      { source: "input", step: -1, parents: {} },
      {},
    );
    expect((await merging.getTuple(config))?.metadata).toEqual({
      user_key: "u",
      run_id: "run-1",
      graph_id: "agent",
      source: "input",
      step: -1,
      parents: {},
    });
  });

  it("works inside a caller's transaction and rolls back with it", async () => {
    const thread = uid();
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await chain(saver.withExecutor(trx), thread, [{ values: { a: 1 } }]);
        expect(await history(saver.withExecutor(trx), thread)).toHaveLength(1);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await history(saver, thread)).toEqual([]);
  });

  it("runs a graph with an interrupt exactly like MemorySaver", async () => {
    const build = (checkpointer: BaseCheckpointSaver) =>
      new StateGraph(MessagesAnnotation)
        .addNode("ask", () => {
          const answer = interrupt("name?");
          return { messages: [new AIMessage({ id: "ai", content: `hi ${answer}` })] };
        })
        .addEdge(START, "ask")
        .addEdge("ask", END)
        .compile({ checkpointer });
    const states: unknown[] = [];
    for (const checkpointer of [new MemorySaver(), saver] as BaseCheckpointSaver[]) {
      const graph = build(checkpointer);
      const config = { configurable: { thread_id: uid() } };
      await graph.invoke({ messages: [new HumanMessage({ id: "h", content: "x" })] }, config);
      const paused = await graph.getState(config);
      await graph.invoke(new Command({ resume: "bob" }), config);
      const done = await graph.getState(config);
      const steps = [];
      for await (const s of graph.getStateHistory(config)) steps.push([s.next, s.metadata?.step]);
      states.push({
        pausedNext: paused.next,
        interrupts: paused.tasks.map((t) => t.interrupts.map((i) => i.value)),
        values: JSON.parse(JSON.stringify(done.values)),
        steps,
      });
    }
    expect(states[1]).toEqual(states[0]);
    expect((states[1] as { values: unknown }).values).toMatchObject({
      messages: [{ kwargs: { content: "x" } }, { kwargs: { content: "hi bob" } }],
    });
  });

  it("getDeltaChannelHistory (SQL) equals the base-class walk", async () => {
    const thread = uid();
    const configs = await chain(saver, thread, [
      { values: { messages: ["old"], other: 1 } },
      { values: { messages: new DeltaSnapshot(["a"]) } },
      { values: { other: 2 }, bump: ["messages"] },
      { bump: ["messages"] },
      { values: { fresh: "x" }, bump: ["messages"] },
    ]);
    for (const [i, config] of configs.entries()) {
      await saver.putWrites(
        config,
        [
          ["messages", [`m${i}`]],
          ["fresh", i],
        ],
        `task-${9 - i}`,
      );
      await saver.putWrites(config, [["messages", [`n${i}`]]], "task-0");
    }
    const channels = ["messages", "other", "fresh", "never"];
    for (const config of [...configs, { configurable: { thread_id: thread } }]) {
      const fast = await saver.getDeltaChannelHistory({ config, channels });
      const walk = await BaseCheckpointSaver.prototype.getDeltaChannelHistory.call(saver, {
        config,
        channels,
      });
      expect(fast).toEqual(walk);
    }
    expect(
      (await saver.getDeltaChannelHistory({ config: configs[4]!, channels }))?.messages,
    ).toEqual({
      seed: new DeltaSnapshot(["a"]),
      writes: [
        ["task-0", "messages", ["n1"]],
        ["task-8", "messages", ["m1"]],
        ["task-0", "messages", ["n2"]],
        ["task-7", "messages", ["m2"]],
        ["task-0", "messages", ["n3"]],
        ["task-6", "messages", ["m3"]],
      ],
    });
  });

  it("deleteThread leaves no rows behind", async () => {
    const thread = uid();
    const [c] = await chain(saver, thread, [{ values: { a: 1 } }]);
    await saver.putWrites(c!, [["a", 2]], "t");
    await saver.deleteThread(thread);
    for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const) {
      const { rows } = await sql<{
        n: number | string;
      }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE thread_id = ${thread}`.execute(
        handle.db,
      );
      expect(Number(rows[0]?.n)).toBe(0);
    }
  });
});
