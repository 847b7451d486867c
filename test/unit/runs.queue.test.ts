/**
 * The worker pool (`RunQueue`) on the in-memory runs with a fake clock: the drain deadline hands a
 * run that does not end back to the queue, a lost lease stops the run, a cancel that lands right
 * after the claim stops it with the cancel's action, a freed slot claims again only when work
 * may be waiting (one claim per run), and runs start in queue order.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../src/core/ids.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { MemoryRuns } from "../../src/runs/memory.ts";
import type { InsertRunSpec } from "../../src/runs/ports.ts";
import { type RunLease, RunQueue, type StopReason } from "../../src/runs/queue.ts";
import type { Run } from "../../src/runs/types.ts";

const logger = createLogger({ level: "silent", pretty: false });

function spec(threadId = newId()): InsertRunSpec {
  return {
    runId: newId(),
    threadId,
    assistantId: newId(),
    multitaskStrategy: "enqueue",
    createThread: true,
    newThreadMetadata: {},
    afterSeconds: 0,
    build: () => ({
      kwargs: { config: { configurable: {} }, stream_mode: ["values"] } as never,
      metadata: {},
      threadMetadataPatch: {},
      threadConfig: {},
    }),
  };
}

/** A run that lasts until stopped (or `finishAfterMs`), recording why it stopped. */
function setup(
  options: { concurrency?: number; finishAfterMs?: number; queueClaimDelayMs?: number } = {},
) {
  const runs = new MemoryRuns({ now: () => new Date() });
  const stopped = new Map<string, StopReason | undefined>();
  const started: string[] = [];
  let claims = 0;
  const leases = new Proxy(runs, {
    get(target, prop, receiver) {
      if (prop === "claim") {
        claims++;
        // A claim of the queue's head (no id) that takes a while, as a database round trip does.
        const delay = options.queueClaimDelayMs;
        if (delay)
          return async (owner: string, leaseMs: number, runId?: string) => {
            if (runId == null) await new Promise((resolve) => setTimeout(resolve, delay));
            return target.claim(owner, leaseMs, runId);
          };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const execute = async (run: Run, lease: RunLease) => {
    started.push(run.runId);
    await new Promise<void>((resolve) => {
      lease.signal.addEventListener("abort", () => resolve(), { once: true });
      if (options.finishAfterMs != null) setTimeout(resolve, options.finishAfterMs);
    });
    stopped.set(run.runId, lease.reason());
    const reason = lease.reason();
    if (reason === "shutdown") {
      await runs.release(run.runId, lease.owner);
      return undefined;
    }
    if (reason) return undefined;
    const done = await runs.finish(run, lease.owner, { status: "success" });
    return done.kind === "finished" ? { next: done.next } : undefined;
  };
  const queue = new RunQueue({
    leases,
    listen: async () => async () => {},
    notify: async () => {},
    execute,
    owner: "me",
    concurrency: options.concurrency ?? 2,
    leaseMs: 3000,
    sweepMs: 60_000,
    logger,
  });
  return { runs, queue, stopped, started, claims: () => claims };
}

describe("RunQueue (memory, fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("drain waits up to the deadline, then hands the run back to the queue", async () => {
    const { runs, queue, stopped } = setup();
    await queue.start();
    await vi.advanceTimersByTimeAsync(0); // the start-up sweep
    const r = await runs.insert(spec());
    if (r.kind !== "created") throw new Error("not created");
    expect(await queue.claimLocal(r.run.runId)).toBe(true);
    const drained = queue.drain(5000);
    await vi.advanceTimersByTimeAsync(4999);
    expect(stopped.has(r.run.runId)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await drained;
    expect(stopped.get(r.run.runId)).toBe("shutdown");
    expect((await runs.get(r.run.runId))?.status).toBe("pending");
  });

  it("a lost lease (expired, taken over) stops the run at the next heartbeat", async () => {
    const { runs, queue, stopped } = setup();
    await queue.start();
    await vi.advanceTimersByTimeAsync(0); // the start-up sweep
    const r = await runs.insert(spec());
    if (r.kind !== "created") throw new Error("not created");
    expect(await queue.claimLocal(r.run.runId)).toBe(true);
    // Another replica's sweep requeues it (this one looked dead) and claims it.
    const run = runs.runs.get(r.run.runId)!;
    run.leaseExpiresAt = Date.now() - 1;
    await runs.requeueExpired();
    expect((await runs.claim("other", 3000, r.run.runId))?.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped.get(r.run.runId)).toBe("lost");
    expect((await runs.get(r.run.runId))?.status).toBe("running");
    await queue.drain(0);
  });

  it("a cancel right after the claim stops the run with the cancel's action", async () => {
    const { runs, queue, stopped } = setup();
    await queue.start();
    await vi.advanceTimersByTimeAsync(0); // the start-up sweep
    const r = await runs.insert(spec());
    if (r.kind !== "created") throw new Error("not created");
    const claimed = queue.claimLocal(r.run.runId);
    const cancelled = await runs.cancel({ runIds: [r.run.runId] }, "rollback");
    expect(await claimed).toBe(true);
    expect(cancelled.map((t) => t.effect)).toEqual(["signalled"]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped.get(r.run.runId)).toBe("rollback");
    await queue.drain(0);
  });

  it("one claim per run: a freed slot claims again only for queued work", async () => {
    const { runs, queue, claims } = setup({ concurrency: 1, finishAfterMs: 100 });
    await queue.start();
    await vi.advanceTimersByTimeAsync(0);
    const base = claims();
    const threadId = newId();
    const a = await runs.insert(spec(threadId));
    const b = await runs.insert(spec(threadId));
    const c = await runs.insert(spec());
    if (a.kind !== "created" || b.kind !== "created" || c.kind !== "created") throw new Error();
    expect(await queue.claimLocal(a.run.runId)).toBe(true);
    queue.wake(); // the pool is full: remembered as backlog
    await vi.advanceTimersByTimeAsync(1000);
    for (const id of [a, b, c].map((x) => (x.kind === "created" ? x.run.runId : "")))
      expect((await runs.get(id))?.status).toBe("success");
    // a, then b (a's thread had it next), then c (backlog), then one empty claim.
    expect(claims() - base).toBeLessThanOrEqual(4);
    // A lone run with nothing queued behind it: its claim is the only one.
    const before = claims();
    const d = await runs.insert(spec());
    if (d.kind !== "created") throw new Error();
    expect(await queue.claimLocal(d.run.runId)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await runs.get(d.run.runId))?.status).toBe("success");
    expect(claims() - before).toBe(1);
    await queue.drain(0);
  });

  it("queue order: a run handed in while older runs wait for a slot starts after them", async () => {
    const { runs, queue, started } = setup({
      concurrency: 2,
      finishAfterMs: 100,
      queueClaimDelayMs: 30,
    });
    await queue.start();
    await vi.advanceTimersByTimeAsync(50); // the start-up sweep's claim found nothing
    const insert = async () => {
      const r = await runs.insert(spec());
      if (r.kind !== "created") throw new Error("not created");
      return r.run.runId;
    };
    // As RunsService does: claim by id, else announce (which remembers the backlog).
    const handIn = async (runId: string) => {
      if (!(await queue.claimLocal(runId))) await queue.announce();
    };
    const [a, c] = [await insert(), await insert()];
    await handIn(a);
    await handIn(c);
    const [b1, b2] = [await insert(), await insert()];
    await handIn(b1);
    await handIn(b2);
    // a and c end together: the first freed slot starts a (slow) claim of the queue's head, the
    // second is free meanwhile; a new run handed in then must not take it ahead of b1 and b2.
    await vi.advanceTimersByTimeAsync(110);
    const d = await insert();
    const handedIn = handIn(d); // its claim of the queue's head takes a while too
    await vi.advanceTimersByTimeAsync(1000);
    await handedIn;
    expect(started).toEqual([a, c, b1, b2, d]);
    for (const id of [a, b1, b2, c, d]) expect((await runs.get(id))?.status).toBe("success");
    await queue.drain(0);
  });

  it("claims at once (a burst of runs by id, a wake-up) never take more slots than the pool has", async () => {
    const { runs, queue } = setup({ concurrency: 2, finishAfterMs: 100 });
    await queue.start();
    await vi.advanceTimersByTimeAsync(0);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await runs.insert(spec());
      if (r.kind !== "created") throw new Error("not created");
      ids.push(r.run.runId);
    }
    const claimed = await Promise.all(ids.map((id) => queue.claimLocal(id)));
    queue.wake();
    await Promise.resolve();
    const running = () => [...runs.runs.values()].filter((r) => r.status === "running").length;
    expect(claimed.filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(running()).toBeLessThanOrEqual(2);
    // The rest wait for a slot, then run: none is left behind.
    let most = running();
    for (let t = 0; t < 20; t++) {
      await vi.advanceTimersByTimeAsync(50);
      most = Math.max(most, running());
    }
    expect(most).toBeLessThanOrEqual(2);
    for (const id of ids) expect((await runs.get(id))?.status).toBe("success");
    await queue.drain(0);
  });
});
