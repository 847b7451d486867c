/**
 * The server's log feed: the last `capacity` structured log lines in a ring buffer, and live
 * subscribers, fed by the pino logger (a multistream destination). The admin API (`/admin/api/logs`)
 * reads it for `olg logs` and the admin UI. Lines keep pino's JSON shape plus `seq`, a per-process
 * sequence number that SSE clients resume from (`Last-Event-ID`). One feed per process: with several
 * replicas, each serves its own lines.
 */

/** pino's numeric levels by name. */
export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
/** A level name. */
export type LevelName = keyof typeof LEVELS;

/** One log line as pino wrote it, plus its sequence number. */
export interface LogEntry {
  seq: number;
  /** Epoch milliseconds. */
  time: number;
  level: number;
  msg?: string;
  run_id?: string;
  thread_id?: string;
  [key: string]: unknown;
}

/** Which lines a reader wants (every field optional; all given fields must match). */
export interface LogFilter {
  /** Minimum level (pino number). */
  level?: number;
  runId?: string;
  threadId?: string;
  /** Case-insensitive text searched in the whole JSON line. */
  grep?: string;
  /** Only lines after this sequence number. */
  after?: number;
}

/** The name of a pino level number (`"info"`), or `"level-N"` for custom levels. */
export function levelName(level: number): string {
  const found = Object.entries(LEVELS).find(([, n]) => n === level);
  return found ? found[0] : `level-${level}`;
}

/** Whether a line mentions a run or thread: by its id field, a `*_ids` list, or a request path. */
function mentions(entry: LogEntry, field: "run_id" | "thread_id", id: string): boolean {
  if (entry[field] === id) return true;
  const list = entry[`${field}s`];
  if (Array.isArray(list) && list.includes(id)) return true;
  const segment = field === "run_id" ? "/runs/" : "/threads/";
  return typeof entry.path === "string" && entry.path.includes(`${segment}${id}`);
}

/** Whether `entry` passes `filter`. `text` is the line's JSON (computed once by the caller). */
export function matches(entry: LogEntry, filter: LogFilter, text?: string): boolean {
  if (filter.after != null && entry.seq <= filter.after) return false;
  if (filter.level != null && entry.level < filter.level) return false;
  if (filter.runId && !mentions(entry, "run_id", filter.runId)) return false;
  if (filter.threadId && !mentions(entry, "thread_id", filter.threadId)) return false;
  if (filter.grep) {
    const haystack = (text ?? JSON.stringify(entry)).toLowerCase();
    if (!haystack.includes(filter.grep.toLowerCase())) return false;
  }
  return true;
}

type Listener = (entry: LogEntry) => void;

/** Ring buffer of recent lines plus live fan-out. */
export class LogFeed {
  /** Identifies this process's feed: a resume id from another process (a restart) starts over. */
  readonly id = Math.random().toString(36).slice(2, 10);
  private readonly ring: (LogEntry | undefined)[];
  private next = 0;
  private seq = 0;
  private readonly listeners = new Set<Listener>();

  constructor(readonly capacity = 5000) {
    this.ring = new Array(capacity);
  }

  /** A pino destination: `write` receives one JSON line per call. */
  readonly stream = {
    write: (line: string): void => {
      this.push(line);
    },
  };

  /** Adds one serialized line (malformed lines are kept as their text). */
  push(line: string): LogEntry {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = { level: LEVELS.info, time: Date.now(), msg: line.trimEnd() };
    }
    const entry = {
      ...parsed,
      seq: ++this.seq,
      time: typeof parsed.time === "number" ? parsed.time : Date.now(),
      level: typeof parsed.level === "number" ? parsed.level : LEVELS.info,
    } as LogEntry;
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    for (const fn of this.listeners) fn(entry);
    return entry;
  }

  /** The latest sequence number written (0 before the first line). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Buffered lines matching `filter`, oldest first, at most the newest `limit`. */
  recent(filter: LogFilter = {}, limit = 200): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const entry = this.ring[(this.next + i) % this.capacity];
      if (entry && matches(entry, filter)) out.push(entry);
    }
    return limit >= out.length ? out : out.slice(out.length - limit);
  }

  /** Calls `fn` for every new line matching `filter`; returns the unsubscribe function. */
  subscribe(filter: LogFilter, fn: Listener): () => void {
    const listener: Listener = (entry) => {
      if (matches(entry, filter)) fn(entry);
    };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The buffered backlog (at most `backlog` lines) then live lines, as one async iterable, until
   * `signal` aborts. Lines arriving while the reader is slow queue up to `capacity`; beyond that the
   * oldest queued are dropped (a slow reader never grows memory without bound).
   */
  async *follow(filter: LogFilter, backlog: number, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const queue: LogEntry[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe(filter, (entry) => {
      queue.push(entry);
      if (queue.length > this.capacity) queue.shift();
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      let last = filter.after ?? 0;
      for (const entry of backlog > 0 ? this.recent(filter, backlog) : []) {
        last = entry.seq;
        yield entry;
      }
      while (!signal.aborted) {
        const entry = queue.shift();
        if (entry) {
          if (entry.seq > last) {
            last = entry.seq;
            yield entry;
          }
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    }
  }
}
