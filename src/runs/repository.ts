/**
 * SQL of the runs feature. The `runs` table is the queue: a worker claims the oldest available run
 * of a thread that has no running run with `FOR UPDATE SKIP LOCKED` and holds a lease it renews.
 * Every change of a run's state and of its thread's status happens in one transaction that first
 * locks the thread row, so run creation, finishing and cancelling are serialised per thread.
 */
import { type SqlBool, sql, type Transaction } from "kysely";
import type { Database } from "../storage/database.ts";
import { jsonbMatches } from "../storage/sql/filters.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeMatches, scopeSql } from "../storage/sql/scope.ts";
import { RunLeaseRepository } from "./lease-repository.ts";
import { toRun } from "./rows.ts";
import { cancelRow, lockThread, repairThread } from "./thread-rows.ts";
import type { CancelAction, CancelledRun, CancelSelector, Run, RunListQuery } from "./types.ts";

export type { FinishState } from "./lease-repository.ts";

/** A transaction of the runs tables (callers may create runs inside their own). */
export type Tx = Transaction<Database>;

/** The thread a new run lands on, as seen inside the creating transaction. */
export interface ThreadView {
  threadId: string;
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  created: boolean;
}

/** A run to insert; `build` computes its stored form from the (locked) thread. */
export interface InsertRunSpec {
  runId: string;
  threadId: string;
  assistantId: string;
  multitaskStrategy: Run["multitaskStrategy"];
  /** Create the thread when missing (if_not_exists=create, stateless runs). */
  createThread: boolean;
  /** Metadata of a thread this call creates. */
  newThreadMetadata: Record<string, unknown>;
  afterSeconds: number;
  /** Auth scope the existing thread must match (else it behaves as missing). */
  scope?: Record<string, unknown>;
  build(thread: ThreadView): {
    kwargs: Run["kwargs"];
    metadata: Record<string, unknown>;
    threadMetadataPatch: Record<string, unknown>;
    threadConfig: Record<string, unknown>;
  };
}

/** Outcome of an insert. */
export type InsertOutcome =
  | { kind: "created"; run: Run; cancelled: CancelledRun[] }
  | { kind: "busy" }
  | { kind: "thread_missing" };

export type { CancelledRun } from "./types.ts";

const j = jsonb;
const asObject = (v: unknown): Record<string, unknown> =>
  (typeof v === "string" ? JSON.parse(v) : (v ?? {})) as Record<string, unknown>;

/** The runs queue and run rows on PostgreSQL/PGlite. */
export class RunsRepository extends RunLeaseRepository {
  /** Inserts a run applying the multitask strategy; everything in one transaction. */
  async insert(spec: InsertRunSpec, within?: Tx): Promise<InsertOutcome> {
    // `within`: the caller's transaction (a cron tick claims its cron and creates the run atomically).
    const body = async (trx: Tx): Promise<InsertOutcome> => {
      let thread = await lockThread(trx, spec.threadId, spec.scope);
      let created = false;
      if (!thread) {
        if (!spec.createThread) return { kind: "thread_missing" } as const;
        await trx
          .insertInto("threads")
          .values({
            thread_id: spec.threadId,
            metadata: j(spec.newThreadMetadata),
            config: j({}),
            status: "busy",
            values: null,
            interrupts: j({}),
            error: null,
            ttl_strategy: null,
            ttl_minutes: null,
            expires_at: null,
          })
          .onConflict((oc) => oc.column("thread_id").doNothing())
          .execute();
        thread = await lockThread(trx, spec.threadId, spec.scope);
        if (!thread) return { kind: "thread_missing" } as const;
        created = true;
      }
      const inflight = await trx
        .selectFrom("runs")
        .selectAll()
        .where("thread_id", "=", spec.threadId)
        .where("status", "in", ["pending", "running"])
        .execute();
      if (spec.multitaskStrategy === "reject" && inflight.length > 0)
        return { kind: "busy" } as const;

      const built = spec.build({
        threadId: spec.threadId,
        metadata: asObject(thread.metadata),
        config: asObject(thread.config),
        created,
      });
      const row = await trx
        .insertInto("runs")
        .values({
          run_id: spec.runId,
          thread_id: spec.threadId,
          assistant_id: spec.assistantId,
          status: "pending",
          metadata: j(built.metadata),
          kwargs: j(built.kwargs),
          multitask_strategy: spec.multitaskStrategy,
          available_at: sql<Date>`now() + ${spec.afterSeconds} * interval '1 second'`,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("threads")
        .set({
          status: "busy",
          metadata: sql`metadata || ${j(built.threadMetadataPatch)}`,
          config: j(built.threadConfig),
          updated_at: sql`now()`,
        })
        .where("thread_id", "=", spec.threadId)
        .execute();

      const cancelled: CancelledRun[] = [];
      if (spec.multitaskStrategy === "interrupt" || spec.multitaskStrategy === "rollback") {
        for (const old of inflight)
          cancelled.push(await cancelRow(trx, old, spec.multitaskStrategy));
      }
      return { kind: "created", run: toRun(row), cancelled } as const;
    };
    return within ? body(within) : this.db.transaction().execute(body);
  }

  /** One run (optionally constrained to a thread, and to threads in the auth `scope`). */
  async get(
    runId: string,
    threadId?: string,
    scope?: Record<string, unknown>,
  ): Promise<Run | null> {
    let q = this.db.selectFrom("runs").selectAll().where("run_id", "=", runId);
    if (threadId) q = q.where("thread_id", "=", threadId);
    if (scope) q = q.where(threadInScope(scope));
    const row = await q.executeTakeFirst();
    return row ? toRun(row) : null;
  }

  /** Runs of a thread, newest first. */
  async list(
    threadId: string,
    query: RunListQuery,
    scope?: Record<string, unknown>,
  ): Promise<Run[]> {
    let q = this.db.selectFrom("runs").selectAll().where("thread_id", "=", threadId);
    if (scope) q = q.where(threadInScope(scope));
    if (query.status) q = q.where("status", "=", query.status);
    if (query.metadata) q = q.where((eb) => jsonbMatches(eb, "metadata", query.metadata!));
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("run_id", "desc")
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toRun);
  }

  /** Whether a thread row exists (and is in the auth `scope`). */
  async threadExists(threadId: string, scope?: Record<string, unknown>): Promise<boolean> {
    const row = await this.db
      .selectFrom("threads")
      .select("thread_id")
      .where("thread_id", "=", threadId)
      .where(scopeMatches("threads.metadata", scope))
      .executeTakeFirst();
    return row != null;
  }

  /** Cached values of a thread (null when missing). */
  async threadValues(threadId: string): Promise<{ values: unknown } | null> {
    const row = await this.db
      .selectFrom("threads")
      .select("values")
      .where("thread_id", "=", threadId)
      .executeTakeFirst();
    return row ? { values: row.values ?? null } : null;
  }

  /** Deletes a run; returns it (null when missing). Its thread status is repaired. */
  async delete(
    runId: string,
    threadId?: string,
    scope?: Record<string, unknown>,
  ): Promise<Run | null> {
    return this.db.transaction().execute(async (trx) => {
      const run = await this.#find(trx, runId, threadId, scope);
      if (!run) return null;
      await lockThread(trx, run.threadId);
      await trx.deleteFrom("runs").where("run_id", "=", runId).execute();
      await repairThread(trx, run.threadId);
      return run;
    });
  }

  /**
   * Cancels the selected runs. Pending runs end at once (interrupted, or deleted for rollback);
   * running runs get `cancel_action` set for their worker. Returns what was touched.
   */
  async cancel(
    selector: CancelSelector,
    action: CancelAction,
    scope?: Record<string, unknown>,
    reason?: string,
  ): Promise<CancelledRun[]> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom("runs").selectAll();
      if (scope) q = q.where(threadInScope(scope));
      if (selector.threadId) q = q.where("thread_id", "=", selector.threadId);
      if (selector.runIds) q = q.where("run_id", "in", selector.runIds);
      const statuses =
        selector.status === "pending"
          ? ["pending"]
          : selector.status === "running"
            ? ["running"]
            : selector.status === "all"
              ? ["pending", "running"]
              : null;
      if (statuses) q = q.where("status", "in", statuses);
      const rows = await q.orderBy("thread_id").execute();
      const threads = [...new Set(rows.map((r) => r.thread_id))].sort();
      for (const t of threads) await lockThread(trx, t);
      const out: CancelledRun[] = [];
      for (const row of rows) out.push(await cancelRow(trx, row, action));
      const marked = out.filter((t) => t.effect === "ended" || t.effect === "signalled");
      if (reason && marked.length > 0)
        await trx
          .updateTable("runs")
          .set({ cancel_reason: reason })
          .where(
            "run_id",
            "in",
            marked.map((t) => t.runId),
          )
          .execute();
      for (const t of threads) await repairThread(trx, t);
      return out;
    });
  }

  /** Deletes a thread (temporary threads of stateless runs). */
  async deleteThread(threadId: string): Promise<void> {
    await this.db.deleteFrom("threads").where("thread_id", "=", threadId).execute();
  }

  async #find(
    trx: Tx,
    runId: string,
    threadId?: string,
    scope?: Record<string, unknown>,
  ): Promise<Run | null> {
    let q = trx.selectFrom("runs").selectAll().where("run_id", "=", runId);
    if (threadId) q = q.where("thread_id", "=", threadId);
    if (scope) q = q.where(threadInScope(scope));
    const row = await q.executeTakeFirst();
    return row ? toRun(row) : null;
  }
}

/** Runs are scoped through their thread's metadata: the run's thread must match the auth scope. */
function threadInScope(scope: Record<string, unknown>) {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM threads t WHERE t.thread_id = runs.thread_id AND ${scopeSql(sql.ref("t.metadata"), scope)})`;
}
