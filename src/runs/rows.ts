/** Row ↔ domain mapping of the `runs` table. */
import type { Selectable } from "kysely";
import type { RunsTable } from "../storage/database.ts";
import { fromJson, jsonObject } from "../storage/sql/json.ts";
import type { MultitaskStrategy, Run, RunKwargs, RunStatus } from "./types.ts";

/** A selected `runs` row. */
export type RunRow = Selectable<RunsTable>;

const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

/** The domain run of a row. */
export function toRun(row: RunRow): Run {
  return {
    runId: row.run_id,
    threadId: row.thread_id,
    assistantId: row.assistant_id,
    status: row.status as RunStatus,
    metadata: jsonObject(row.metadata),
    kwargs: fromJson<RunKwargs>(row.kwargs),
    multitaskStrategy: row.multitask_strategy as MultitaskStrategy,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    attempt: Number(row.attempt),
    startedAt: row.started_at == null ? null : date(row.started_at),
    cancelReason: row.cancel_reason ?? null,
    ...(row.org_id ? { orgId: row.org_id } : {}),
  };
}
