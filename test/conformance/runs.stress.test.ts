/**
 * Bounded stress on PostgreSQL (where writers really overlap), through the official SDK: 50
 * cancel-with-rollback cycles and 50 delete-while-running cycles, the stop landing at a different
 * moment of the run each time. Afterwards no checkpoint is left without its thread (orphan), no
 * rolled-back or deleted state comes back, and no thread is left busy.
 */
import type { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Steps = { visits?: string[]; inputs?: string[] };

const CYCLES = 50;
const BATCH = 5;
// 4 steps of 80 ms: every run outlasts the latest stop (199 ms after create answered), so each stop
// lands while it runs (a stop after a run completed rolls nothing back, rightly).
const STEP_MS = 80;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Where in the run the stop lands: spread over 0..200 ms (before the first checkpoint to the end). */
const offset = (i: number) => (i * 37) % 200;

/** Runs `cycle(i)` for i in 0..n-1, `BATCH` at a time. */
async function inBatches(n: number, cycle: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i += BATCH)
    await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => cycle(i + k)));
}

const postgres = sharedServers().filter((s) => s.backend === "postgres");

describe.each(postgres)("runs stress ($backend)", ({ client, databaseUrl }) => {
  /** Checkpoints (any namespace) of `threadIds` in the database, and those with no thread row. */
  async function checkpointsOf(threadIds: string[]) {
    const db = new pg.Client({ connectionString: databaseUrl! });
    await db.connect();
    try {
      const all = await db.query<{ thread_id: string; orphan: boolean }>(
        `SELECT c.thread_id, NOT EXISTS (SELECT 1 FROM threads t WHERE t.thread_id::text = c.thread_id) AS orphan
         FROM checkpoints c WHERE c.thread_id = ANY($1::text[])`,
        [threadIds],
      );
      return all.rows;
    } finally {
      await db.end();
    }
  }

  async function expectSettledIdle(c: Client, threadIds: string[]) {
    await inBatches(threadIds.length, async (i) => {
      const id = threadIds[i]!;
      expect((await c.threads.get(id)).status, id).toBe("idle");
    });
  }

  it(`${CYCLES} cancel-with-rollback cycles: earlier state back, nothing of the run left`, async () => {
    const threads: { id: string; baseline: string[] }[] = [];
    await inBatches(CYCLES, async (i) => {
      const thread = await client.threads.create();
      // Every other thread has an earlier run the rollback must keep.
      if (i % 2 === 0)
        await client.runs.wait(thread.thread_id, "runs_steps", {
          input: { delay_ms: 1, inputs: ["kept"] },
        });
      const baseline = (await client.threads.getHistory(thread.thread_id, { limit: 50 })).map(
        (h) => h.checkpoint.checkpoint_id!,
      );
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: STEP_MS, inputs: ["rolled-back"] },
      });
      await sleep(offset(i));
      await client.runs.cancel(thread.thread_id, run.run_id, true, "rollback");
      await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("404");
      threads.push({ id: thread.thread_id, baseline });
    });
    // Long enough for any late write of a rolled-back run to have landed, had it been let through.
    await sleep(4 * STEP_MS + 500);
    await inBatches(threads.length, async (i) => {
      const t = threads[i]!;
      const history = await client.threads.getHistory<Steps>(t.id, { limit: 50 });
      expect(
        history.map((h) => h.checkpoint.checkpoint_id),
        t.id,
      ).toEqual(t.baseline);
      const state = await client.threads.getState<Steps>(t.id);
      expect(state.values.inputs ?? [], t.id).toEqual(t.baseline.length ? ["kept"] : []);
    });
    expect((await checkpointsOf(threads.map((t) => t.id))).filter((r) => r.orphan)).toEqual([]);
    await expectSettledIdle(
      client,
      threads.map((t) => t.id),
    );
  }, 240_000);

  it(`${CYCLES} delete-while-running cycles: no orphan checkpoint, re-created threads start empty`, async () => {
    const deleted: string[] = [];
    await inBatches(CYCLES, async (i) => {
      const thread = await client.threads.create();
      await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: STEP_MS, inputs: ["deleted"] },
      });
      await sleep(offset(i));
      await client.threads.delete(thread.thread_id);
      deleted.push(thread.thread_id);
    });
    await sleep(4 * STEP_MS + 500);
    expect(await checkpointsOf(deleted)).toEqual([]);
    await inBatches(deleted.length, async (i) => {
      const id = deleted[i]!;
      await client.threads.create({ threadId: id });
      expect((await client.threads.getState<Steps>(id)).values, id).toEqual({});
      expect(await client.threads.getHistory(id), id).toEqual([]);
    });
    await expectSettledIdle(client, deleted);
  }, 240_000);
});
