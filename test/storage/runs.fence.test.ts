/**
 * The run write fence on PGlite and PostgreSQL: a checkpoint, pending write or store write of a run
 * is refused inside its own transaction once the run was cancelled, rolled back, deleted with its
 * thread, or lost its lease, and nothing of the refused write remains. On PostgreSQL, a cancel
 * waits for a write that already passed the fence, so no write lands after the cancel committed.
 */
import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.ts";
import { RunFence } from "../../src/runs/fence.ts";
import type { StopReason } from "../../src/runs/queue.ts";
import { SqlRunLeases } from "../../src/runs/sql-leases.ts";
import { SqlRunStore } from "../../src/runs/sql-store.ts";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { FencedWriteError } from "../../src/storage/fence.ts";
import { SqlStore } from "../../src/store/sql-store.ts";
import { ThreadRunRows } from "../../src/threads/run-rows.ts";
import { type StorageBackend, storageBackends } from "../support/storage.ts";

const backends: StorageBackend[] = await storageBackends("run fence tests", "olg_fence");

/** A lease as the queue hands it to a worker, recording why it was stopped. */
function testLease(owner: string) {
  let why: StopReason | undefined;
  return {
    owner,
    reason: () => why,
    stop(reason: StopReason) {
      why ??= reason;
    },
  };
}

describe.each(backends)("run write fence ($name)", (backend) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  let leases: SqlRunLeases;
  let runs: SqlRunStore;
  let saver: SqlCheckpointSaver;
  let store: SqlStore;

  beforeAll(async () => {
    ({ handle, cleanup } = await backend.open());
    leases = new SqlRunLeases(handle.db, new ThreadRunRows());
    runs = new SqlRunStore(handle.db, new ThreadRunRows());
    saver = new SqlCheckpointSaver(handle.db, undefined, { mergeConfigMetadata: true });
    store = new SqlStore({ db: handle.db });
  });
  afterAll(async () => cleanup?.());

  /** A thread with one run claimed by a fresh owner; returns ids, the lease and the fence. */
  async function claimedRun() {
    const threadId = newId();
    const runId = newId();
    await sql`INSERT INTO threads (thread_id, status) VALUES (${threadId}, 'busy')`.execute(
      handle.db,
    );
    await sql`INSERT INTO runs (run_id, thread_id, assistant_id) VALUES (${runId}, ${threadId}, ${newId()})`.execute(
      handle.db,
    );
    const owner = `worker-${newId()}`;
    const claimed = await leases.claim(owner, 30_000, runId);
    expect(claimed?.runId).toBe(runId);
    const lease = testLease(owner);
    return { threadId, runId, lease, fence: new RunFence(runId, lease) };
  }

  const config = (threadId: string, runId: string) => ({
    configurable: { thread_id: threadId, checkpoint_ns: "", run_id: runId },
    metadata: { run_id: runId },
  });
  const checkpoint = () => ({ ...emptyCheckpoint(), id: uuid6(-1) });
  const count = async (threadId: string) =>
    String(
      (
        await sql<{
          n: string | number;
        }>`SELECT count(*) AS n FROM checkpoints WHERE thread_id = ${threadId}`.execute(handle.db)
      ).rows[0]!.n,
    );

  it("lets the run holding its lease write, and refuses it once cancelled (rollback)", async () => {
    const { threadId, runId, lease, fence } = await claimedRun();
    const fenced = saver.fenced(fence);
    const saved = await fenced.put(config(threadId, runId), checkpoint(), {} as never, {});
    await fenced.putWrites(saved, [["visits", "s1"]], "task-1");
    expect(await count(threadId)).toBe("1");

    await runs.cancel({ threadId, runIds: [runId] }, "rollback");
    await expect(
      fenced.put(config(threadId, runId), checkpoint(), {} as never, {}),
    ).rejects.toBeInstanceOf(FencedWriteError);
    await expect(fenced.putWrites(saved, [["visits", "s2"]], "task-2")).rejects.toThrow(
      "write refused",
    );
    expect(lease.reason()).toBe("rollback");
    expect(await count(threadId)).toBe("1");
    const writes = await sql<{ task_id: string }>`
      SELECT task_id FROM checkpoint_writes WHERE thread_id = ${threadId}`.execute(handle.db);
    expect(writes.rows.map((w) => w.task_id)).toEqual(["task-1"]);
  });

  it("refuses a run whose thread was deleted, one that lost its lease, one of a dead owner", async () => {
    const gone = await claimedRun();
    await sql`DELETE FROM threads WHERE thread_id = ${gone.threadId}`.execute(handle.db);
    await expect(
      saver
        .fenced(gone.fence)
        .put(config(gone.threadId, gone.runId), checkpoint(), {} as never, {}),
    ).rejects.toBeInstanceOf(FencedWriteError);
    expect(gone.lease.reason()).toBe("deleted");
    expect(await count(gone.threadId)).toBe("0");

    const lost = await claimedRun();
    await sql`UPDATE runs SET lease_owner = 'another-worker' WHERE run_id = ${lost.runId}`.execute(
      handle.db,
    );
    await expect(
      saver
        .fenced(lost.fence)
        .put(config(lost.threadId, lost.runId), checkpoint(), {} as never, {}),
    ).rejects.toBeInstanceOf(FencedWriteError);
    expect(lost.lease.reason()).toBe("lost");
    expect(await count(lost.threadId)).toBe("0");

    // Its owner died (an executor thread): requeued at once, its late writes refused.
    const dead = await claimedRun();
    expect(await leases.requeueOwner(dead.lease.owner)).toEqual([dead.runId]);
    await expect(
      saver
        .fenced(dead.fence)
        .put(config(dead.threadId, dead.runId), checkpoint(), {} as never, {}),
    ).rejects.toBeInstanceOf(FencedWriteError);
    expect(dead.lease.reason()).toBe("lost");
    expect(await count(dead.threadId)).toBe("0");
  });

  it("refuses store writes of a cancelled run (interrupt) and keeps the store unchanged", async () => {
    const { threadId, runId, lease, fence } = await claimedRun();
    const fencedStore = store.fenced(fence);
    await fencedStore.put(["fence", runId], "before", { n: 1 });
    await runs.cancel({ threadId, runIds: [runId] }, "interrupt");
    await expect(fencedStore.put(["fence", runId], "after", { n: 2 })).rejects.toBeInstanceOf(
      FencedWriteError,
    );
    await expect(fencedStore.delete(["fence", runId], "before")).rejects.toBeInstanceOf(
      FencedWriteError,
    );
    expect(lease.reason()).toBe("interrupt");
    expect((await store.search(["fence", runId])).map((i) => i.key)).toEqual(["before"]);
  });

  it("refuses every write once the worker stopped the run locally, without asking the database", async () => {
    const { threadId, runId, lease, fence } = await claimedRun();
    lease.stop("shutdown");
    await expect(
      saver.fenced(fence).put(config(threadId, runId), checkpoint(), {} as never, {}),
    ).rejects.toThrow("shutdown");
    expect(await count(threadId)).toBe("0");
  });

  // PostgreSQL only: PGlite has one connection, so two writers can never overlap there.
  if (backend.name === "postgres")
    it("a cancel waits for a write already past the fence; every write after it is refused", async () => {
      const { threadId, runId, fence } = await claimedRun();
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let passed!: () => void;
      const pastFence = new Promise<void>((r) => {
        passed = r;
      });
      // A write transaction that passed the fence and has not committed yet.
      const write = fence.track(() =>
        handle.db.transaction().execute(async (trx) => {
          await fence.check(trx);
          passed();
          await held;
          await trx
            .insertInto("checkpoints")
            .values({
              thread_id: threadId,
              checkpoint_ns: "",
              checkpoint_id: uuid6(-1),
              parent_checkpoint_id: null,
              checkpoint: "{}",
              metadata: JSON.stringify({ run_id: runId }),
            })
            .execute();
        }),
      );
      await pastFence;
      let cancelled = false;
      const cancel = runs.cancel({ threadId, runIds: [runId] }, "rollback").then(() => {
        cancelled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(cancelled).toBe(false);
      release();
      await write;
      await cancel;
      expect(await count(threadId)).toBe("1");
      await fence.settled();
      await saver.deleteForRun(threadId, runId);
      await expect(
        saver.fenced(fence).put(config(threadId, runId), checkpoint(), {} as never, {}),
      ).rejects.toBeInstanceOf(FencedWriteError);
      expect(await count(threadId)).toBe("0");
    });
});
