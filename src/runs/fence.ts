/**
 * The write fence of one run: every checkpoint, pending write and store write of the run first
 * locks the run's row (`FOR SHARE`, inside the write's own transaction) and checks that the run is
 * still `running`, held by this worker's lease and not asked to stop. A run that was cancelled,
 * rolled back, deleted (with its thread or assistant, by TTL or prune) or that lost its lease is
 * refused, and its worker is stopped at once with the reason. Because the check holds a share lock
 * until the write commits, a cancel or delete (which updates or deletes that row) waits for a
 * write already past the check, and every write after the cancel is refused: no write of a stopped
 * run ever lands after the cancel committed. `settled()` waits for the writes in flight, so a
 * rollback deletes the run's checkpoints only once no write of it can still commit.
 */
import type { Kysely } from "kysely";
import type { Database } from "../storage/database.ts";
import { FencedWriteError, type WriteFence } from "../storage/fence.ts";
import type { StopReason } from "./queue.ts";
import type { CancelAction } from "./types.ts";

/** What the fence watches: the run's lease as its worker holds it. */
export interface FencedLease {
  readonly owner: string;
  /** Why the worker stopped the run (undefined while it may go on). */
  reason(): StopReason | undefined;
  /** Stops the run on this worker (idempotent; the first reason wins). */
  stop(reason: StopReason): void;
}

interface RunFenceRow {
  status: string;
  lease_owner: string | null;
  cancel_action: string | null;
}

/** The fence of one run on this worker. */
export class RunFence implements WriteFence {
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly runId: string,
    private readonly lease: FencedLease,
  ) {}

  async check(trx: Kysely<Database>): Promise<void> {
    const stopped = this.lease.reason();
    if (stopped) throw new FencedWriteError(stopped);
    // Without row locks (SQLite) the engine drops the clause: its write transaction already
    // excludes every other writer.
    const row = await trx
      .selectFrom("runs")
      .select(["status", "lease_owner", "cancel_action"])
      .where("run_id", "=", this.runId)
      .forShare()
      .executeTakeFirst();
    const reason = refusal(row as RunFenceRow | undefined, this.lease.owner);
    if (!reason) return;
    this.lease.stop(reason);
    throw new FencedWriteError(reason);
  }

  track<T>(write: () => Promise<T>): Promise<T> {
    const p = write();
    this.#inflight.add(p);
    const done = () => this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once no write of this run is in flight (each committed, failed or was refused). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }
}

/** Why a run may not write any more (undefined: it may). */
function refusal(row: RunFenceRow | undefined, owner: string): StopReason | undefined {
  if (!row) return "deleted";
  if (row.status !== "running" || row.lease_owner !== owner) return "lost";
  if (row.cancel_action) return row.cancel_action as CancelAction;
  return undefined;
}
