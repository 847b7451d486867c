/**
 * Who waits for a run to end hears it here instead of polling its row. Two sources: the executor
 * of this process (`finished`, called before the run's event log completes, so a waiter woken by
 * the log already knows), and the `olg_runs_done` signal every replica's `finish` sends after its
 * COMMIT (LISTEN, subscribed on first use, before the waiter reads the row: no lost wake-up).
 * A waiter still re-reads the row after `safetyMs` (default 5 s) in case a signal was lost while
 * the LISTEN connection reconnected.
 */

/** LISTEN on a channel; resolves with an unsubscribe. */
export type Listen = (
  channel: string,
  fn: (payload: string) => void,
) => Promise<() => Promise<void>>;

const RECENT = 4096;

/** Run-end signals of this process. */
export class DoneSignals {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #recent = new Set<string>();
  #listening: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(
    private readonly channel: string,
    private readonly listen?: Listen,
    readonly safetyMs = 5000,
  ) {}

  /** A run ended (here, or signalled by another replica): wake its waiters. */
  finished(runId: string): void {
    this.#recent.add(runId);
    if (this.#recent.size > RECENT) this.#recent.delete(this.#recent.values().next().value!);
    const waiting = this.#waiters.get(runId);
    this.#waiters.delete(runId);
    for (const wake of waiting ?? []) wake();
  }

  /** Whether this process saw the run end recently (its row is final: no read needed). */
  seen(runId: string): boolean {
    return this.#recent.has(runId);
  }

  /** Subscribes to the done signal (once); call before reading the run row. */
  async subscribe(): Promise<void> {
    if (!this.listen) return;
    this.#listening ??= this.listen(this.channel, (runId) => this.finished(runId)).catch(
      () => undefined,
    );
    await this.#listening;
  }

  /**
   * Resolves when `runId` ends, `signal` aborts or `ms` passed; register it before reading the
   * row (then `cancel` it if the row already shows the end).
   */
  wait(runId: string, ms: number, signal?: AbortSignal): { done: Promise<void>; cancel(): void } {
    let wake = () => {};
    const done = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const set = this.#waiters.get(runId) ?? new Set<() => void>();
    this.#waiters.set(runId, set);
    set.add(wake);
    const timer = setTimeout(wake, ms);
    timer.unref?.();
    const onAbort = () => wake();
    signal?.addEventListener("abort", onAbort, { once: true });
    const cancel = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      const waiting = this.#waiters.get(runId);
      waiting?.delete(wake);
      if (waiting?.size === 0) this.#waiters.delete(runId);
      wake();
    };
    return { done: done.then(cancel), cancel };
  }

  /** Unsubscribes. */
  async close(): Promise<void> {
    const off = await this.#listening;
    this.#listening = undefined;
    await off?.().catch(() => {});
  }
}
