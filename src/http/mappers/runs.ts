/** Runs on the wire: snake_case fields, ISO dates, `kwargs` verbatim (as the official server). */
import type { Run } from "../../runs/types.ts";

/** Fields a run listing may project with `select`. */
export const RUN_FIELDS = [
  "run_id",
  "thread_id",
  "assistant_id",
  "created_at",
  "updated_at",
  "status",
  "metadata",
  "kwargs",
  "multitask_strategy",
  "cancel_reason",
] as const;

/** The run as the SDK sees it; `select` keeps only the named fields. */
export function runToWire(run: Run, select?: string[]): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    status: run.status,
    metadata: run.metadata,
    kwargs: run.kwargs,
    multitask_strategy: run.multitaskStrategy,
    cancel_reason: run.cancelReason ?? null,
  };
  if (!select || select.length === 0) return wire;
  return Object.fromEntries(Object.entries(wire).filter(([k]) => select.includes(k)));
}

/** `Content-Location` of a run resource. */
export function runLocation(run: Pick<Run, "runId" | "threadId">, stateless: boolean): string {
  return stateless ? `/runs/${run.runId}` : `/threads/${run.threadId}/runs/${run.runId}`;
}
