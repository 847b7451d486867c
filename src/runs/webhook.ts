/**
 * Run-completion webhooks: `POST <webhook>` with the run plus `status`, `run_started_at`,
 * `run_ended_at`, `webhook_sent_at`, `values` (and `error`), as the official server sends. A path
 * starting with `/` is dispatched in-process through the app's own fetch (loopback). Network
 * failures and 5xx answers are retried with exponential backoff.
 */
import type { Logger } from "../logging/logger.ts";
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

/** Options of the HTTP sender. */
export interface HttpWebhookOptions {
  /** The app's own fetch, for relative webhook paths. */
  loopback?: (request: Request) => Response | Promise<Response>;
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  logger: Logger;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Delivers webhooks over HTTP (or loopback), retrying transient failures. */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly o: HttpWebhookOptions) {}

  async send(url: string, result: WebhookResult): Promise<boolean> {
    const body = JSON.stringify(webhookPayload(result, new Date()));
    const attempts = this.o.attempts ?? 4;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep((this.o.baseDelayMs ?? 500) * 2 ** (i - 1));
      try {
        const res = await this.#post(url, body);
        if (res.status < 500) {
          if (res.status >= 400)
            this.o.logger.warn({ url, status: res.status }, "webhook rejected by receiver");
          return res.ok;
        }
      } catch (err) {
        this.o.logger.warn({ err, url, attempt: i + 1 }, "webhook delivery failed");
      }
    }
    this.o.logger.error({ url, run_id: result.run.runId }, "webhook gave up after retries");
    return false;
  }

  async #post(url: string, body: string): Promise<Response> {
    const init: RequestInit = {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
    };
    if (url.startsWith("/")) {
      if (!this.o.loopback) throw new Error("loopback fetch is not bound");
      return this.o.loopback(new Request(`http://localhost${url}`, init));
    }
    return fetch(url, init);
  }
}
