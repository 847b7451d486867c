/**
 * The narrow ports the run engine and the SSE writer accept (optional, injected) so that metrics,
 * run log lines and traces stay out of their code. Each has a no-op implementation.
 */
import type { RunOutcome } from "./metrics.ts";

/** What the engine knows about a run when a worker claims it. */
export interface RunInfo {
  runId: string;
  threadId: string;
  graphId: string;
  assistantId?: string;
  /** When the run was queued (wait time = claim time - this). */
  queuedAt?: Date;
  /** W3C `traceparent` of the request that created the run, when it was kept. */
  traceparent?: string;
}

/** Per-run hooks returned at claim time. */
export interface RunObservation {
  /**
   * LangChain callback handlers to append to the graph's `config.callbacks` (node spans,
   * Langfuse). Typed loosely so the engine need not import the tracing SDKs.
   */
  callbacks: unknown[];
  /** Call exactly once when the run ends, with its outcome and the error if any. */
  finished(outcome: RunOutcome, error?: unknown): void;
}

/** Observes run lifecycle: `onRunClaimed` when a worker takes a run, then `finished` on the result. */
export interface RunObserver {
  onRunClaimed(run: RunInfo): RunObservation;
}

/** Observes SSE connections and the events written to them. */
export interface StreamObserver {
  onConnectionOpened(): void;
  onConnectionClosed(): void;
  /** One event written: its SSE event name and the bytes written for it. */
  onEventSent(event: string, bytes: number): void;
}

const nothing = (): void => {};

/** A run observer that does nothing. */
export const noopRunObserver: RunObserver = {
  onRunClaimed: () => ({ callbacks: [], finished: nothing }),
};

/** A stream observer that does nothing. */
export const noopStreamObserver: StreamObserver = {
  onConnectionOpened: nothing,
  onConnectionClosed: nothing,
  onEventSent: nothing,
};
