/**
 * The worker pool under tenancy (in-memory runs, fake clock, row-level security imitated: inside
 * one org's context a claim sees that org's runs only). Hand-ins and finishes happen inside one
 * org's context; claims of the queue's head must still see every org (`acrossOrgs`), so another
 * org's older runs are neither overtaken nor left pending with a slot free until the sweep.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../src/core/ids.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { MemoryRuns } from "../../src/runs/memory.ts";
import { type RunLease, RunQueue } from "../../src/runs/queue.ts";
import type { Run } from "../../src/runs/types.ts";
import { currentOrg, SYSTEM_ORG, withOrg } from "../../src/tenancy/context.ts";

const logger = createLogger({ level: "silent", pretty: false });
const HEAD_CLAIM_MS = 30;

function setup(concurrency: number, acrossOrgs: boolean) {
  const runs = new MemoryRuns({ now: () => new Date() });
  const orgOf = new Map<string, string>();
  const started: string[] = [];
  const claim = async (owner: string, leaseMs: number, runId?: string): Promise<Run | null> => {
    const org = currentOrg();
    if (runId != null) {
      if (org !== SYSTEM_ORG && orgOf.get(runId) !== org) return null;
      return runs.claim(owner, leaseMs, runId);
    }
    await new Promise((resolve) => setTimeout(resolve, HEAD_CLAIM_MS)); // a database round trip
    if (org === SYSTEM_ORG) return runs.claim(owner, leaseMs);
    const head = [...runs.runs.values()].find(
      (r) => r.status === "pending" && orgOf.get(r.runId) === org,
    );
    return head ? runs.claim(owner, leaseMs, head.runId) : null;
  };
  const leases = new Proxy(runs, {
    get(target, prop, receiver) {
      if (prop === "claim") return claim;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const execute = async (run: Run, lease: RunLease) => {
    started.push(run.runId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const done = await runs.finish(run, lease.owner, { status: "success" });
    return done.kind === "finished" ? { next: done.next } : undefined;
  };
  const queue = new RunQueue({
    leases,
    listen: async () => async () => {},
    notify: async () => {},
    execute: (run, lease) => withOrg(orgOf.get(run.runId)!, () => execute(run, lease)),
    owner: "me",
    concurrency,
    leaseMs: 3000,
    sweepMs: 60_000,
    acrossOrgs: acrossOrgs ? (fn) => withOrg(SYSTEM_ORG, fn) : undefined,
    logger,
  });
  const insert = async (org: string) => {
    const r = await runs.insert({
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
    });
    if (r.kind !== "created") throw new Error("not created");
    orgOf.set(r.run.runId, org);
    return r.run.runId;
  };
  // As the hand-off receiver does: claim inside the creator's org, else announce.
  const handIn = (org: string, runId: string) =>
    withOrg(org, async () => {
      if (!(await queue.claimLocal(runId))) await queue.announce();
    });
  return { runs, queue, started, insert, handIn };
}

describe("RunQueue under tenancy (memory, fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a run handed in inside its org starts after another org's older queued runs", async () => {
    const { queue, started, insert, handIn } = setup(2, true);
    await queue.start();
    await vi.advanceTimersByTimeAsync(50); // the start-up sweep's claim found nothing
    const [x, y] = [await insert("b"), await insert("b")];
    await handIn("b", x);
    await handIn("b", y);
    const [b1, b2] = [await insert("b"), await insert("b")];
    await handIn("b", b1);
    await handIn("b", b2);
    await vi.advanceTimersByTimeAsync(110); // x and y ended; a claim of the head is in flight
    const a1 = await insert("a");
    const handedIn = handIn("a", a1);
    await vi.advanceTimersByTimeAsync(1000);
    await handedIn;
    expect(started).toEqual([x, y, b1, b2, a1]);
    await queue.drain(0);
  });

  it("a run ending inside its org wakes another org's queued run at once, not at the sweep", async () => {
    const { runs, queue, insert, handIn } = setup(1, true);
    await queue.start();
    await vi.advanceTimersByTimeAsync(50);
    const a1 = await insert("a");
    await handIn("a", a1);
    const b1 = await insert("b");
    await handIn("b", b1); // every slot busy: remembered as backlog
    await vi.advanceTimersByTimeAsync(300);
    expect((await runs.get(a1))?.status).toBe("success");
    expect((await runs.get(b1))?.status).toBe("success");
    await queue.drain(0);
  });
});
