/**
 * Delivers run webhooks: checks the URL policy, adds the configured headers and a Standard
 * Webhooks signature, retries transient failures (network errors, timeouts, 408, 429, 5xx) with
 * exponential backoff with jitter (honouring `Retry-After`, capped), and records a dead letter
 * when it gives up or the destination is refused. Permanent answers (other 4xx) are not retried.
 */
import type { BlockList } from "node:net";
import { newId } from "../core/ids.ts";
import type { Logger } from "../logging/logger.ts";
import { type WebhookResult, type WebhookSender, webhookPayload } from "../runs/webhook.ts";
import type { DeadLetter, NewDeadLetter } from "./dead-letters.ts";
import {
  type AttemptResult,
  deliverOnce,
  type LoopbackDispatch,
  resolveChecked,
} from "./deliver.ts";
import {
  checkWebhookUrl,
  networkAllowlist,
  WebhookUrlError,
  type WebhookUrlPolicy,
} from "./policy.ts";
import { signatureHeaders } from "./signature.ts";

/** Resolved webhook settings (templates already expanded by the config loader). */
export interface WebhookSettings {
  disabled: boolean;
  policy: WebhookUrlPolicy;
  headers: Record<string, string>;
  signingSecret: string | null;
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

/** Where given-up deliveries go. */
export interface DeadLetterSink {
  record(entry: NewDeadLetter): Promise<DeadLetter>;
}

/** What the dispatcher is built from. */
export interface DispatcherOptions {
  settings: WebhookSettings;
  deadLetters: DeadLetterSink;
  logger: Logger;
  /** The app's own fetch, for relative paths (when the policy allows them). */
  loopback?: LoopbackDispatch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
}

const transient = (status: number) => status === 408 || status === 429 || status >= 500;

/** The outcome of one delivery with its retries. */
export interface DeliveryOutcome {
  delivered: boolean;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** The webhook dispatcher (also the runs engine's `WebhookSender`). */
export class WebhookDispatcher implements WebhookSender {
  readonly #allow: BlockList;
  readonly #sleep: (ms: number) => Promise<void>;
  #sending = 0;

  constructor(private readonly o: DispatcherOptions) {
    this.#allow = networkAllowlist(o.settings.policy.allowedNetworks);
    this.#sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Checks a URL at ingestion (run or cron creation), DNS included; throws `WebhookUrlError`
   * (a 422 for the client) when the policy refuses it.
   */
  async validate(url: string): Promise<void> {
    const target = checkWebhookUrl(url, this.o.settings.policy, this.#allow);
    if (target.kind === "remote") await resolveChecked(target.host, this.#allow);
  }

  /** Deliveries (with their retries) not finished yet. */
  get sending(): number {
    return this.#sending;
  }

  async send(url: string, result: WebhookResult): Promise<boolean> {
    this.#sending++;
    try {
      return await this.#send(url, result);
    } finally {
      this.#sending--;
    }
  }

  async #send(url: string, result: WebhookResult): Promise<boolean> {
    if (this.o.settings.disabled) {
      this.o.logger.info({ url, run_id: result.run.runId }, "webhooks disabled; not sent");
      return false;
    }
    const payload = webhookPayload(result, this.#now());
    const outcome = await this.deliver(url, payload);
    if (outcome.delivered) return true;
    const { run } = result;
    await this.o.deadLetters
      .record({
        runId: run.runId,
        threadId: run.threadId,
        assistantId: run.assistantId,
        url,
        payload,
        attempts: outcome.attempts,
        lastStatus: outcome.lastStatus,
        lastError: outcome.lastError,
      })
      .catch((err) => this.o.logger.error({ err, run_id: run.runId }, "dead letter not recorded"));
    this.o.logger.error(
      { url, run_id: run.runId, attempts: outcome.attempts, status: outcome.lastStatus },
      "webhook given up; dead letter recorded",
    );
    return false;
  }

  /** Delivers one payload with retries; never throws. */
  async deliver(url: string, payload: Record<string, unknown>): Promise<DeliveryOutcome> {
    const s = this.o.settings;
    let target: ReturnType<typeof checkWebhookUrl>;
    try {
      target = checkWebhookUrl(url, s.policy, this.#allow);
    } catch (err) {
      return { delivered: false, attempts: 0, lastStatus: null, lastError: (err as Error).message };
    }
    const body = JSON.stringify(payload);
    const deliveryId = `msg_${newId()}`;
    let last: AttemptResult = { kind: "failed", error: "not attempted", refused: false };
    let attempts = 0;
    for (let i = 0; i < s.maxAttempts; i++) {
      if (i > 0) await this.#sleep(this.#delay(i, last));
      attempts++;
      const headers: Record<string, string> = {
        ...s.headers,
        "content-type": "application/json",
        ...(s.signingSecret
          ? signatureHeaders(s.signingSecret, deliveryId, body, this.#now())
          : {}),
      };
      last = await deliverOnce(target, body, headers, {
        allow: this.#allow,
        timeoutMs: s.timeoutMs,
        loopback: this.o.loopback,
      });
      if (last.kind === "answered" && last.status >= 200 && last.status < 300)
        return { delivered: true, attempts, lastStatus: last.status, lastError: null };
      if (last.kind === "answered" && !transient(last.status)) break;
      if (last.kind === "failed" && last.refused) break;
      this.o.logger.warn(
        {
          url,
          attempt: attempts,
          ...(last.kind === "answered" ? { status: last.status } : { error: last.error }),
        },
        "webhook attempt failed",
      );
    }
    return {
      delivered: false,
      attempts,
      lastStatus: last.kind === "answered" ? last.status : null,
      lastError: last.kind === "failed" ? last.error : `receiver answered ${last.status}`,
    };
  }

  /** Exponential backoff with equal jitter (half fixed, half random); a `Retry-After` answer wins (both capped). */
  #delay(retry: number, last: AttemptResult): number {
    const s = this.o.settings;
    if (last.kind === "answered" && last.retryAfterMs != null)
      return Math.min(last.retryAfterMs, s.maxDelayMs);
    const ceiling = Math.min(s.maxDelayMs, s.initialDelayMs * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (this.o.random ?? Math.random)() * (ceiling / 2));
  }

  #now(): Date {
    return this.o.now?.() ?? new Date();
  }
}

export { WebhookUrlError };
