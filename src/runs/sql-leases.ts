/**
 * `RunLeases` on PostgreSQL/PGlite: claiming a runnable run (one statement), renewing and
 * releasing its lease, finishing it together with its thread, the sweeps that requeue runs
 * whose replica died and repair threads left busy, and the requeue of the runs of one dead lease
 * owner (an executor thread of this process, `requeueOwner`).
 *
 * `finish` is four round trips: BEGIN, the thread lock (named `finish`), one statement, COMMIT.
 * The statement ends the run only if this worker still holds it and no cancel outcome is
 * pending (else it changes nothing and a second read says why), writes the thread's outcome
 * through the threads owner's fragment (or deletes a temporary thread), and signals
 * `olg_runs_done` (transactional: delivered after COMMIT) except for the first attempt of a
 * stateless run: nothing can wait for its thread, and its waiters learn its end from its event
 * log, completed after this COMMIT. A NOTIFY in a writing transaction holds PostgreSQL's notify
 * queue lock through the commit's WAL flush, which serialised concurrent finishes at c=100.
 * The lock is taken in its own statement first so the statement's snapshot sees every run the
 * thread got while this transaction waited for the lock (READ COMMITTED).
 */
import { type OperationNodeSource, type SqlBool, sql } from "kysely";
import type { Db } from "../storage/database.ts";
import { engineOf } from "../storage/engine/index.ts";
import { now, nowPlusMs } from "../storage/engine/neutral.ts";
import type { UnitOfWork } from "../storage/unit-of-work.ts";
import type { ThreadRunRows } from "../threads/run-rows.ts";
import type { FinishingRun, FinishResult, LeaseState, RunLeases } from "./ports.ts";
import { CHANNEL_DONE } from "./queue.ts";
import { type RunRow, toRun } from "./rows.ts";
import { ThreadLocks } from "./thread-lock.ts";
import type { CancelAction, FinishState, Run } from "./types.ts";

/** The statement ending a run (`RETURNING run_id`; a writable CTE on PostgreSQL). */
type RunEnd = OperationNodeSource & { execute(): Promise<{ run_id: string }[]> };

/** Queue leases on PostgreSQL/PGlite. */
export class SqlRunLeases implements RunLeases {
  readonly #locks: ThreadLocks;

  constructor(
    private readonly db: Db,
    private readonly threads: ThreadRunRows,
    locks?: ThreadLocks,
  ) {
    this.#locks = locks ?? new ThreadLocks(db, threads);
  }

  async claim(owner: string, leaseMs: number, onlyRunId?: string): Promise<Run | null> {
    const only = onlyRunId ? sql`AND r.run_id = ${onlyRunId}` : sql``;
    // Without SKIP LOCKED (SQLite) the claim's write transaction excludes every other writer.
    const skipLocked = engineOf(this.db).capabilities.skipLocked
      ? sql`FOR UPDATE SKIP LOCKED`
      : sql``;
    // The builder's `RETURNING` runs on every engine (MariaDB: lock, update, re-read).
    const row = await this.db
      .updateTable("runs")
      .set({
        status: "running",
        attempt: sql`attempt + 1`,
        lease_owner: owner,
        lease_expires_at: nowPlusMs(leaseMs),
        started_at: sql`coalesce(started_at, ${now()})`,
        updated_at: now(),
      })
      .where(
        "run_id",
        "=",
        sql<string>`(
        SELECT r.run_id FROM runs r
        WHERE r.status = 'pending' AND r.available_at <= ${now()} ${only}
          AND NOT EXISTS (SELECT 1 FROM runs o
            WHERE o.thread_id = r.thread_id AND o.status = 'running')
          AND NOT EXISTS (SELECT 1 FROM runs o
            WHERE o.thread_id = r.thread_id AND o.status = 'pending'
              AND (o.available_at, o.run_id) < (r.available_at, r.run_id))
        ORDER BY r.available_at, r.run_id
        LIMIT 1
        ${skipLocked})`,
      )
      .where("status", "=", "pending")
      .returningAll()
      .executeTakeFirst();
    return row ? toRun(row as RunRow) : null;
  }

  async renew(runId: string, owner: string, leaseMs: number): Promise<LeaseState> {
    const row = await this.db
      .updateTable("runs")
      .set({ lease_expires_at: nowPlusMs(leaseMs) })
      .where("run_id", "=", runId)
      .where("lease_owner", "=", owner)
      .where("status", "=", "running")
      .returning("cancel_action")
      .executeTakeFirst();
    if (!row) return { lost: true, cancelAction: null };
    return { lost: false, cancelAction: (row.cancel_action as CancelAction | null) ?? null };
  }

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

  finish(run: FinishingRun, owner: string, state: FinishState): Promise<FinishResult> {
    const { runId, threadId } = run;
    return this.#locks.run("finish", threadId, async (uow) => {
      const cancelOutcome = state.status === "interrupted" || state.status === "deleted";
      const held = sql<SqlBool>`run_id = ${runId} AND thread_id = ${threadId}
        AND lease_owner = ${owner} AND status = 'running'
        AND (${sql.lit(cancelOutcome)} OR cancel_action IS NULL)`;
      const end: RunEnd =
        state.status === "deleted" || run.temporary
          ? uow.trx.deleteFrom("runs").where(held).returning("run_id")
          : uow.trx
              .updateTable("runs")
              .set({
                status: state.status,
                lease_owner: null,
                lease_expires_at: null,
                cancel_action: null,
                updated_at: now(),
              })
              .where(held)
              .returning("run_id");
      const quiet = run.temporary && (run.attempt ?? 1) <= 1;
      const done = engineOf(uow.trx).capabilities.writableCte
        ? await this.#finishInOne(run, state, end, quiet, uow)
        : await this.#finishInSteps(run, state, end, quiet, uow);
      if (done) {
        this.threads.touched(uow, [threadId]);
        return { kind: "finished", next: done.thread_status === "busy" } as const;
      }
      // Nothing changed: say why (the thread lock keeps a cancel from changing it meanwhile).
      const current = await uow.trx
        .selectFrom("runs")
        .select(["lease_owner", "status", "cancel_action"])
        .where("run_id", "=", runId)
        .executeTakeFirst();
      if (!current || current.lease_owner !== owner || current.status !== "running")
        return { kind: "lost" } as const;
      return { kind: "cancelled", action: current.cancel_action as CancelAction } as const;
    });
  }

  /** The run's end, the thread's outcome and the signal in one statement (writable CTEs). */
  async #finishInOne(
    run: FinishingRun,
    state: FinishState,
    end: RunEnd,
    quiet: boolean | undefined,
    uow: UnitOfWork,
  ): Promise<{ thread_status: string | null } | undefined> {
    const ended = sql<SqlBool>`EXISTS (SELECT 1 FROM ended)`;
    const thread = run.temporary
      ? sql`${this.threads.deleteSql(run.threadId, ended)}`
      : this.threads.outcomeSql(uow.trx, run.threadId, run.runId, state, ended);
    // An engine without LISTEN/NOTIFY (CockroachDB) has no `pg_notify` function: the signal is a
    // statement of its own there, which its dialect hands to the wake-up carrier.
    const inline = !quiet && engineOf(uow.trx).capabilities.listenNotify;
    const signal = inline ? sql`, pg_notify(${CHANNEL_DONE}, ended.run_id::text)` : sql``;
    const done = await sql<{ thread_status: string | null }>`
      WITH ended AS (${end}), thread AS (${thread})
      SELECT (SELECT ${run.temporary ? sql`NULL` : sql`status`} FROM thread LIMIT 1) AS thread_status
        ${signal}
      FROM ended`.execute(uow.trx);
    if (!quiet && !inline && done.rows.length > 0)
      await sql`SELECT pg_notify(${CHANNEL_DONE}, ${run.runId})`.execute(uow.trx);
    return done.rows[0];
  }

  /**
   * The same in three statements of the thread-locked transaction (engines without writable
   * CTEs): the run's end, then (when it ended) the thread's outcome; the signal after COMMIT.
   */
  async #finishInSteps(
    run: FinishingRun,
    state: FinishState,
    end: RunEnd,
    quiet: boolean | undefined,
    uow: UnitOfWork,
  ): Promise<{ thread_status: string | null } | undefined> {
    const ended = await end.execute();
    if (ended.length === 0) return undefined;
    const always = sql<SqlBool>`1 = 1`;
    let threadStatus: string | null = null;
    if (run.temporary) await this.threads.deleteSql(run.threadId, always).execute(uow.trx);
    else {
      const out = await this.threads
        .outcomeSql(uow.trx, run.threadId, run.runId, state, always)
        .execute();
      threadStatus = out[0]?.status ?? null;
    }
    if (!quiet) await sql`SELECT pg_notify(${CHANNEL_DONE}, ${run.runId})`.execute(uow.trx);
    return { thread_status: threadStatus };
  }

  async release(runId: string, owner: string): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: now() })
      .where("run_id", "=", runId)
      .where("lease_owner", "=", owner)
      .where("status", "=", "running")
      .execute();
  }

  async requeueExpired(): Promise<string[]> {
    const rows = await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: now() })
      .where("status", "=", "running")
      .where("lease_expires_at", "<", now())
      .returning("run_id")
      .execute();
    return rows.map((r) => r.run_id);
  }

  async requeueOwner(owner: string): Promise<string[]> {
    const rows = await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: now() })
      .where("status", "=", "running")
      .where("lease_owner", "=", owner)
      .returning("run_id")
      .execute();
    return rows.map((r) => r.run_id);
  }

  async requeueOrphans(owner: string): Promise<string[]> {
    const rows = await this.db
      .updateTable("runs")
      .set({ status: "pending", lease_owner: null, lease_expires_at: null, updated_at: now() })
      .where("status", "=", "running")
      .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_owner", "<>", owner)]))
      .returning("run_id")
      .execute();
    return rows.map((r) => r.run_id);
  }

  /** Whether any run is queued (delayed ones too) or running, in every org the caller sees. */
  async hasOpenRuns(): Promise<boolean> {
    const row = await this.db
      .selectFrom("runs")
      .select("run_id")
      .where("status", "in", ["pending", "running"])
      .limit(1)
      .executeTakeFirst();
    return row != null;
  }

  repair(): Promise<number> {
    return this.threads.repairBusy(this.db);
  }
}
