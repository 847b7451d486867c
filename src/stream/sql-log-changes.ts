/**
 * How readers of the SQL run event log (sql-log.ts) learn that a run changed: one LISTEN on
 * `olg_run_events` per process (payload: the run id, sent by every open, append and completion),
 * and per run read here a change counter, its reader count and the readers waiting for the next
 * change. A notification bumps the counter and wakes the waiters; a reader that sees the counter
 * move while it queried queries again, so a notification is never missed between query and wait.
 * Idle waits end on a clock-aligned timeout (`alignedDelay`), so idle readers re-check together in
 * one batched query; a lost notification only delays a reader by that timeout.
 */
import type { Listen } from "../storage/database.ts";
import { alignedDelay } from "./batch.ts";

/** The notification channel of appends and completions (payload: the run id). */
export const CHANNEL_RUN_EVENTS = "olg_run_events";

/** What this process knows of one run it reads: changes seen, readers, waiters for the next. */
export interface Change {
  version: number;
  readers: number;
  waiters: Set<() => void>;
}

/** The per-process change feed of the runs read here. */
export class RunChanges {
  readonly #listen: Listen;
  readonly #changes = new Map<string, Change>();
  #subscription: Promise<() => Promise<void>> | undefined;

  constructor(listen: Listen) {
    this.#listen = listen;
  }

  /** LISTENs once (later calls share the subscription); resolves to its unlisten. */
  subscribe(): Promise<() => Promise<void>> {
    this.#subscription ??= this.#listen(CHANNEL_RUN_EVENTS, (runId) => {
      const change = this.#changes.get(runId);
      if (!change) return;
      change.version += 1;
      for (const wake of [...change.waiters]) wake();
    });
    return this.#subscription;
  }

  /** Counts one more reader of `runId`; pair with `release`. */
  acquire(runId: string): Change {
    let change = this.#changes.get(runId);
    if (!change) {
      change = { version: 0, readers: 0, waiters: new Set() };
      this.#changes.set(runId, change);
    }
    change.readers += 1;
    return change;
  }

  /** Counts one reader of `runId` less; the run is forgotten with its last reader. */
  release(runId: string, change: Change): void {
    change.readers -= 1;
    if (change.readers === 0) this.#changes.delete(runId);
  }

  /** Resolves true on a change of the run, false on the idle timeout or abort. */
  wait(change: Change, idleMs: number, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (woke: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        change.waiters.delete(onWake);
        resolve(woke);
      };
      const onWake = () => done(true);
      const onAbort = () => done(false);
      change.waiters.add(onWake);
      signal.addEventListener("abort", onAbort, { once: true });
      // Aligned on the clock: idle readers re-check together, in one batched query.
      const timer = setTimeout(() => done(false), alignedDelay(idleMs));
    });
  }

  /** Stops listening (if it ever started). */
  async close(): Promise<void> {
    const off = await this.#subscription?.catch(() => undefined);
    await off?.().catch(() => {});
  }
}
