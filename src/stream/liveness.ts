/**
 * One run-liveness watcher per process, shared by every open stream. A reader that saw no event for
 * its idle interval asks `isActive(runId)` (the `stillActive` of `ReadOptions`) whether its run is
 * still pending or running, to stop reading a run whose worker died without completing its log.
 * Asked per reader, that was one database transaction per idle stream per second (issue 24:
 * 1,000 idle streams = 800 transactions/s). Here the questions of every reader are pooled: at most
 * one batched query (`activeAmong(ids)`, ids in chunks of `batchSize`) per `intervalMs`, and an
 * answer younger than `intervalMs` is served from memory. A failed query answers "active" (the
 * reader keeps waiting; the next interval asks again), as a database outage must not end streams.
 * The normal end of a stream is the log's completion marker, never this watcher.
 */

/** What the watcher is built from. */
export interface LivenessOptions {
  /** The subset of `runIds` that is still pending or running (one query). */
  activeAmong(runIds: string[]): Promise<Set<string>>;
  /** Minimum time between two queries, and how long an answer is reused. Default 1000 ms. */
  intervalMs?: number;
  /** Max run ids per query. Default 1000. */
  batchSize?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

interface Answer {
  active: boolean;
  at: number;
}

/** Pools the liveness questions of every reader of this process into one query per interval. */
export class RunLiveness {
  readonly #activeAmong: LivenessOptions["activeAmong"];
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #now: () => number;
  readonly #answers = new Map<string, Answer>();
  readonly #waiting = new Map<string, ((active: boolean) => void)[]>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastQueryAt = Number.NEGATIVE_INFINITY;
  #queries = 0;

  constructor(options: LivenessOptions) {
    this.#activeAmong = options.activeAmong;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#batchSize = Math.max(1, options.batchSize ?? 1_000);
    this.#now = options.now ?? Date.now;
  }

  /** Whether `runId` is still pending or running (answered from the last pooled query if fresh). */
  isActive(runId: string): Promise<boolean> {
    const known = this.#answers.get(runId);
    if (known && this.#now() - known.at < this.#intervalMs) return Promise.resolve(known.active);
    return new Promise((resolve) => {
      const list = this.#waiting.get(runId);
      if (list) list.push(resolve);
      else this.#waiting.set(runId, [resolve]);
      this.#schedule();
    });
  }

  /** Records that a run ended (e.g. from a run-ended notification): answered false from now on. */
  ended(runId: string): void {
    this.#answers.set(runId, { active: false, at: this.#now() });
    const list = this.#waiting.get(runId);
    this.#waiting.delete(runId);
    for (const resolve of list ?? []) resolve(false);
  }

  /** Number of queries sent so far (for tests and metrics). */
  get queries(): number {
    return this.#queries;
  }

  /** Stops the timer; pending questions are answered "active". */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const list of waiting) for (const resolve of list) resolve(true);
  }

  #schedule(): void {
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastQueryAt + this.#intervalMs - this.#now());
    this.#timer = setTimeout(() => void this.#flush(), wait);
    this.#timer.unref?.();
  }

  async #flush(): Promise<void> {
    this.#lastQueryAt = this.#now();
    const batch = new Map(this.#waiting);
    this.#waiting.clear();
    const ids = [...batch.keys()];
    // Answers that can no longer be reused are dropped, so the map only holds open streams' runs.
    for (const [id, answer] of this.#answers)
      if (this.#lastQueryAt - answer.at >= this.#intervalMs) this.#answers.delete(id);
    for (let i = 0; i < ids.length; i += this.#batchSize) {
      const chunk = ids.slice(i, i + this.#batchSize);
      this.#queries += 1;
      const active = await this.#activeAmong(chunk).catch(() => undefined);
      const at = this.#now();
      for (const id of chunk) {
        const answer = active ? active.has(id) : true;
        if (active) this.#answers.set(id, { active: answer, at });
        for (const resolve of batch.get(id) ?? []) resolve(answer);
      }
    }
    this.#timer = undefined;
    if (this.#waiting.size > 0) this.#schedule();
  }
}
