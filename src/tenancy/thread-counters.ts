/**
 * Run quota counters and locks shared by the threads of one process without Redis: the embedded
 * default runs HTTP routes on one thread and runs and crons on the executor thread
 * (src/server/executor-thread.ts), and both must count the same `runs_per_day`, take the same
 * per-org admission and store locks. The HTTP thread keeps them ({@link hostThreadCounters}, a
 * {@link MemoryRunCounters}) and answers the executor thread's {@link ThreadRunCounters} over a
 * `BroadcastChannel` named after the server's database and port (both threads' settings have
 * them, so no extra plumbing between the threads).
 *
 * A lock held from another thread has a lease (10 s, as Redis's `SET NX PX` lock): a thread that
 * died holding one does not block its org for ever. A request unanswered in 10 s (no host: the
 * HTTP thread is gone) fails with an error, as a Redis call would.
 */
import { randomUUID } from "node:crypto";
import { BroadcastChannel } from "node:worker_threads";
import { MemoryRunCounters, type RunCounters } from "./run-quotas.ts";

/** The channel of a server's counters: its database (a folder, or in memory) and port. */
export function counterChannel(dataDir: string | null, port: number): string {
  return `olg-run-counters:${dataDir ?? "memory"}:${port}`;
}

type Op =
  | { op: "takeDay"; bucket: string; n: number; limit: number }
  | { op: "refundDay"; bucket: string; n: number }
  | { op: "lock"; name: string }
  | { op: "unlock"; lockId: string };
type Request = Op & { kind: "req"; id: number; from: string };
type Response = { kind: "res"; id: number; to: string; result?: unknown; error?: string };

/** How long a lock taken from another thread may be held, and a request wait for its answer. */
const LEASE_MS = 10_000;

/** Serves `counters` to the other threads of this process on `channel`; `close` stops it. */
export function hostThreadCounters(
  channel: string,
  counters: MemoryRunCounters = new MemoryRunCounters(),
): { counters: RunCounters; close(): void } {
  const bc = new BroadcastChannel(channel);
  bc.unref();
  const held = new Map<string, { release: () => Promise<void>; timer: NodeJS.Timeout }>();
  const unlock = async (lockId: string) => {
    const h = held.get(lockId);
    if (!h) return;
    held.delete(lockId);
    clearTimeout(h.timer);
    await h.release();
  };
  const answer = async (m: Op): Promise<unknown> => {
    switch (m.op) {
      case "takeDay":
        return counters.takeDay(m.bucket, m.n, m.limit);
      case "refundDay":
        return counters.refundDay(m.bucket, m.n);
      case "lock": {
        const release = await counters.lock(m.name);
        const lockId = randomUUID();
        const timer = setTimeout(() => void unlock(lockId), LEASE_MS);
        timer.unref();
        held.set(lockId, { release, timer });
        return lockId;
      }
      case "unlock":
        return unlock(m.lockId);
    }
  };
  bc.onmessage = (event) => {
    const m = (event as { data: Request | Response }).data;
    if (m.kind !== "req") return;
    answer(m).then(
      (result) => bc.postMessage({ kind: "res", id: m.id, to: m.from, result } satisfies Response),
      (error: unknown) =>
        bc.postMessage({
          kind: "res",
          id: m.id,
          to: m.from,
          error: String(error),
        } satisfies Response),
    );
  };
  return {
    counters,
    close() {
      bc.close();
      for (const id of [...held.keys()]) void unlock(id);
    },
  };
}

/** The counters of the host thread (see the module doc), from another thread. */
export class ThreadRunCounters implements RunCounters {
  readonly #bc: BroadcastChannel;
  readonly #me = randomUUID();
  readonly #waiting = new Map<number, (r: Response) => void>();
  #id = 0;

  constructor(channel: string) {
    this.#bc = new BroadcastChannel(channel);
    this.#bc.unref();
    this.#bc.onmessage = (event) => {
      const m = (event as { data: Request | Response }).data;
      if (m.kind === "res" && m.to === this.#me) this.#waiting.get(m.id)?.(m);
    };
  }

  #ask<T>(op: Op): Promise<T> {
    const id = ++this.#id;
    // A lock waits its turn behind other holders (each at most a lease).
    const wait = op.op === "lock" ? 6 * LEASE_MS : LEASE_MS;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`run quota counters: no answer from the HTTP thread in ${wait} ms`));
      }, wait);
      this.#waiting.set(id, (r) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        if (r.error !== undefined) reject(new Error(r.error));
        else resolve(r.result as T);
      });
      this.#bc.postMessage({ ...op, kind: "req", id, from: this.#me } satisfies Request);
    });
  }

  takeDay(bucket: string, n: number, limit: number) {
    return this.#ask<{ allowed: boolean; count: number }>({ op: "takeDay", bucket, n, limit });
  }
  refundDay(bucket: string, n: number) {
    return this.#ask<void>({ op: "refundDay", bucket, n });
  }
  async lock(name: string) {
    const lockId = await this.#ask<string>({ op: "lock", name });
    return () => this.#ask<void>({ op: "unlock", lockId });
  }
  close(): void {
    this.#bc.close();
  }
}

/**
 * The in-process counters of a server without Redis: the executor thread's (`fromThread`) ask the
 * HTTP thread's, which serve them on `channel`.
 */
export function inProcessRunCounters(
  channel: string,
  fromThread: boolean,
): { counters: RunCounters; close(): void } {
  if (!fromThread) return hostThreadCounters(channel);
  const counters = new ThreadRunCounters(channel);
  return { counters, close: () => counters.close() };
}
