/**
 * Executes one claimed run: loads the graph with our checkpointer, streams it into the run event
 * log (`metadata` first, `error` last on failure), then ends the run and updates its thread in one
 * transaction. A retried attempt (the previous replica died) resumes from the run's last
 * checkpoint instead of replaying its input. Cancels end as `interrupted` (checkpoints kept) or
 * `rollback` (run and its checkpoints deleted); a shutdown or lost lease hands the run back. Every
 * write of the run (checkpoints, pending writes, store, stream events) passes the run's fence
 * (fence.ts): once the run is stopped, cancelled, deleted or lost, nothing of it lands any more.
 */
import type { BaseCheckpointSaver, BaseStore, StateSnapshot } from "@langchain/langgraph";
import { serializeError } from "../core/serde.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logging/logger.ts";
import type { RunOutcome } from "../metrics/metrics.ts";
import { noopRunObserver, type RunObserver } from "../metrics/observer.ts";
import { isConnectionError, retryOnConnectionLoss } from "../storage/connection-errors.ts";
import type { WriteFence } from "../storage/fence.ts";
import type { RunEventLog } from "../stream/log.ts";
import { streamGraphRun } from "../stream/run-modes.ts";
import { streamGraphRunV3 } from "../stream/run-protocol.ts";
import { UnknownInterruptError } from "../stream/strict-resume.ts";
import type { StreamMode } from "../stream/types.ts";
import { threadStateFromSnapshot } from "../threads/state.ts";
import { RunFence } from "./fence.ts";
import type { FinishResult, RunLeases } from "./ports.ts";
import type { ExecuteResult, RunLease, StopReason } from "./queue.ts";
import type { FinishState, Run } from "./types.ts";
import type { WebhookSender } from "./webhook.ts";

/** Checkpointer with the rollback helper and the write fence of our SQL saver. */
export type RunCheckpointer = BaseCheckpointSaver<string | number> & {
  deleteForRun?(threadId: string, runId: string): Promise<void>;
  fenced?(fence: WriteFence): BaseCheckpointSaver<string | number>;
};

/** A store that can fence its writes (our SQL store). */
type FenceableStore = BaseStore & { fenced?(fence: WriteFence): BaseStore };

/** The state a run stopped by `reason` ends in (undefined: it is handed back, not ended). */
function stoppedState(reason: StopReason): FinishState | undefined {
  if (reason === "interrupt") return { status: "interrupted" };
  if (reason === "rollback") return { status: "deleted" };
  return undefined;
}

/** What the executor needs. */
export interface ExecutorOptions {
  leases: RunLeases;
  graphs: GraphRegistry;
  checkpointer: RunCheckpointer;
  store?: BaseStore;
  log: RunEventLog;
  webhooks: WebhookSender;
  /**
   * Called when a run reached its end state here (local waiters; other replicas hear the
   * `olg_runs_done` signal the finishing transaction sends).
   */
  onFinished?(run: Run): void;
  maxAttempts: number;
  logger: Logger;
  /** Metrics, run log lines and traces (optional). */
  observer?: RunObserver;
  /** The artifacts handle of a run (`config.configurable.artifacts` in its nodes). */
  artifacts?: (run: Run) => unknown;
}

/** The metric outcome of a finished run. */
function outcomeOf(state: FinishState): RunOutcome {
  if (state.status === "deleted" || state.status === "interrupted") return "cancelled";
  if (state.status === "error") return "error";
  if (state.status === "timeout") return "timeout";
  return state.interrupted ? "interrupted" : "success";
}

/** Builds the worker function handed to the queue. */
export function createExecutor(o: ExecutorOptions) {
  return async function executeRun(run: Run, lease: RunLease): Promise<ExecuteResult> {
    const startedAt = new Date();
    const kwargs = run.kwargs;
    const graphId = String(kwargs.config.configurable.graph_id ?? "");
    const threadId = run.threadId;
    const fence = new RunFence(run.runId, lease);
    const checkpointer = kwargs.temporary
      ? null
      : (o.checkpointer.fenced?.(fence) ?? o.checkpointer);
    const store = (o.store as FenceableStore | undefined)?.fenced?.(fence) ?? o.store;
    await o.log.open(run.runId, { resumable: kwargs.resumable });
    // A stopped run streams nothing more (its clients already got, or will get, the end).
    const emit = async (event: string, data: unknown) => {
      if (!lease.reason()) await o.log.append(run.runId, { event, data });
    };
    const observed = (o.observer ?? noopRunObserver).onRunClaimed({
      runId: run.runId,
      threadId,
      graphId,
      assistantId: run.assistantId,
      queuedAt: run.createdAt,
    });

    let state: FinishState = { status: "success" };
    let failure: { error: string; message: string } | undefined;
    let graph: any;
    try {
      await emit("metadata", { run_id: run.runId, attempt: run.attempt });
      if (run.attempt > o.maxAttempts)
        throw new Error(`Run ${run.runId} exceeded max attempts (${o.maxAttempts})`);
      graph = await o.graphs.get(graphId, kwargs.config, {
        checkpointer,
        store,
        access: "threads.create_run",
        context: kwargs.context,
      });
      // A lost database connection (failover, restart, terminated backend) is not the run's fault:
      // wait for the database and go on from the run's last checkpoint, in place.
      for (let retry = 0; ; retry++) {
        try {
          const resume =
            (run.attempt > 1 || retry > 0) && checkpointer != null && (await wroteCheckpoint(run));
          const streamRun = kwargs.__protocol_stream_run ? streamGraphRunV3 : streamGraphRun;
          const stream = streamRun(graph, {
            runId: run.runId,
            threadId,
            input: resume ? null : kwargs.input,
            command: resume ? null : (kwargs.command as never),
            config: kwargs.config,
            context: kwargs.context,
            streamMode: kwargs.stream_mode as StreamMode[],
            subgraphs: kwargs.subgraphs,
            interruptBefore: kwargs.interrupt_before,
            interruptAfter: kwargs.interrupt_after,
            durability: kwargs.durability,
            strictResume: kwargs.strict_resume,
            signal: lease.signal,
            attempt: run.attempt + retry,
            callbacks: observed.callbacks,
            artifacts: o.artifacts?.(run),
          });
          for await (const event of stream) {
            // No setImmediate yield here: events are serialized lazily, and letting the graph run on
            // before an event is written changed what clients saw (content-block messages lost `content`).
            await emit(event.event, event.data);
          }
          break;
        } catch (error) {
          if (lease.reason() || !isConnectionError(error) || retry >= o.maxAttempts) throw error;
          o.logger.warn(
            { err: error, run_id: run.runId, retry: retry + 1 },
            "run lost its database connection; resuming from its last checkpoint",
          );
          await retryOnConnectionLoss(() => wroteCheckpoint(run), 60_000);
        }
      }
      if (lease.reason()) throw new Error("stopped");
    } catch (error) {
      const reason = lease.reason();
      const stopped = reason && stoppedState(reason);
      if (reason && !stopped) {
        observed.finished(reason === "deleted" ? "cancelled" : "requeued", error);
        await handBack(run, lease, reason);
        return undefined;
      }
      if (stopped) state = stopped;
      else {
        failure = serializeError(error);
        o.logger.warn({ err: error, run_id: run.runId }, "run failed");
        await emit("error", failure).catch(() => {});
        // A refused strict resume changed nothing: the thread keeps its status (still interrupted).
        state = { status: "error", failed: !(error instanceof UnknownInterruptError) };
      }
    }

    // No write of the run may still commit once its outcome is decided (rollback deletes after it).
    await fence.settled();
    // Every event is readable before the outcome is: a reader never sees the status final first.
    await o.log.flush?.(run.runId).catch(() => {});
    let ended = await conclude(run, lease.owner, graph, checkpointer != null, state);
    if (ended.result.kind === "cancelled") {
      // A cancel raced with the run's last step: it wins (the fence refuses any further write).
      lease.stop(ended.result.action);
      failure = undefined;
      await fence.settled();
      ended = await conclude(
        run,
        lease.owner,
        graph,
        checkpointer != null,
        stoppedState(ended.result.action)!,
      );
    }
    state = ended.state;
    if (ended.writeError !== undefined && ended.state.status === "error" && !failure) {
      // The stream ends with the error, as for a failure of the graph itself.
      failure = serializeError(ended.writeError);
      await emit("error", failure).catch(() => {});
    }
    const values = state.values;
    observed.finished(outcomeOf(state), failure);
    const result = ended.result;
    await o.log.complete(run.runId);
    if (result.kind !== "finished") return undefined;
    o.onFinished?.(run);
    if (kwargs.webhook && state.status !== "deleted") {
      void o.webhooks.send(kwargs.webhook, {
        run: { ...run, status: state.status },
        startedAt,
        endedAt: new Date(),
        values,
        error: failure?.message,
      });
    }
    return { next: result.next };
  };

  /**
   * Applies `state` (rollback deletes the run's checkpoints), reads the thread, ends the run.
   * `writeError`: the final write was refused for a lasting reason and the run ended as `error`.
   */
  async function conclude(
    run: Run,
    owner: string,
    graph: any,
    persistent: boolean,
    initial: FinishState,
  ): Promise<{ state: FinishState; result: FinishResult; writeError?: unknown }> {
    let state = initial;
    if (state.status === "deleted" && persistent && o.checkpointer.deleteForRun)
      await o.checkpointer.deleteForRun(run.threadId, run.runId).catch((err: unknown) => {
        o.logger.error({ err, run_id: run.runId }, "rollback: deleting checkpoints failed");
      });
    if (graph && persistent) {
      try {
        const snapshot = await retryOnConnectionLoss<StateSnapshot>(() =>
          graph.getState({ configurable: { thread_id: run.threadId } }),
        );
        const cached = threadStateFromSnapshot(snapshot);
        // A cancelled run leaves tasks pending; only a pending `interrupt()` waits for a human.
        const waiting =
          state.status === "interrupted" || state.status === "deleted"
            ? Object.keys(cached.interrupts).length > 0
            : cached.status === "interrupted";
        state = {
          ...state,
          values: cached.values,
          interrupts: cached.interrupts,
          interrupted: waiting,
        };
      } catch (err) {
        o.logger.warn({ err, run_id: run.runId }, "reading the thread state failed");
      }
    }
    const finish = (s: FinishState) =>
      retryOnConnectionLoss(() =>
        o.leases.finish(
          {
            runId: run.runId,
            threadId: run.threadId,
            temporary: run.kwargs.temporary,
            attempt: run.attempt,
          },
          owner,
          s,
        ),
      );
    try {
      return { state, result: await finish(state) };
    } catch (err) {
      o.logger.error({ err, run_id: run.runId }, "finishing the run failed");
      if (isConnectionError(err)) return { state, result: { kind: "lost" } as const };
      // The database refused the final write for a reason that will repeat (a value it cannot
      // hold, a constraint): a retry by lease expiry would fail the same way. End the run now as
      // `error` without the values the thread could not take (it keeps its last stored ones).
      const failed: FinishState =
        state.status === "deleted" || state.status === "interrupted"
          ? { status: state.status }
          : { status: "error", failed: true };
      const result = await finish(failed).catch((again) => {
        o.logger.error({ err: again, run_id: run.runId }, "ending the failed run failed");
        return { kind: "lost" } as const;
      });
      return { state: failed, result, writeError: err };
    }
  }

  /** Whether this run already wrote a checkpoint on its thread (then a retry resumes from it). */
  async function wroteCheckpoint(run: Run): Promise<boolean> {
    const tuple = await o.checkpointer.getTuple({ configurable: { thread_id: run.threadId } });
    if (!tuple) return false;
    if (tuple.metadata && (tuple.metadata as Record<string, unknown>).run_id === run.runId)
      return true;
    const ts = Date.parse(tuple.checkpoint.ts);
    return run.startedAt != null && Number.isFinite(ts) && ts >= run.startedAt.getTime();
  }

  async function handBack(run: Run, lease: RunLease, reason: string): Promise<void> {
    if (reason === "shutdown") await o.leases.release(run.runId, lease.owner).catch(() => {});
    o.logger.info({ run_id: run.runId, reason }, "run handed back to the queue");
    await o.log.complete(run.runId);
  }
}
