/**
 * The run event log port: every event a run produces is appended here; SSE readers (the creator's
 * stream, joiners, reconnects with Last-Event-ID) read from it. The SSE `id:` is the log position:
 * "0", "1", "2"… per run, "0" being the `metadata` event (as upstream).
 *
 * Semantics (shared by every implementation; see ARCHITECTURE.md in this folder):
 * - `open(runId, {resumable})` declares the run (idempotent; `append` on an undeclared run opens it as
 *   non-resumable). Call it when the run is created so readers can attach before the worker starts.
 * - `read` with `lastEventId` undefined: on a resumable run, tails (only events appended after the
 *   read began); on a non-resumable run, starts at the first event no reader has received yet (the
 *   official server's destructive queue: `runs.create` then `joinStream` still sees every event).
 *   `lastEventId: "-1"` replays from the first retained event, `"N"` from N+1, then tails live.
 *   Reading ends when the run is completed and every event was delivered, or on `signal` abort.
 * - After `complete`, a resumable run's log is kept for `retentionMs`; a non-resumable one for
 *   `graceMs` only (long enough for the creator's own stream to drain), then it is dropped. A reader
 *   of a dropped or never-opened-and-completed run sees nothing; a reader of an unknown run waits for
 *   it to open (pass `stillActive` to stop waiting when the run is gone).
 */
import type { LoggedEvent, RunEvent } from "./types.ts";

export type { LoggedEvent, RunEvent } from "./types.ts";

/** How a reader positions itself and when it stops. */
export interface ReadOptions {
  /** Resume after this id; "-1" = from the start; undefined = live tail / unconsumed (see above). */
  lastEventId?: string;
  /** Abort to stop reading (client disconnected). */
  signal?: AbortSignal;
  /**
   * Called when no event arrived for `idleCheckMs`; returning false ends the read. Guards against
   * runs that died without `complete` (worker crash) or were deleted while pending.
   */
  stillActive?: () => Promise<boolean>;
  /** Interval for `stillActive` checks (default 1000 ms). */
  idleCheckMs?: number;
}

/** Per-run options fixed when the run is declared. */
export interface OpenOptions {
  /** `stream_resumable`: keep the full log after completion for the retention period. */
  resumable: boolean;
}

/** The run event log port. Implementations: in memory (single process), Redis Streams (replicas). */
export interface RunEventLog {
  /** Declares a run's log before any event (idempotent). */
  open(runId: string, options: OpenOptions): Promise<void>;
  /** Appends one event; returns its id ("0", "1", …). */
  append(runId: string, event: RunEvent): Promise<string>;
  /**
   * Resolves once every event appended so far is readable (a log that batches its writes waits for
   * its queue; one whose `append` already waits for the write omits it). The executor calls it
   * before it writes the run's outcome, so no reader sees a final status before the last event.
   */
  flush?(runId: string): Promise<void>;
  /** Marks the run finished: readers end after the last event; retention starts. */
  complete(runId: string): Promise<void>;
  /** Replays after `lastEventId` (if given), then tails live events until completion or abort. */
  read(runId: string, options?: ReadOptions): AsyncIterable<LoggedEvent>;
  /** Whether the log of `runId` is still held (live or retained). */
  has(runId: string): Promise<boolean>;
  /** Stops background timers and drops every log. */
  close(): Promise<void>;
}

/** Limits of the in-memory log. */
export interface MemoryLogOptions {
  /** Max events kept per run; older ones are dropped first (ids keep counting). Default 10 000. */
  maxEventsPerRun?: number;
  /** How long a resumable run's log survives completion. Default 1 hour. */
  retentionMs?: number;
  /** How long a non-resumable run's log survives completion. Default 30 s. */
  graceMs?: number;
  /** Sweep interval of the cleanup timer. Default 5 s. */
  sweepMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export { startIndex } from "./position.ts";
