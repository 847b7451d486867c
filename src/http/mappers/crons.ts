/** Crons on the wire: the SDK's `Cron` shape (snake_case, ISO dates, `payload` verbatim). */
import type { Cron } from "../../crons/types.ts";

/** Fields a cron search may project with `select` (the SDK's `CronSelectField`). */
export const CRON_SELECT_FIELDS = [
  "cron_id",
  "assistant_id",
  "thread_id",
  "end_time",
  "schedule",
  "created_at",
  "updated_at",
  "user_id",
  "payload",
  "next_run_date",
  "metadata",
  "now",
  "timezone",
  "enabled",
  "on_run_completed",
] as const;

/** The cron as the SDK sees it; `select` keeps only the named fields (`now`: the server time). */
export function cronToWire(cron: Cron, select?: string[] | null): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    cron_id: cron.cronId,
    assistant_id: cron.assistantId,
    thread_id: cron.threadId,
    user_id: cron.userId,
    schedule: cron.schedule,
    timezone: cron.timezone,
    end_time: cron.endTime?.toISOString() ?? null,
    enabled: cron.enabled,
    on_run_completed: cron.onRunCompleted,
    payload: cron.payload,
    metadata: cron.metadata,
    next_run_date: cron.nextRunAt?.toISOString() ?? null,
    created_at: cron.createdAt.toISOString(),
    updated_at: cron.updatedAt.toISOString(),
  };
  if (!select || select.length === 0) return wire;
  const out: Record<string, unknown> = {};
  for (const field of select) out[field] = field === "now" ? new Date().toISOString() : wire[field];
  return out;
}
