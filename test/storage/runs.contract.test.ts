/**
 * One contract for the runs ports (`RunStore` + `RunLeases`), run on every implementation: the
 * in-memory one of the unit tests and the SQL one on PGlite and on PostgreSQL (when reachable).
 * Creation and the multitask reject, FIFO claims per thread, finish outcomes (and the `next` hint),
 * a cancel racing the run's end, lost leases, lease expiry, a dead owner's runs requeued at once
 * (`requeueOwner`), delete and assistant delete repairing
 * the thread, temporary threads, and (SQL) thread-change hooks after COMMIT only.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { toScope } from "../../src/auth/scope.ts";
import { newId } from "../../src/core/ids.ts";
import { MemoryRuns } from "../../src/runs/memory.ts";
import type { InsertRunSpec, RunLeases, RunStore } from "../../src/runs/ports.ts";
import { SqlRunLeases } from "../../src/runs/sql-leases.ts";
import { SqlRunStore } from "../../src/runs/sql-store.ts";
import type { Run } from "../../src/runs/types.ts";
import { inUnitOfWork, type UnitOfWork } from "../../src/storage/unit-of-work.ts";
import { ThreadRunRows } from "../../src/threads/run-rows.ts";
import { storageBackends } from "../support/storage.ts";

interface Impl {
  name: string;
  open(): Promise<{
    store: RunStore;
    leases: RunLeases;
    /** Thread ids the threads owner reported changed (SQL: after COMMIT). */
    changed?: string[];
    inUnit<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T>;
    /** The thread row's status (undefined: no such thread). */
    threadStatus(threadId: string): Promise<string | undefined>;
    cleanup(): Promise<void>;
  }>;
}

const impls: Impl[] = [
  {
    name: "memory",
    async open() {
      const runs = new MemoryRuns({ now: () => new Date() });
      return {
        store: runs,
        leases: runs,
        inUnit: (fn) => fn({} as UnitOfWork),
        threadStatus: async (id) => runs.threads.get(id)?.status,
        cleanup: async () => {},
      };
    },
  },
  ...(await storageBackends("runs contract", "olg_runs_contract")).map((b) => ({
    name: b.name,
    async open() {
      const { handle, cleanup } = await b.open();
      const changed: string[] = [];
      const threads = new ThreadRunRows(async (ids) => {
        if (ids !== "all") changed.push(...ids);
      });
      return {
        store: new SqlRunStore(handle.db, threads),
        leases: new SqlRunLeases(handle.db, threads),
        changed,
        inUnit: <T>(fn: (uow: UnitOfWork) => Promise<T>) => inUnitOfWork(handle.db, fn),
        threadStatus: async (id: string) =>
          (
            await handle.db
              .selectFrom("threads")
              .select("status")
              .where("thread_id", "=", id)
              .executeTakeFirst()
          )?.status,
        cleanup,
      };
    },
  })),
];

/** A run spec on `threadId` with the given strategy. */
function spec(threadId: string, over: Partial<InsertRunSpec> = {}): InsertRunSpec {
  return {
    runId: newId(),
    threadId,
    assistantId: over.assistantId ?? newId(),
    multitaskStrategy: "enqueue",
    createThread: true,
    newThreadMetadata: { owner: "a" },
    afterSeconds: 0,
    build: () => ({
      kwargs: { config: { configurable: {} }, stream_mode: ["values"] } as never,
      metadata: {},
      threadMetadataPatch: {},
      threadConfig: {},
    }),
    ...over,
  };
}

describe.each(impls)("runs ports contract ($name)", (impl) => {
  let c: Awaited<ReturnType<Impl["open"]>>;
  const owner = "worker-a";
  beforeAll(async () => {
    c = await impl.open();
  });
  afterAll(async () => c?.cleanup());

  const status = (threadId: string) => c.threadStatus(threadId);

  it("creates on a missing thread only when allowed; reject refuses while a run is in flight", async () => {
    const missing = await c.store.insert(spec(newId(), { createThread: false }));
    expect(missing.kind).toBe("thread_missing");
    const threadId = newId();
    const first = await c.store.insert(spec(threadId));
    expect(first.kind).toBe("created");
    const rejected = await c.store.insert(spec(threadId, { multitaskStrategy: "reject" }));
    expect(rejected.kind).toBe("busy");
    expect(await status(threadId)).toBe("busy");
    if (c.changed) expect(c.changed).toContain(threadId);
  });

  it("lists runs across threads (null thread), newest first, by status, assistant and scope", async () => {
    const assistantId = newId();
    const [t1, t2] = [newId(), newId()];
    const r1 = await c.store.insert(spec(t1, { assistantId }));
    const r2 = await c.store.insert(spec(t2, { assistantId, newThreadMetadata: { owner: "b" } }));
    if (r1.kind !== "created" || r2.kind !== "created") throw new Error("not created");
    const [id1, id2] = [r1.run.runId, r2.run.runId];
    const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId);
    const page = { limit: 100, offset: 0, assistantId };
    const both = await c.store.list(null, page);
    expect(new Set(ids(both))).toEqual(new Set([id1, id2]));
    expect(both[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(both[1]!.createdAt.getTime());
    expect(ids(await c.store.list(null, page, toScope({ owner: "b" })))).toEqual([id2]);
    expect(await c.store.list(null, { ...page, status: "success" })).toEqual([]);
    expect(await c.store.list(null, { ...page, assistantId: newId() })).toEqual([]);
    expect(ids(await c.store.list(null, { ...page, limit: 1 }))).toHaveLength(1);
  });

  it("claims FIFO per thread: the second run waits for the first; finish says a run is next", async () => {
    const threadId = newId();
    const a = await c.store.insert(spec(threadId));
    const b = await c.store.insert(spec(threadId));
    if (a.kind !== "created" || b.kind !== "created") throw new Error("not created");
    const claimed = await c.leases.claim(owner, 30_000, a.run.runId);
    expect(claimed?.runId).toBe(a.run.runId);
    expect(await c.leases.claim(owner, 30_000, b.run.runId)).toBeNull();
    const done = await c.leases.finish({ runId: a.run.runId, threadId }, owner, {
      status: "success",
      values: { n: 1 },
      interrupts: {},
    });
    expect(done).toEqual({ kind: "finished", next: true });
    expect(await status(threadId)).toBe("busy");
    expect((await c.leases.claim(owner, 30_000, b.run.runId))?.attempt).toBe(1);
    const last = await c.leases.finish({ runId: b.run.runId, threadId }, owner, {
      status: "error",
      failed: true,
    });
    expect(last).toEqual({ kind: "finished", next: false });
    expect(await status(threadId)).toBe("error");
    expect((await c.store.get(a.run.runId))?.status).toBe("success");
    expect((await c.store.threadValues(threadId))?.values).toEqual({ n: 1 });
  });

  it("a cancel that raced the run's end wins; another worker's finish is lost", async () => {
    const threadId = newId();
    const r = await c.store.insert(spec(threadId));
    if (r.kind !== "created") throw new Error("not created");
    await c.leases.claim(owner, 30_000, r.run.runId);
    expect(
      await c.leases.finish({ runId: r.run.runId, threadId }, "worker-b", { status: "success" }),
    ).toEqual({
      kind: "lost",
    });
    const touched = await c.store.cancel({ threadId, runIds: [r.run.runId] }, "interrupt");
    expect(touched.map((t) => t.effect)).toEqual(["signalled"]);
    expect(await c.leases.renew(r.run.runId, owner, 30_000)).toEqual({
      lost: false,
      cancelAction: "interrupt",
    });
    expect(
      await c.leases.finish({ runId: r.run.runId, threadId }, owner, { status: "success" }),
    ).toEqual({
      kind: "cancelled",
      action: "interrupt",
    });
    const ended = await c.leases.finish({ runId: r.run.runId, threadId }, owner, {
      status: "interrupted",
    });
    expect(ended.kind).toBe("finished");
    expect((await c.store.get(r.run.runId))?.status).toBe("interrupted");
    expect(await status(threadId)).toBe("idle");
    expect(await c.leases.renew(r.run.runId, owner, 30_000)).toEqual({
      lost: true,
      cancelAction: null,
    });
  });

  it("cancels a pending run at once (interrupt ends it, rollback deletes it)", async () => {
    const threadId = newId();
    const a = await c.store.insert(spec(threadId));
    const b = await c.store.insert(spec(threadId));
    if (a.kind !== "created" || b.kind !== "created") throw new Error("not created");
    const out = await c.store.cancel({ runIds: [a.run.runId] }, "interrupt");
    expect(out.map((t) => t.effect)).toEqual(["ended"]);
    const gone = await c.store.cancel({ runIds: [b.run.runId] }, "rollback");
    expect(gone.map((t) => t.effect)).toEqual(["deleted"]);
    expect(await c.store.get(b.run.runId)).toBeNull();
    expect(await status(threadId)).toBe("idle");
  });

  it("requeues a run whose lease expired; the old owner's renewal is lost", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const threadId = newId();
      const r = await c.store.insert(spec(threadId));
      if (r.kind !== "created") throw new Error("not created");
      expect(await c.leases.claim(owner, 1, r.run.runId)).not.toBeNull();
      vi.setSystemTime(Date.now() + 5);
      await vi.waitFor(async () => expect(await c.leases.requeueExpired()).toContain(r.run.runId), {
        timeout: 5000,
      });
      expect((await c.leases.renew(r.run.runId, owner, 30_000)).lost).toBe(true);
      expect((await c.leases.claim("worker-b", 30_000, r.run.runId))?.attempt).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("creates runs at once on new threads and on one thread, and claims them by id at once, without a failure", async () => {
    const shared = newId();
    let previous: string[] = [];
    for (let round = 0; round < 4; round++) {
      // The last round's runs claimed by id (as the executor's hand-off does) while more are created.
      const [claimed, results] = await Promise.all([
        Promise.all(previous.map((id) => c.leases.claim(owner, 30_000, id))),
        Promise.all([
          ...Array.from({ length: 12 }, () => c.store.insert(spec(newId()))),
          ...Array.from({ length: 6 }, () => c.store.insert(spec(shared))),
        ]),
      ]);
      expect(claimed.map((r) => r?.runId)).toEqual(previous);
      expect(results.map((r) => r.kind)).toEqual(Array(18).fill("created"));
      previous = results.slice(0, 12).map((r) => (r.kind === "created" ? r.run.runId : ""));
    }
  });

  it("requeues exactly a dead owner's runs at once; its renewals and finishes are lost", async () => {
    const dead = `${owner}-dead-${newId()}`;
    const [t1, t2, t3] = [newId(), newId(), newId()];
    const created: Run[] = [];
    // At once: concurrent creation must not fail (InnoDB deadlock victims are retried).
    for (const r of await Promise.all([t1, t2, t3].map((t) => c.store.insert(spec(t))))) {
      if (r.kind !== "created") throw new Error("not created");
      created.push(r.run);
    }
    const [a, b, other] = created as [Run, Run, Run];
    expect(await c.leases.claim(dead, 30_000, a.runId)).not.toBeNull();
    expect(await c.leases.claim(dead, 30_000, b.runId)).not.toBeNull();
    // Another owner of the same host and pid prefix: not touched.
    expect(await c.leases.claim(`${dead}2`, 30_000, other.runId)).not.toBeNull();
    expect((await c.leases.requeueOwner(dead)).sort()).toEqual([a.runId, b.runId].sort());
    expect((await c.store.get(a.runId))?.status).toBe("pending");
    expect((await c.store.get(other.runId))?.status).toBe("running");
    expect(await c.leases.requeueOwner(dead)).toEqual([]);
    expect((await c.leases.renew(a.runId, dead, 30_000)).lost).toBe(true);
    expect((await c.leases.leaseStates([b.runId], dead)).get(b.runId)?.lost).toBe(true);
    const late = await c.leases.finish({ runId: b.runId, threadId: t2 }, dead, {
      status: "success",
    });
    expect(late.kind).toBe("lost");
    expect((await c.leases.claim("worker-b", 30_000, a.runId))?.attempt).toBe(2);
    expect((await c.leases.renew(other.runId, `${dead}2`, 30_000)).lost).toBe(false);
    expect(await status(t2)).toBe("busy");
  });

  it("delete and assistant delete repair the thread; a temporary thread goes with its run", async () => {
    const threadId = newId();
    const assistantId = newId();
    const r = await c.store.insert(spec(threadId, { assistantId }));
    if (r.kind !== "created") throw new Error("not created");
    await c.leases.claim(owner, 30_000, r.run.runId);
    const gone = await c.inUnit((uow) => c.store.deleteForAssistant(uow, assistantId));
    expect(gone.map((g) => g.runId)).toEqual([r.run.runId]);
    expect(await status(threadId)).toBe("idle");
    expect(await c.leases.repair()).toBe(0);

    const temp = newId();
    const t = await c.store.insert(spec(temp, { freshThread: true }));
    if (t.kind !== "created") throw new Error("not created");
    await c.leases.claim(owner, 30_000, t.run.runId);
    const done = await c.leases.finish(
      { runId: t.run.runId, threadId: temp, temporary: true },
      owner,
      {
        status: "success",
      },
    );
    expect(done.kind).toBe("finished");
    expect(await status(temp)).toBeUndefined();
    expect(await c.store.get(t.run.runId)).toBeNull();
  });
});
