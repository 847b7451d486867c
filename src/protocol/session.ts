/**
 * The in-process state of one thread for the protocol: the thread-wide event sequence (`seq`,
 * `event_id`), a bounded buffer for replay, the attached listeners (SSE sinks, WebSocket
 * connections), the agent tree of the current run, and the pumps that follow the thread's runs.
 *
 * Runs are followed one after another (a thread executes its runs sequentially), each by reading
 * its run event log from the start; so a `run.start` enqueued behind an active run streams once the
 * first one ended, and nothing of a fast run is lost. Delivery to listeners is synchronous (each
 * listener queues in order), which keeps "replay the buffer, then go live" free of interleaving.
 */
import type { LoggedEvent } from "../stream/types.ts";
import { RunTranslator } from "./translate.ts";
import { NamespaceTree } from "./tree.ts";
import type { EventDraft, ProtocolEvent, ProtocolResponse } from "./types.ts";

/** Something events are delivered to. */
export interface Listener {
  /** Whether the listener wants this event (live delivery). */
  accepts(event: ProtocolEvent): boolean;
  /** Queues a message for the client, in order (must not throw). */
  deliver(message: ProtocolEvent | ProtocolResponse): void;
}

/** A run as the session follows it. */
export interface FollowedRun {
  runId: string;
  graphId: string;
}

/** What the session reads runs from. */
export interface RunSource {
  /** The run's logged events from the first one, live until the run ends. */
  events(runId: string, signal: AbortSignal): AsyncIterable<LoggedEvent>;
  /** The run's status (null when it no longer exists). */
  status(runId: string): Promise<string | null>;
  /** Whether the thread's latest state has pending interrupts. */
  pendingInterrupts(): Promise<boolean>;
}

/** Options of a session. */
export interface SessionOptions {
  threadId: string;
  source: RunSource;
  /** Max events kept for replay (oldest dropped first). */
  bufferSize?: number;
  onError?: (error: unknown) => void;
  now?: () => number;
}

const TERMINAL: Record<string, string> = {
  success: "completed",
  error: "failed",
  interrupted: "interrupted",
  timeout: "failed",
};

/** One thread's protocol session. */
export class ThreadSession {
  seq = 0;
  /** Assistant the thread is bound to by its first `run.start`. */
  assistantId: string | undefined;
  /** The run being followed (or last followed). */
  currentRunId: string | undefined;
  /** `seq` before the current run's first event (WebSocket subscribe replays from here). */
  runStartSeq = 0;
  readonly tree = new NamespaceTree();
  readonly listeners = new Set<Listener>();
  /** Last time a listener or pump was active (for idle cleanup). */
  lastActive: number;
  readonly #buffer: ProtocolEvent[] = [];
  readonly #followed = new Set<string>();
  readonly #abort = new AbortController();
  #chain: Promise<void> = Promise.resolve();
  #pumping = 0;
  /** Resolved once the session adopted the thread's already-active run (if any). */
  ready: Promise<void> = Promise.resolve();

  constructor(private readonly o: SessionOptions) {
    this.lastActive = this.#now();
  }

  #now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Whether nothing uses the session (no listener, no pump). */
  get idle(): boolean {
    return this.listeners.size === 0 && this.#pumping === 0;
  }

  /** Follows `run` after the runs already followed (idempotent per run). */
  follow(run: FollowedRun): void {
    if (this.#followed.has(run.runId)) return;
    this.#followed.add(run.runId);
    this.#pumping += 1;
    this.#chain = this.#chain
      .then(() => this.#pump(run))
      .catch((err) => this.o.onError?.(err))
      .finally(() => {
        this.#pumping -= 1;
        this.lastActive = this.#now();
      });
  }

  /** Resolves when every followed run has been fully streamed. */
  settled(): Promise<void> {
    return this.#chain;
  }

  async #pump(run: FollowedRun): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.currentRunId = run.runId;
    this.runStartSeq = this.seq;
    this.tree.reset(run.graphId);
    this.tree.set([], "running");
    this.push({
      method: "lifecycle",
      namespace: [],
      data: { event: "running", graph_name: run.graphId },
    });
    const translator = new RunTranslator(this.tree, run.graphId);
    try {
      for await (const e of this.o.source.events(run.runId, this.#abort.signal))
        for (const draft of translator.translate(e.event, e.data)) this.push(draft);
    } finally {
      if (!translator.failed && !this.#abort.signal.aborted) {
        const status = await this.#terminalStatus(run.runId, translator.announced.size > 0);
        if (status) {
          this.tree.set([], status);
          this.push({
            method: "lifecycle",
            namespace: [],
            data: { event: status, graph_name: run.graphId },
          });
        }
      }
    }
  }

  async #terminalStatus(runId: string, sawInterrupt: boolean): Promise<string | undefined> {
    const status = await this.o.source.status(runId).catch(() => null);
    const mapped = status ? TERMINAL[status] : undefined;
    if (mapped !== "completed") return mapped;
    if (sawInterrupt) return "interrupted";
    return (await this.o.source.pendingInterrupts().catch(() => false)) ? "interrupted" : mapped;
  }

  /** Numbers, buffers and fans out one event. */
  push(draft: EventDraft): ProtocolEvent {
    this.seq += 1;
    const event: ProtocolEvent = {
      type: "event",
      event_id: String(this.seq),
      seq: this.seq,
      method: draft.method,
      params: {
        namespace: draft.namespace,
        timestamp: this.#now(),
        ...(draft.node != null ? { node: draft.node } : {}),
        data: draft.data,
      },
    };
    this.#buffer.push(event);
    const max = this.o.bufferSize ?? 10_000;
    if (this.#buffer.length > max) this.#buffer.splice(0, this.#buffer.length - max);
    for (const listener of this.listeners) if (listener.accepts(event)) listener.deliver(event);
    return event;
  }

  /** Buffered events after `afterSeq` that `accepts` wants (oldest first). */
  buffered(afterSeq: number, accepts: (e: ProtocolEvent) => boolean): ProtocolEvent[] {
    return this.#buffer.filter((e) => e.seq > afterSeq && accepts(e));
  }

  /** Replays buffered events after `afterSeq` to `listener`, then attaches it (atomically). */
  attach(listener: Listener, afterSeq: number): void {
    for (const e of this.buffered(afterSeq, (ev) => listener.accepts(ev))) listener.deliver(e);
    this.listeners.add(listener);
    this.lastActive = this.#now();
  }

  /** Detaches a listener. */
  detach(listener: Listener): void {
    this.listeners.delete(listener);
    this.lastActive = this.#now();
  }

  /** Stops following runs (the runs themselves go on). */
  close(): void {
    this.#abort.abort();
  }
}
