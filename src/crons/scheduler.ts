/**
 * The cron scheduler of one replica. It sleeps until the earliest tick (by the database clock),
 * wakes early on NOTIFY `olg_crons` (a cron was created, changed or deleted on any replica), fires
 * what is due, and sleeps again. Every replica runs one; the database claim makes each tick fire
 * once. A long safety sleep bounds the wait in case a notification is lost.
 */
import type { Logger } from "../logging/logger.ts";
import { CHANNEL_CRONS } from "./service.ts";

/** The scheduler's view of the crons service. */
export interface CronFiring {
  fireDue(): Promise<number>;
  msUntilNextDue(): Promise<number | null>;
}

/** What the scheduler is built from. */
export interface CronSchedulerOptions {
  crons: CronFiring;
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  logger: Logger;
  /** Longest sleep without a due tick (a safety net, not the wake-up path). */
  maxSleepMs?: number;
  /** Back-off when a due tick is held by another replica's open transaction. */
  contendedMs?: number;
}

/** Wakes at the next tick and fires due crons. */
export class CronScheduler {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly o: CronSchedulerOptions) {}

  /** Subscribes to cron changes and runs a first pass. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.o.listen(CHANNEL_CRONS, () => this.kick());
    this.kick();
  }

  /** Runs a pass now (or right after the current one). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#running = this.#pass().finally(() => {
      this.#running = null;
      // A change arrived during the pass: its wake-up time may not have been seen yet.
      if (this.#again) this.kick();
    });
  }

  /** Stops waking up; waits for a pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#unsubscribe?.().catch(() => {});
    await this.#running;
  }

  async #pass(): Promise<void> {
    clearTimeout(this.#timer);
    let delay: number;
    try {
      let fired = 0;
      for (let n = await this.o.crons.fireDue(); n > 0; n = await this.o.crons.fireDue()) {
        fired += n;
        if (this.#stopped) return;
      }
      const ms = await this.o.crons.msUntilNextDue();
      const max = this.o.maxSleepMs ?? 60_000;
      // Still due although nothing fired: another replica holds the tick; look again shortly.
      if (ms != null && ms <= 0 && fired === 0) delay = this.o.contendedMs ?? 200;
      else delay = ms == null ? max : Math.min(max, Math.max(0, ms) + 5);
    } catch (err) {
      if (this.#stopped) return;
      this.o.logger.error({ err }, "cron scheduler pass failed");
      delay = 5_000;
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.kick(), delay);
    this.#timer.unref?.();
  }
}
