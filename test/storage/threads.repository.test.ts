/**
 * Threads storage and services on PGlite and PostgreSQL: metadata scopes (out of scope reads as
 * missing everywhere), transactions covering rows and checkpoints, TTL expiry queries, and the
 * "Thread is busy" guard against pending runs.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toScope } from "../../src/auth/scope.ts";
import { systemClock } from "../../src/core/clock.ts";
import { GraphRegistry } from "../../src/graphs/registry.ts";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { createThreadsFeature, type ThreadsFeature } from "../../src/threads/setup.ts";
import { SqlThreadsRepository } from "../../src/threads/sql-repository.ts";
import { ROOT } from "../support/server.ts";
import { storageBackends } from "../support/storage.ts";

const backends = await storageBackends("threads repository tests", "olg_threads");

const human = (content: string) => ({ messages: [{ type: "human", content }] });

describe.each(backends)("threads storage ($name)", ({ open }) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  let repo: SqlThreadsRepository;
  let feature: ThreadsFeature;

  beforeAll(async () => {
    ({ handle, cleanup } = await open());
    repo = new SqlThreadsRepository(handle.db);
    const graphs = await GraphRegistry.load([
      {
        graphId: "agent",
        file: path.join(ROOT, "test/fixtures/graphs/agent.ts"),
        exportName: "graph",
        endpoints: [],
      },
    ]);
    feature = createThreadsFeature({
      db: handle.db,
      checkpointer: new SqlCheckpointSaver(handle.db, undefined, { mergeConfigMetadata: true }),
      graphs,
      clock: systemClock,
      ttl: { sweep_interval_minutes: 60 },
      onSweepError: (e) => {
        throw e;
      },
    });
  });
  afterAll(async () => {
    await feature?.sweeper.stop();
    await cleanup?.();
  });

  it("treats out-of-scope threads as missing on every operation", async () => {
    const tenant = randomUUID();
    const mine = await repo.insert(
      { threadId: randomUUID(), metadata: { tenant, owner: "alice", tags: ["a", "b"] } },
      new Date(),
    );
    const theirs = await repo.insert(
      { threadId: randomUUID(), metadata: { tenant, owner: "bob" } },
      new Date(),
    );
    const alice = toScope({ owner: "alice" });
    const bob = toScope({ owner: "bob" });
    expect(await repo.find(mine!.threadId, alice)).not.toBeNull();
    expect(await repo.find(theirs!.threadId, alice)).toBeNull();
    expect(await repo.find(mine!.threadId, toScope({ tags: { $contains: "b" } }))).not.toBeNull();
    expect(await repo.find(mine!.threadId, toScope({ tags: { $contains: "z" } }))).toBeNull();
    expect(
      await repo.patch(theirs!.threadId, { metadata: { x: 1 } }, new Date(), alice),
    ).toBeNull();
    expect((await repo.find(theirs!.threadId))!.metadata).not.toHaveProperty("x");
    expect(await repo.delete(theirs!.threadId, alice)).toBe(false);
    expect(await repo.find(theirs!.threadId)).not.toBeNull();
    expect(await repo.count({ metadata: { tenant } }, alice)).toBe(1);
    const page = await repo.search(
      { metadata: { tenant }, limit: 10, offset: 0, sortBy: "created_at", sortOrder: "desc" },
      bob,
    );
    expect(page.total).toBe(1);
    expect(page.threads.map((t) => t.threadId)).toEqual([theirs!.threadId]);
    expect(await repo.existing([mine!.threadId, theirs!.threadId], bob)).toEqual([
      theirs!.threadId,
    ]);

    await expect(feature.threads.get(theirs!.threadId, alice)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(feature.threads.copy(theirs!.threadId, alice)).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(feature.state.get(theirs!.threadId, {}, alice)).rejects.toMatchObject({
      code: "not_found",
    });
    expect(await feature.threads.prune([theirs!.threadId], "delete", alice)).toBe(0);
    await expect(
      feature.threads.create({ threadId: theirs!.threadId, ifExists: "do_nothing" }, alice),
    ).rejects.toMatchObject({ code: "conflict" });
  });

  it("reports the total of a search on every page, past the end and in scope", async () => {
    const tenant = randomUUID();
    for (let i = 0; i < 5; i++)
      await repo.insert(
        { threadId: randomUUID(), metadata: { tenant, i, tags: i % 2 ? ["odd"] : ["even"] } },
        new Date(Date.now() + i),
      );
    const page = (limit: number, offset: number, filter = {}, scope = toScope({})) =>
      repo.search(
        { metadata: { tenant, ...filter }, limit, offset, sortBy: "created_at", sortOrder: "asc" },
        scope,
      );
    const first = await page(2, 0);
    expect([first.total, first.threads.map((t) => t.metadata.i)]).toEqual([5, [0, 1]]);
    const last = await page(2, 4);
    expect([last.total, last.threads.map((t) => t.metadata.i)]).toEqual([5, [4]]);
    expect((await page(2, 9)).total).toBe(5);
    expect(await page(2, 0, { tenant: randomUUID() })).toEqual({ threads: [], total: 0 });
    const odd = await page(1, 0, { tags: { $contains: "odd" } });
    expect([odd.total, odd.threads.map((t) => t.metadata.i)]).toEqual([2, [1]]);
    const scoped = await page(10, 1, {}, toScope({ tags: { $contains: "even" } }));
    expect([scoped.total, scoped.threads.map((t) => t.metadata.i)]).toEqual([3, [2, 4]]);
    expect((await page(10, 3, {}, toScope({ tags: { $contains: "even" } }))).total).toBe(3);
  });

  it("rolls back the thread row and its checkpoints together", async () => {
    const threadId = randomUUID();
    await expect(
      feature.threads.create({
        threadId,
        metadata: { graph_id: "agent" },
        supersteps: [
          { updates: [{ asNode: "agent", values: human("kept?") }] },
          { updates: [{ asNode: "missing", values: human("boom") }] },
        ],
      }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    expect(await repo.find(threadId)).toBeNull();
    const rows = await handle.db
      .selectFrom("checkpoints")
      .select("checkpoint_id")
      .where("thread_id", "=", threadId)
      .execute();
    expect(rows).toEqual([]);
  });

  it("refuses state updates while a run is pending or running (409 Thread is busy)", async () => {
    const thread = await feature.threads.create({ metadata: { graph_id: "agent" } });
    await handle.db
      .insertInto("runs")
      .values({
        run_id: randomUUID(),
        thread_id: thread.threadId,
        assistant_id: randomUUID(),
        status: "pending",
        metadata: "{}",
        kwargs: "{}",
        multitask_strategy: "reject",
      } as any)
      .execute();
    expect(await repo.hasActiveRuns(thread.threadId)).toBe(true);
    await expect(
      feature.state.update(thread.threadId, { values: human("x"), asNode: "agent" }),
    ).rejects.toMatchObject({ code: "conflict", message: "Thread is busy" });
    expect((await feature.state.history(thread.threadId, { limit: 10 })).length).toBe(0);
    // Deleting the thread removes its runs by cascade.
    await feature.threads.delete(thread.threadId);
    const runs = await handle.db
      .selectFrom("runs")
      .select("run_id")
      .where("thread_id", "=", thread.threadId)
      .execute();
    expect(runs).toEqual([]);
  });

  it("finds expired threads and sweeps them by strategy", async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    const gone = await repo.insert(
      { threadId: randomUUID(), metadata: {}, ttl: { strategy: "delete", minutes: 1 } },
      past,
    );
    const trimmed = await feature.threads.create({ metadata: { graph_id: "agent" } });
    for (const c of ["1", "2"]) {
      await feature.state.update(trimmed.threadId, { values: human(c), asNode: "agent" });
    }
    await handle.db
      .updateTable("threads")
      .set({ ttl_strategy: "keep_latest", ttl_minutes: 1, expires_at: past })
      .where("thread_id", "=", trimmed.threadId)
      .execute();
    const live = await repo.insert(
      { threadId: randomUUID(), metadata: {}, ttl: { strategy: "delete", minutes: 60 } },
      new Date(),
    );
    const expired = (await repo.expired(new Date(), 100)).map((e) => e.threadId);
    expect(expired).toEqual(expect.arrayContaining([gone!.threadId, trimmed.threadId]));
    expect(expired).not.toContain(live!.threadId);

    expect(await feature.threads.sweepExpired()).toBeGreaterThanOrEqual(2);
    expect(await repo.find(gone!.threadId)).toBeNull();
    const kept = await repo.find(trimmed.threadId);
    expect(kept?.ttl).toMatchObject({ strategy: "keep_latest", expiresAt: null });
    expect(await feature.state.history(trimmed.threadId, { limit: 10 })).toHaveLength(1);
    expect(await repo.find(live!.threadId)).not.toBeNull();
  });
});
