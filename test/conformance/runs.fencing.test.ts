/**
 * Black-box, through the official SDK on PGlite and PostgreSQL: a run that no longer owns its thread
 * writes nothing more. Deleting its thread, its assistant or the run itself stops it at once
 * (long before a lease renewal would notice) and no checkpoint of it lands afterwards, so a thread
 * re-created under the same id starts empty. A cancelled run (interrupt or rollback) adds no
 * checkpoint after the cancel answered, and an interrupt-cancel leaves the thread `idle`. Pruning
 * the thread (delete, or keep_latest: its runs are cancelled first) stops the run the same way.
 * A run whose lease was taken over (PostgreSQL: another replica claimed it) writes nothing more.
 * TTL expiry: threads.ttl.test.ts; the fence itself: storage/runs.fence.test.ts.
 */
import type { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Steps = { visits?: string[]; inputs?: string[] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the run has written a checkpoint of its own (it is mid-flight, writing). */
async function midFlight(client: Client, threadId: string, runId: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const history = await client.threads.getHistory(threadId, { limit: 20 });
    const own = history.filter((h) => (h.metadata as { run_id?: string })?.run_id === runId);
    if (own.length >= 2) return;
    await sleep(25);
  }
  throw new Error("run never wrote a checkpoint");
}

/** Waits until the run is running. */
async function running(client: Client, threadId: string, runId: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await client.runs.get(threadId, runId)).status === "running") return;
    await sleep(25);
  }
  throw new Error("run never started");
}

/** Drains a joined stream (only its end matters). */
async function streamEnd(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // drained
  }
}

const slow = (tag: string, delay = 600) => ({ input: { delay_ms: delay, inputs: [tag] } });
/** Four steps of 600 ms: without the stop signal the run would go on for seconds. */
const RUN_LIFETIME_MS = 4 * 600;

// Backends side by side (each its own server; a file that mostly waits held a fork for the sum of
// the backends' waits), each backend's tests in order (`it.sequential` inside a concurrent suite).
describe.concurrent.each(sharedServers())(
  "runs fenced after losing their thread ($backend)",
  ({ client }) => {
    it.sequential(
      "DELETE /threads/X mid-run stops it at once; re-created X starts empty",
      async () => {
        const thread = await client.threads.create();
        // Steps of 20 s: a run that noticed the delete only at its next write (or at its next lease
        // renewal, every 10 s here) would go on for many seconds.
        const run = await client.runs.create(thread.thread_id, "runs_steps", slow("old", 20_000));
        await running(client, thread.thread_id, run.run_id);
        // Replayed from the start, so the first event says the join is connected.
        const stream = client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" });
        const iterator = stream[Symbol.asyncIterator]();
        expect((await iterator.next()).done).toBe(false);
        let ended = 0;
        const joined = streamEnd({ [Symbol.asyncIterator]: () => iterator }).then(() => {
          ended = Date.now();
        });
        await client.threads.delete(thread.thread_id);
        const deletedAt = Date.now();
        await joined;
        // Stopped through the control channel: its worker is done, nothing of it can land any more.
        expect(ended - deletedAt).toBeLessThan(8000);
        await sleep(1000);
        await client.threads.create({ threadId: thread.thread_id });
        const state = await client.threads.getState<Steps>(thread.thread_id);
        expect(state.values).toEqual({});
        expect(await client.threads.getHistory(thread.thread_id)).toEqual([]);
        expect(await client.runs.list(thread.thread_id)).toEqual([]);
        // Its first run starts from nothing, not from the deleted conversation.
        const fresh = await client.runs.wait(thread.thread_id, "runs_steps", slow("new", 5));
        expect((fresh as Steps).inputs).toEqual(["new"]);
        expect((fresh as Steps).visits).toEqual(["s1", "s2", "s3", "s4"]);
      },
      90_000,
    );

    it.sequential(
      "deleting the run's assistant stops it; nothing more is written on its thread",
      async () => {
        const assistant = await client.assistants.create({ graphId: "runs_steps" });
        const thread = await client.threads.create();
        const run = await client.runs.create(thread.thread_id, assistant.assistant_id, slow("a"));
        await midFlight(client, thread.thread_id, run.run_id);
        await client.assistants.delete(assistant.assistant_id);
        await sleep(100);
        const after = (await client.threads.getHistory(thread.thread_id, { limit: 50 })).length;
        await sleep(RUN_LIFETIME_MS);
        const history = await client.threads.getHistory<Steps>(thread.thread_id, { limit: 50 });
        expect(history).toHaveLength(after);
        expect(history[0]!.values.visits?.length ?? 0).toBeLessThan(4);
        await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("404");
        expect((await client.threads.get(thread.thread_id)).status).not.toBe("busy");
      },
      90_000,
    );

    it.sequential(
      "DELETE of the running run itself stops it; its thread gets nothing more",
      async () => {
        const thread = await client.threads.create();
        const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a"));
        await midFlight(client, thread.thread_id, run.run_id);
        await client.runs.delete(thread.thread_id, run.run_id);
        await sleep(100);
        const after = (await client.threads.getHistory(thread.thread_id, { limit: 50 })).length;
        await sleep(RUN_LIFETIME_MS);
        expect(await client.threads.getHistory(thread.thread_id, { limit: 50 })).toHaveLength(
          after,
        );
        expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
      },
      90_000,
    );

    it.sequential(
      "prune keep_latest mid-run stops it; the thread keeps one checkpoint, no more",
      async () => {
        const thread = await client.threads.create();
        const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a"));
        await midFlight(client, thread.thread_id, run.run_id);
        expect(await client.threads.prune([thread.thread_id], { strategy: "keep_latest" })).toEqual(
          {
            pruned_count: 1,
          },
        );
        expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
        await sleep(RUN_LIFETIME_MS);
        expect(await client.threads.getHistory(thread.thread_id, { limit: 50 })).toHaveLength(1);
        expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
      },
      90_000,
    );

    it.sequential(
      "prune delete mid-run stops it; re-created thread starts empty",
      async () => {
        const thread = await client.threads.create();
        const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a"));
        await midFlight(client, thread.thread_id, run.run_id);
        await client.threads.prune([thread.thread_id], { strategy: "delete" });
        await sleep(RUN_LIFETIME_MS);
        await client.threads.create({ threadId: thread.thread_id });
        expect((await client.threads.getState<Steps>(thread.thread_id)).values).toEqual({});
        expect(await client.threads.getHistory(thread.thread_id)).toEqual([]);
      },
      90_000,
    );

    it.sequential(
      "cancel interrupt: no checkpoint after the cancel answered; thread idle, not interrupted",
      async () => {
        const thread = await client.threads.create();
        const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a"));
        await midFlight(client, thread.thread_id, run.run_id);
        await client.runs.cancel(thread.thread_id, run.run_id, true, "interrupt");
        const after = await client.threads.getHistory(thread.thread_id, { limit: 50 });
        await sleep(RUN_LIFETIME_MS);
        expect(await client.threads.getHistory(thread.thread_id, { limit: 50 })).toHaveLength(
          after.length,
        );
        expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
        const t = await client.threads.get(thread.thread_id);
        // No pending interrupt(): the official server shows the thread idle, not waiting for a human.
        expect(t.status).toBe("idle");
        expect(
          (await client.threads.search({ status: "interrupted" })).map((x) => x.thread_id),
        ).not.toContain(thread.thread_id);
      },
      90_000,
    );

    it.sequential(
      "cancel rollback: the earlier state is back and stays back",
      async () => {
        const thread = await client.threads.create();
        await client.runs.wait(thread.thread_id, "runs_steps", slow("first", 5));
        const before = await client.threads.getHistory(thread.thread_id, { limit: 50 });
        const run = await client.runs.create(thread.thread_id, "runs_steps", slow("second"));
        await midFlight(client, thread.thread_id, run.run_id);
        await client.runs.cancel(thread.thread_id, run.run_id, true, "rollback");
        await sleep(RUN_LIFETIME_MS);
        const history = await client.threads.getHistory(thread.thread_id, { limit: 50 });
        expect(history.map((h) => h.checkpoint.checkpoint_id)).toEqual(
          before.map((h) => h.checkpoint.checkpoint_id),
        );
        const state = await client.threads.getState<Steps>(thread.thread_id);
        expect(state.values.inputs).toEqual(["first"]);
        expect(state.next).toEqual([]);
        const t = await client.threads.get(thread.thread_id);
        expect(t.status).toBe("idle");
      },
      90_000,
    );
  },
);

const postgres = sharedServers().filter((s) => s.backend === "postgres");

describe.each(postgres)("a run that lost its lease ($backend)", ({ client, databaseUrl }) => {
  it("writes nothing more once another worker holds its lease", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a"));
    await midFlight(client, thread.thread_id, run.run_id);
    // What a replica does when it claims a run whose lease expired: the row names another owner.
    const db = new pg.Client({ connectionString: databaseUrl! });
    await db.connect();
    try {
      await db.query(
        "UPDATE runs SET lease_owner = 'another-replica', lease_expires_at = now() + interval '1 hour' WHERE run_id = $1",
        [run.run_id],
      );
    } finally {
      await db.end();
    }
    const after = (await client.threads.getHistory(thread.thread_id, { limit: 50 })).length;
    await sleep(RUN_LIFETIME_MS);
    const history = await client.threads.getHistory<Steps>(thread.thread_id, { limit: 50 });
    expect(history).toHaveLength(after);
    expect(history[0]!.values.visits?.length ?? 0).toBeLessThan(4);
    // The stale worker did not end the run either: it belongs to its new owner.
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("running");
    await client.threads.delete(thread.thread_id);
  }, 90_000);
});
