/**
 * The run hand-off of a split role `all` (`src/runs/handoff.ts`): a pool that never claims (the
 * HTTP thread) hands a created run to the executor thread's pool, which claims it by id without a
 * wake-up through the database; a full pool announces it instead; a closed channel reports "not
 * handed off" so the creator announces. Real `RunQueue`s over the in-memory runs, a real
 * `BroadcastChannel`.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../src/core/ids.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { handoffReceiver, handoffSender } from "../../src/runs/handoff.ts";
import { MemoryRuns } from "../../src/runs/memory.ts";
import type { InsertRunSpec } from "../../src/runs/ports.ts";
import { CHANNEL_WAKE, type RunLease, RunQueue } from "../../src/runs/queue.ts";

const logger = createLogger({ level: "silent", pretty: false });

function spec(): InsertRunSpec {
  return {
    runId: newId(),
    threadId: newId(),
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

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An HTTP-thread pool and an executor-thread pool over one store, joined by a hand-off channel. */
async function pair(concurrency = 1) {
  const runs = new MemoryRuns({ now: () => new Date() });
  const notified: string[] = [];
  const claimedBy: string[] = [];
  const execute = async (_run: unknown, lease: RunLease) => {
    claimedBy.push(lease.owner);
    await new Promise<void>((resolve) =>
      lease.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    return undefined;
  };
  const common = {
    leases: runs,
    listen: async () => async () => {},
    notify: async (channel: string) => void notified.push(channel),
    execute,
    concurrency,
    leaseMs: 30_000,
    sweepMs: 60_000,
    logger,
  };
  const name = `olg-runs-test-${randomUUID()}`;
  const sender = handoffSender(name);
  const api = new RunQueue({ ...common, owner: "api", claims: false, handoff: sender.send });
  const executor = new RunQueue({ ...common, owner: "executor" });
  await executor.start();
  const errors: unknown[] = [];
  const receiver = handoffReceiver(name, executor, (err) => errors.push(err));
  closers.push(
    () => receiver.close(),
    () => sender.close(),
    () => executor.drain(0),
  );
  const created = async () => {
    const r = await runs.insert(spec());
    if (r.kind !== "created") throw new Error("not created");
    return r.run.runId;
  };
  return { runs, api, executor, sender, notified, claimedBy, errors, created };
}

describe("run hand-off between the threads of role all", () => {
  it("the executor's pool claims a created run by id, with no wake-up through the database", async () => {
    const { runs, api, notified, claimedBy, errors, created } = await pair();
    notified.length = 0;
    const runId = await created();
    expect(await api.claimLocal(runId)).toBe(true);
    await vi.waitFor(async () => expect((await runs.get(runId))?.status).toBe("running"));
    expect(claimedBy).toEqual(["executor"]);
    expect(notified).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("a full executor pool announces the run to every replica instead", async () => {
    const { runs, api, notified, claimedBy, created } = await pair(1);
    const first = await created();
    expect(await api.claimLocal(first)).toBe(true);
    await vi.waitFor(() => expect(claimedBy).toEqual(["executor"]));
    notified.length = 0;
    const second = await created();
    expect(await api.claimLocal(second)).toBe(true);
    await vi.waitFor(() => expect(notified).toContain(CHANNEL_WAKE));
    expect((await runs.get(second))?.status).toBe("pending");
  });

  it("a closed channel reports the run not handed off (its creator announces it)", async () => {
    const { api, sender, created } = await pair();
    sender.close();
    expect(await api.claimLocal(await created())).toBe(false);
  });
});
