/**
 * Run-completion webhooks as the runs engine sees them: `POST <webhook>` with the run plus
 * `status`, `run_started_at`, `run_ended_at`, `webhook_sent_at`, `values` (and `error`), as the
 * official server sends. Delivery (URL policy, signatures, retries, dead letters) is
 * `src/webhooks`.
 */
import type { Run } from "./types.ts";

/** What a finished run reports. */
export interface WebhookResult {
  run: Run;
  startedAt: Date;
  endedAt: Date;
  values: unknown;
  error?: string;
}

/** Sends webhooks. */
export interface WebhookSender {
  send(url: string, result: WebhookResult): Promise<boolean>;
}

/** The JSON body of a webhook call. */
export function webhookPayload(result: WebhookResult, sentAt: Date): Record<string, unknown> {
  const { run } = result;
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    metadata: run.metadata,
    kwargs: run.kwargs,
    multitask_strategy: run.multitaskStrategy,
    status: run.status,
    run_started_at: result.startedAt.toISOString(),
    run_ended_at: result.endedAt.toISOString(),
    webhook_sent_at: sentAt.toISOString(),
    values: result.values,
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}
