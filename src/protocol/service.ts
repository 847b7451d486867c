/**
 * The thread-centric protocol service: one {@link ThreadSession} per thread in this process, and
 * the command handlers (`run.start`, `input.respond`, `state.get`, `agent.getTree`, subscriptions).
 * Runs go through the runs engine like any other run (queue, multitask strategies, resumable log),
 * flagged for the v3 event pipeline. Facts from upstream `src/protocol/service.mts`.
 */

import type { RunRequest } from "../runs/build.ts";
import type { CreateContext } from "../runs/service.ts";
import type { Run } from "../runs/types.ts";
import type { LoggedEvent } from "../stream/types.ts";
import type { ProtocolState } from "./params.ts";
import {
  commandOf,
  configOf,
  isObj,
  type RunParams,
  resumeOf,
  runRequestOf,
  stateResult,
  strategyOf,
} from "./params.ts";
import { type RunSource, ThreadSession } from "./session.ts";
import type { ProtocolCommand, ProtocolError, ProtocolResponse, ProtocolSuccess } from "./types.ts";

export type { ProtocolState } from "./params.ts";

/** The runs engine as the protocol uses it. */
export interface ProtocolRuns {
  create(threadId: string, req: RunRequest, ctx: CreateContext): Promise<Run>;
  find(runId: string): Promise<Run | null>;
  /** The thread's most recent run (null when none or no thread). */
  latest(threadId: string): Promise<Run | null>;
  /** Waits (bounded) until no run of the thread is running; true when none is. */
  settle(threadId: string): Promise<boolean>;
  events(
    runId: string,
    options: { lastEventId?: string; signal?: AbortSignal },
  ): AsyncIterable<LoggedEvent>;
}

/** What the service is built from. */
export interface ProtocolServiceOptions {
  runs: ProtocolRuns;
  state: ProtocolState;
  onError?: (error: unknown) => void;
  /** Drop sessions idle this long (default 10 min). */
  idleMs?: number;
}

/** Builds a protocol error response. */
export function protocolError(
  id: number | null,
  error: ProtocolError["error"],
  message: string,
): ProtocolError {
  return { type: "error", id, error, message };
}

/** Thread-centric protocol use cases. */
export class ProtocolService {
  readonly #sessions = new Map<string, ThreadSession>();
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(private readonly o: ProtocolServiceOptions) {
    const idleMs = o.idleMs ?? 10 * 60_000;
    this.#sweep = setInterval(
      () => {
        const cutoff = Date.now() - idleMs;
        for (const [id, s] of this.#sessions)
          if (s.idle && s.lastActive < cutoff) {
            s.close();
            this.#sessions.delete(id);
          }
      },
      Math.min(60_000, idleMs),
    );
    this.#sweep.unref?.();
  }

  /** The session of a thread (created on first use; adopts an already-active run). */
  session(threadId: string): ThreadSession {
    let session = this.#sessions.get(threadId);
    if (session) return session;
    session = new ThreadSession({
      threadId,
      source: this.#source(threadId),
      onError: this.o.onError,
    });
    this.#sessions.set(threadId, session);
    const s = session;
    s.ready = this.o.runs
      .latest(threadId)
      .then((run) => {
        if (!run) return;
        if (run.status === "pending" || run.status === "running") s.follow(followed(run));
      })
      .catch((err) => this.o.onError?.(err));
    return session;
  }

  #source(threadId: string): RunSource {
    return {
      events: (runId, signal) => this.o.runs.events(runId, { lastEventId: "-1", signal }),
      status: async (runId) => (await this.o.runs.find(runId))?.status ?? null,
      pendingInterrupts: () => this.#pendingInterrupts(threadId),
    };
  }

  async #pendingInterrupts(threadId: string): Promise<boolean> {
    try {
      const state = await this.o.state.get(threadId, { subgraphs: true });
      return (state.tasks ?? []).some(
        (t) => Array.isArray(t.interrupts) && t.interrupts.length > 0,
      );
    } catch {
      return false;
    }
  }

  #meta(session: ThreadSession, threadId: string) {
    return { thread_id: threadId, applied_through_seq: session.seq };
  }

  #success(
    id: number,
    result: Record<string, unknown>,
    s: ThreadSession,
    threadId: string,
  ): ProtocolSuccess {
    return { type: "success", id, result, meta: this.#meta(s, threadId) };
  }

  /** Handles a command that does not depend on the transport. */
  async command(
    threadId: string,
    command: ProtocolCommand,
    ctx: CreateContext,
  ): Promise<ProtocolResponse> {
    const session = this.session(threadId);
    const params = isObj(command.params) ? command.params : {};
    switch (command.method) {
      case "run.start":
        return this.#runStart(threadId, session, command.id, params, ctx);
      case "input.respond":
        return this.#inputRespond(threadId, session, command.id, params, ctx);
      case "state.get":
        return this.#stateGet(threadId, session, command.id, params);
      case "subscription.reconnect":
        return protocolError(
          command.id,
          "not_supported",
          "subscription.reconnect is not supported by this server yet.",
        );
      default:
        if (session.currentRunId == null)
          return protocolError(command.id, "no_such_run", "No active run is bound to this thread.");
        if (command.method === "agent.getTree")
          return this.#success(command.id, { tree: session.tree.build([]) }, session, threadId);
        return {
          ...protocolError(
            command.id,
            "unknown_command",
            `Unknown protocol command: ${command.method}`,
          ),
          meta: this.#meta(session, threadId),
        };
    }
  }

  async #runStart(
    threadId: string,
    s: ThreadSession,
    id: number,
    params: Record<string, unknown>,
    ctx: CreateContext,
  ): Promise<ProtocolResponse> {
    const assistantId = typeof params.assistant_id === "string" ? params.assistant_id : "";
    if (!assistantId)
      return protocolError(id, "invalid_argument", "run.start requires an assistant_id.");
    await s.ready;
    if (s.assistantId != null && s.assistantId !== assistantId)
      return protocolError(
        id,
        "invalid_argument",
        `Thread ${threadId} is bound to assistant ${s.assistantId}; cannot run ${assistantId}.`,
      );
    const strategy = strategyOf(params);
    const run = await this.#createOrResume(
      threadId,
      s,
      {
        assistantId,
        input: params.input,
        ...configOf(params),
        strategy,
      },
      ctx,
    );
    return this.#success(id, { run_id: run.runId }, s, threadId);
  }

  async #inputRespond(
    threadId: string,
    s: ThreadSession,
    id: number,
    params: Record<string, unknown>,
    ctx: CreateContext,
  ): Promise<ProtocolResponse> {
    const resume = resumeOf(params);
    if (typeof resume === "string") return protocolError(id, "invalid_argument", resume);
    await s.ready;
    // After a restart (or on another replica) the session is new: resume with the thread's last assistant.
    const assistantId = s.assistantId ?? (await this.o.runs.latest(threadId))?.assistantId;
    if (assistantId == null)
      return protocolError(
        id,
        "no_such_run",
        "Thread has no active assistant; call run.start first.",
      );
    // The client may answer an interrupt it was streamed before the run persisted it and ended:
    // let that run settle, then look at the persisted state.
    const pending = async () =>
      (await this.#pendingInterrupts(threadId)) ||
      ((await this.o.runs.settle(threadId)) && (await this.#pendingInterrupts(threadId)));
    // Strict: whatever is (not) pending, the run itself refuses it (lifecycle `failed` + refusal).
    const strict = params.strict_resume === true;
    if (!strict && !(await pending())) {
      if (s.currentRunId == null)
        return protocolError(id, "no_such_run", "No interrupted run is bound to this thread.");
      return protocolError(
        id,
        "invalid_argument",
        "input.respond can only be used while the run is interrupted.",
      );
    }
    await this.#createOrResume(
      threadId,
      s,
      {
        assistantId,
        input: resume,
        resume: true,
        strict,
        ...commandOf(params),
        ...configOf(params),
      },
      ctx,
    );
    return this.#success(id, {}, s, threadId);
  }

  async #createOrResume(
    threadId: string,
    s: ThreadSession,
    p: RunParams,
    ctx: CreateContext,
  ): Promise<Run> {
    // `run.start` with input resumes only when an `interrupt()` is pending. A cancelled run also
    // ends "interrupted" but has nothing to consume a resume value: its thread gets the input as
    // input, a fresh run from the checkpoint (langgraph-api 1.4.6), so the message is not lost.
    const resume = p.input != null && (p.resume || (await this.#pendingInterrupts(threadId)));
    const run = await this.o.runs.create(threadId, runRequestOf(threadId, p, resume), ctx);
    s.assistantId = p.assistantId;
    s.follow(followed(run));
    return run;
  }

  async #stateGet(
    threadId: string,
    s: ThreadSession,
    id: number,
    params: Record<string, unknown>,
  ): Promise<ProtocolResponse> {
    const state = await this.o.state.get(threadId, { subgraphs: true });
    return this.#success(id, stateResult(state, params), s, threadId);
  }

  /** Stops every session (server shutdown). */
  close(): void {
    clearInterval(this.#sweep);
    for (const s of this.#sessions.values()) s.close();
    this.#sessions.clear();
  }
}

function followed(run: Run): { runId: string; graphId: string } {
  const graphId = run.kwargs.config.configurable.graph_id;
  return { runId: run.runId, graphId: typeof graphId === "string" ? graphId : run.assistantId };
}
