/**
 * The lease side of the runs queue: claiming a runnable run, renewing and releasing its lease,
 * finishing it together with its thread, and the sweeps that requeue runs whose replica died and
 * repair threads left busy. Split from `repository.ts` (run rows and creation) by responsibility.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "../storage/database.ts";
import { type RunRow, toRun } from "./rows.ts";
import { lockThread, writeThreadState } from "./thread-rows.ts";
import type { CancelAction, FinishState, Run } from "./types.ts";

export type { FinishState } from "./types.ts";

/**
 * What `finish` did: ended the run, found it lost (gone, or held by another worker), or found a
 * cancel request the run's outcome does not reflect yet (the caller applies it, then finishes).
 */
export type FinishResult =
  | { kind: "finished" }
  | { kind: "lost" }
  | { kind: "cancelled"; action: CancelAction };

/** A lease as `leaseStates` reads it. */
export interface LeaseState {
  lost: boolean;
  cancelAction: CancelAction | null;
}

/** Queue leases on PostgreSQL/PGlite; `RunsRepository` extends it with run rows and creation. */
export class RunLeaseRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  /** Claims the next runnable run (or exactly `onlyRunId`) for `owner`. */
  async claim(owner: string, leaseMs: number, onlyRunId?: string): Promise<Run | null> {
    const only = onlyRunId ? sql`AND r.run_id = ${onlyRunId}` : sql``;
    const result = await sql<RunRow>`
      UPDATE runs SET status = 'running', attempt = attempt + 1, lease_owner = ${owner},
        lease_expires_at = now() + ${leaseMs} * interval '1 millisecond',
        started_at = coalesce(started_at, now()), updated_at = now()
      WHERE run_id = (
        SELECT r.run_id FROM runs r
        WHERE r.status = 'pending' AND r.available_at <= now() ${only}
          AND NOT EXISTS (SELECT 1 FROM runs o
            WHERE o.thread_id = r.thread_id AND o.status = 'running')
          AND NOT EXISTS (SELECT 1 FROM runs o
            WHERE o.thread_id = r.thread_id AND o.status = 'pending'
              AND (o.available_at, o.run_id) < (r.available_at, r.run_id))
        ORDER BY r.available_at, r.run_id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.db);
    const row = result.rows[0];
    return row ? toRun(row) : null;
  }

  /** Extends a lease; returns the pending cancel action, or `lost` when the lease is gone. */
  async renew(
    runId: string,
    owner: string,
    leaseMs: number,
  ): Promise<{ lost: boolean; cancelAction: CancelAction | null }> {
    const row = await this.db
      .updateTable("runs")
      .set({ lease_expires_at: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where("run_id", "=", runId)
      .where("lease_owner", "=", owner)
      .where("status", "=", "running")
      .returning("cancel_action")
      .executeTakeFirst();
    if (!row) return { lost: true, cancelAction: null };
    return { lost: false, cancelAction: (row.cancel_action as CancelAction | null) ?? null };
  }

  /** The leases of `runIds` (those still present) as `owner` holds them, in one query. */
  async leaseStates(runIds: string[], owner: string): Promise<Map<string, LeaseState>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("runs")
      .select(["run_id", "status", "lease_owner", "cancel_action"])
      .where("run_id", "in", runIds)
      .execute();
    return new Map(
      rows.map((r) => [
        r.run_id,
        {
          lost: r.status !== "running" || r.lease_owner !== owner,
          cancelAction: (r.cancel_action as CancelAction | null) ?? null,
        },
      ]),
    );
  }

  /**
   * Ends a run held by `owner` and updates its thread in the same transaction, under the thread
   * lock then the run's. A run gone or held by another worker is `lost`; a run asked to stop
   * (`cancel_action`) whose `state` is not a cancel outcome is not ended but `cancelled`, so a
   * cancel that raced with the run's last step still wins.
   */
  async finish(runId: string, owner: string, state: FinishState): Promise<FinishResult> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom("runs")
        .select("thread_id")
        .where("run_id", "=", runId)
        .executeTakeFirst();
      if (!found) return { kind: "lost" } as const;
      await lockThread(trx, found.thread_id);
      const run = await trx
        .selectFrom("runs")
        .select(["thread_id", "lease_owner", "status", "cancel_action"])
        .where("run_id", "=", runId)
        .forUpdate()
        .executeTakeFirst();
      if (!run || run.lease_owner !== owner || run.status !== "running")
        return { kind: "lost" } as const;
      const asked = run.cancel_action as CancelAction | null;
      if (asked && state.status !== "interrupted" && state.status !== "deleted")
        return { kind: "cancelled", action: asked } as const;
      if (state.status === "deleted") {
        await trx.deleteFrom("runs").where("run_id", "=", runId).execute();
      } else {
        await trx
          .updateTable("runs")
          .set({
            status: state.status,
            lease_owner: null,
            lease_expires_at: null,
            cancel_action: null,
            updated_at: sql`now()`,
          })
          .where("run_id", "=", runId)
          .execute();
      }
      await writeThreadState(trx, run.thread_id, state);
      return { kind: "finished" } as const;
    });
  }

  /** Hands a claimed run back to the queue (drain on shutdown). */
  async release(runId: string, owner: string): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: sql`now()` })
      .where("run_id", "=", runId)
      .where("lease_owner", "=", owner)
      .where("status", "=", "running")
      .execute();
  }

  /** Puts runs whose lease expired (their replica died) back in the queue; returns their ids. */
  async requeueExpired(): Promise<string[]> {
    const rows = await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: sql`now()` })
      .where("status", "=", "running")
      .where("lease_expires_at", "<", sql<Date>`now()`)
      .returning("run_id")
      .execute();
    return rows.map((r) => r.run_id);
  }

  /** Requeues every running run not owned by `owner` (embedded database: no other process). */
  async requeueOrphans(owner: string): Promise<string[]> {
    const rows = await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: sql`now()` })
      .where("status", "=", "running")
      .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_owner", "<>", owner)]))
      .returning("run_id")
      .execute();
    return rows.map((r) => r.run_id);
  }

  /** Repairs threads left `busy` with no pending or running run. */
  async repairBusyThreads(): Promise<number> {
    const rows = await sql<{ thread_id: string }>`
      UPDATE threads t SET status = CASE
          WHEN t.interrupts IS NOT NULL AND t.interrupts <> '{}'::jsonb THEN 'interrupted'
          ELSE 'idle' END,
        updated_at = now()
      WHERE t.status = 'busy' AND NOT EXISTS (
        SELECT 1 FROM runs r WHERE r.thread_id = t.thread_id AND r.status IN ('pending', 'running'))
      RETURNING t.thread_id`.execute(this.db);
    return rows.rows.length;
  }
}
