/**
 * Where a task lives: the thread and newest run of a task id (the first run's id, or
 * `metadata.a2a_task_id` of the runs that resumed it). Unscoped on purpose: the caller's reads that
 * follow go through the API and its auth, so an out-of-scope task still answers "not found".
 */
import type { Db } from "../storage/database.ts";
import { jsonText } from "../storage/engine/neutral.ts";
import type { TaskIndex } from "./tasks.ts";

/** The SQL task index. */
export class SqlTaskIndex implements TaskIndex {
  constructor(private readonly db: Db) {}

  async locate(taskId: string): Promise<{ threadId: string; runId: string } | null> {
    const row = await this.db
      .selectFrom("runs")
      .select(["thread_id", "run_id"])
      .where((eb) =>
        eb.or([eb("run_id", "=", taskId), eb(jsonText("metadata", "a2a_task_id"), "=", taskId)]),
      )
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? { threadId: row.thread_id, runId: row.run_id } : null;
  }
}
