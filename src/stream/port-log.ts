/**
 * The run event log between the embedded default's two threads (`server/executor-thread.ts`): the
 * HTTP thread holds the in-memory log (`memory-log.ts`, the single-process design's, with its
 * join, resume and `Last-Event-ID` semantics) and serves it over a `MessagePort`
 * ({@link serveRunEventLog}); the run executor thread writes to it through
 * {@link PortRunEventLog}. An event crosses as one message (its data as JSON text, as the SQL log
 * stores it: the same values reach readers), never through the database.
 *
 * Order: a port delivers in order and the memory log applies `open`/`append`/`complete`
 * synchronously on arrival, so `flush` (a round trip) resolves once every earlier event is
 * readable; the executor flushes before it writes a run's outcome, so no reader sees the final
 * status before the last event. Reads from the executor thread (a graph that joins a run through
 * the loopback) are forwarded and streamed back; their idle checks ask the executor thread's
 * `stillActive`. When the port closes (the thread died) its reads end; a restarted thread
 * gets a new port, and runs it claims again append to the same logs (as a retry does).
 */
import type { MessagePort } from "node:worker_threads";
import type { LoggedEvent, OpenOptions, ReadOptions, RunEvent, RunEventLog } from "./log.ts";

/** Executor → HTTP thread. */
type Ask =
  | { t: "open"; runId: string; resumable: boolean }
  | { t: "append"; runId: string; event: string; data: string }
  | { t: "complete"; runId: string }
  | { t: "flush"; id: number }
  | { t: "has"; id: number; runId: string }
  | { t: "read"; id: number; runId: string; lastEventId?: string; idleCheckMs?: number }
  | { t: "stop"; id: number }
  | { t: "alive"; id: number; value: boolean };

/** HTTP thread → executor. */
type Answer =
  | { t: "done"; id: number; value?: boolean }
  | { t: "event"; id: number; eventId: string; event: string; data: string }
  | { t: "end"; id: number }
  | { t: "alive"; id: number; ask: number };

/** Serves `log` to the executor thread at the other end of `port` (the HTTP thread's side). */
export function serveRunEventLog(port: MessagePort, log: RunEventLog): void {
  const reads = new Map<number, AbortController>();
  const alive = new Map<number, (v: boolean) => void>();
  let asks = 0;
  const post = (m: Answer) => port.postMessage(m);
  const stillActive = (id: number) => () =>
    new Promise<boolean>((resolve) => {
      const ask = ++asks;
      alive.set(ask, resolve);
      post({ t: "alive", id, ask });
    });
  port.on("message", (m: Ask) => {
    if (m.t === "append")
      void log.append(m.runId, { event: m.event, data: JSON.parse(m.data) }).catch(() => {});
    else if (m.t === "open") void log.open(m.runId, { resumable: m.resumable }).catch(() => {});
    else if (m.t === "complete") void log.complete(m.runId).catch(() => {});
    else if (m.t === "flush") post({ t: "done", id: m.id });
    else if (m.t === "has")
      void log.has(m.runId).then((value) => post({ t: "done", id: m.id, value }));
    else if (m.t === "stop") reads.get(m.id)?.abort();
    else if (m.t === "alive") {
      alive.get(m.id)?.(m.value);
      alive.delete(m.id);
    } else if (m.t === "read") {
      const stop = new AbortController();
      reads.set(m.id, stop);
      void (async () => {
        try {
          for await (const e of log.read(m.runId, {
            lastEventId: m.lastEventId,
            signal: stop.signal,
            idleCheckMs: m.idleCheckMs,
            stillActive: stillActive(m.id),
          }))
            post({ t: "event", id: m.id, eventId: e.id, event: e.event, data: json(e.data) });
        } catch {
          // aborted or the log closed: the reader ends
        } finally {
          reads.delete(m.id);
          post({ t: "end", id: m.id });
        }
      })();
    }
  });
  port.on("close", () => {
    for (const stop of reads.values()) stop.abort();
    for (const resolve of alive.values()) resolve(false);
    alive.clear();
  });
}

const json = (data: unknown) => JSON.stringify(data ?? null);

/** A reader's queue of events from the HTTP thread. */
interface Reader {
  events: LoggedEvent[];
  ended: boolean;
  wake: (() => void) | undefined;
  stillActive: (() => Promise<boolean>) | undefined;
}

/**
 * The executor thread's side: writes go to the HTTP thread's log. `append` resolves with `""`
 * (the id is the HTTP thread's log's to assign; the executor never uses it).
 */
export class PortRunEventLog implements RunEventLog {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, (value: boolean) => void>();
  readonly #readers = new Map<number, Reader>();
  #id = 0;

  constructor(port: MessagePort) {
    this.#port = port;
    port.on("message", (m: Answer) => {
      if (m.t === "done") {
        this.#pending.get(m.id)?.(m.value ?? true);
        this.#pending.delete(m.id);
        return;
      }
      const reader = this.#readers.get(m.id);
      if (m.t === "alive") {
        const ask = reader?.stillActive ?? (async () => reader != null);
        void ask()
          .catch(() => false)
          .then((value) => this.#post({ t: "alive", id: m.ask, value }));
        return;
      }
      if (!reader) return;
      if (m.t === "event")
        reader.events.push({ id: m.eventId, event: m.event, data: JSON.parse(m.data) });
      else reader.ended = true;
      reader.wake?.();
    });
    // The other side is gone: pending questions answer false, reads end.
    port.on("close", () => {
      for (const resolve of this.#pending.values()) resolve(false);
      this.#pending.clear();
      for (const reader of this.#readers.values()) {
        reader.ended = true;
        reader.wake?.();
      }
    });
    port.unref();
  }

  #post(m: Ask) {
    this.#port.postMessage(m);
  }

  #ask(m: (id: number) => Ask): Promise<boolean> {
    const id = ++this.#id;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#post(m(id));
    });
  }

  async open(runId: string, options: OpenOptions): Promise<void> {
    this.#post({ t: "open", runId, resumable: options.resumable });
  }

  async append(runId: string, event: RunEvent): Promise<string> {
    this.#post({ t: "append", runId, event: event.event, data: json(event.data) });
    return "";
  }

  async flush(): Promise<void> {
    await this.#ask((id) => ({ t: "flush", id }));
  }

  async complete(runId: string): Promise<void> {
    this.#post({ t: "complete", runId });
  }

  has(runId: string): Promise<boolean> {
    return this.#ask((id) => ({ t: "has", id, runId }));
  }

  async *read(runId: string, options: ReadOptions = {}): AsyncIterable<LoggedEvent> {
    const id = ++this.#id;
    const reader: Reader = {
      events: [],
      ended: false,
      wake: undefined,
      stillActive: options.stillActive,
    };
    this.#readers.set(id, reader);
    const abort = () => reader.wake?.();
    options.signal?.addEventListener("abort", abort, { once: true });
    const { lastEventId, idleCheckMs } = options;
    this.#post({ t: "read", id, runId, lastEventId, idleCheckMs });
    try {
      while (!options.signal?.aborted) {
        const next = reader.events.shift();
        if (next) {
          yield next;
          continue;
        }
        if (reader.ended) return;
        await new Promise<void>((resolve) => {
          reader.wake = resolve;
        });
        reader.wake = undefined;
      }
    } finally {
      options.signal?.removeEventListener("abort", abort);
      this.#readers.delete(id);
      if (!reader.ended) this.#post({ t: "stop", id });
    }
  }

  async close(): Promise<void> {
    for (const resolve of this.#pending.values()) resolve(false);
    this.#pending.clear();
    this.#port.close();
  }
}
