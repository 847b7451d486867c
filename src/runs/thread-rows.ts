/**
 * Thread rows as the runs engine changes them: locking (always before touching the thread's runs,
 * so every path takes locks in the same order), cancel of one run row, and the thread status
 * derived from the run rows under that lock (a thread is never left `busy` without an active run).
 */
import { sql, type Transaction } from "kysely";
import type { Database } from "../storage/database.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeMatches } from "../storage/sql/scope.ts";
import type { RunRow } from "./rows.ts";
import type { CancelAction, CancelledRun, FinishState } from "./types.ts";

type Tx = Transaction<Database>;

/** The locked thread row. */
export type ThreadRow = { thread_id: string; metadata: unknown; config: unknown; status: string };

const j = jsonb;

/** Locks a thread row for the rest of the transaction. */
export async function lockThread(
  trx: Tx,
  threadId: string,
  scope?: Record<string, unknown>,
): Promise<ThreadRow | undefined> {
  // A thread outside the caller's auth scope is not locked, not read: it behaves as missing.
  return trx
    .selectFrom("threads")
    .select(["thread_id", "metadata", "config", "status"])
    .where("thread_id", "=", threadId)
    .where(scopeMatches("threads.metadata", scope))
    .forUpdate()
    .executeTakeFirst();
}

/** Cancels one run row: pending ends now, running gets a cancel request. */
export async function cancelRow(trx: Tx, row: RunRow, action: CancelAction): Promise<CancelledRun> {
  const base = { runId: row.run_id, threadId: row.thread_id, action };
  if (row.status === "pending") {
    if (action === "rollback") {
      await trx.deleteFrom("runs").where("run_id", "=", row.run_id).execute();
      return { ...base, effect: "deleted" };
    }
    await trx
      .updateTable("runs")
      .set({ status: "interrupted", updated_at: sql`now()` })
      .where("run_id", "=", row.run_id)
      .execute();
    return { ...base, effect: "ended" };
  }
  if (row.status === "running") {
    await trx
      .updateTable("runs")
      .set({ cancel_action: action, updated_at: sql`now()` })
      .where("run_id", "=", row.run_id)
      .execute();
    return { ...base, effect: "signalled" };
  }
  return { ...base, effect: "none" };
}

async function hasInflight(trx: Tx, threadId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("runs")
    .select("run_id")
    .where("thread_id", "=", threadId)
    .where("status", "in", ["pending", "running"])
    .limit(1)
    .executeTakeFirst();
  return row != null;
}

/** Thread status when nothing is in flight any more: derived from the cached interrupts. */
export async function repairThread(trx: Tx, threadId: string): Promise<void> {
  if (await hasInflight(trx, threadId)) return;
  await sql`UPDATE threads SET status = CASE
      WHEN status <> 'busy' THEN status
      WHEN interrupts IS NOT NULL AND interrupts <> '{}'::jsonb THEN 'interrupted'
      ELSE 'idle' END, updated_at = now()
    WHERE thread_id = ${threadId}`.execute(trx);
}

/** Writes the thread status (and cached state) after a run ended. */
export async function writeThreadState(
  trx: Tx,
  threadId: string,
  state: FinishState,
): Promise<void> {
  const busy = await hasInflight(trx, threadId);
  const status = busy
    ? "busy"
    : state.failed
      ? "error"
      : state.interrupted
        ? "interrupted"
        : "idle";
  const patch: Record<string, unknown> = { status, updated_at: sql`now()` };
  if (state.values !== undefined) {
    patch.values = j(state.values);
    patch.interrupts = j(state.interrupts ?? {});
    patch.state_updated_at = sql`now()`;
  }
  await trx.updateTable("threads").set(patch).where("thread_id", "=", threadId).execute();
}
