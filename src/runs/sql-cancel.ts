/** Cancelling one run row (the runs store's cancel and multitask strategies). */

import { now } from "../storage/engine/neutral.ts";
import type { UnitOfWork } from "../storage/unit-of-work.ts";
import type { RunRow } from "./rows.ts";
import type { CancelAction, CancelledRun } from "./types.ts";

/**
 * Cancels one run row: pending ends now, running gets a cancel request. Each change is
 * conditional on the status it expects: a pending run claimed meanwhile (claims take no thread
 * lock) is asked to stop like any running run, a run that ended meanwhile is left alone.
 */
export async function cancelRow(
  uow: UnitOfWork,
  row: RunRow,
  action: CancelAction,
): Promise<CancelledRun> {
  const base = { runId: row.run_id, threadId: row.thread_id, action };
  if (row.status === "pending") {
    const ended =
      action === "rollback"
        ? await uow.trx
            .deleteFrom("runs")
            .where("run_id", "=", row.run_id)
            .where("status", "=", "pending")
            .returning("run_id")
            .executeTakeFirst()
        : await uow.trx
            .updateTable("runs")
            .set({ status: "interrupted", updated_at: now() })
            .where("run_id", "=", row.run_id)
            .where("status", "=", "pending")
            .returning("run_id")
            .executeTakeFirst();
    if (ended) return { ...base, effect: action === "rollback" ? "deleted" : "ended" };
  }
  if (row.status === "pending" || row.status === "running") {
    const signalled = await uow.trx
      .updateTable("runs")
      .set({ cancel_action: action, updated_at: now() })
      .where("run_id", "=", row.run_id)
      .where("status", "=", "running")
      .returning("run_id")
      .executeTakeFirst();
    if (signalled) return { ...base, effect: "signalled" };
  }
  return { ...base, effect: "none" };
}
