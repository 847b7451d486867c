/**
 * Executes one claimed run: loads the graph with our checkpointer, streams it into the run event
 * log (`metadata` first, `error` last on failure), then ends the run and updates its thread in one
 * transaction. A retried attempt (the previous replica died) resumes from the run's last
 * checkpoint instead of replaying its input. Cancels end as `interrupted` (checkpoints kept) or
 * `rollback` (run and its checkpoints deleted); a shutdown or lost lease hands the run back.
 */
import type { BaseCheckpointSaver, BaseStore } from "@langchain/langgraph";
import { serializeError } from "../core/serde.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logging/logger.ts";
import type { RunOutcome } from "../metrics/metrics.ts";
import { noopRunObserver, type RunObserver } from "../metrics/observer.ts";
import { streamGraphRun } from "../stream/execute.ts";
import { streamGraphRunV3 } from "../stream/execute-v3.ts";
import type { RunEventLog } from "../stream/log.ts";
import type { StreamMode } from "../stream/types.ts";
import { threadStateFromSnapshot } from "../threads/state.ts";
import type { RunLease } from "./queue.ts";
import type { FinishState, RunsRepository } from "./repository.ts";
import type { Run } from "./types.ts";
import type { WebhookSender } from "./webhook.ts";

/** Checkpointer with the rollback helper of our SQL saver. */
export type RunCheckpointer = BaseCheckpointSaver<string | number> & {
  deleteForRun?(threadId: string, runId: string): Promise<void>;
};

/** What the executor needs. */
export interface ExecutorOptions {
  repo: RunsRepository;
  graphs: GraphRegistry;
  checkpointer: RunCheckpointer;
  store?: BaseStore;
  log: RunEventLog;
  webhooks: WebhookSender;
  /** Called when a run reached its end state (wakes waiters on every replica). */
  onFinished(run: Run): Promise<void>;
  maxAttempts: number;
  logger: Logger;
  /** Metrics, run log lines and traces (optional). */
  observer?: RunObserver;
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
  return async function executeRun(run: Run, lease: RunLease): Promise<void> {
    const startedAt = new Date();
    const kwargs = run.kwargs;
    const graphId = String(kwargs.config.configurable.graph_id ?? "");
    const threadId = run.threadId;
    const checkpointer = kwargs.temporary ? null : o.checkpointer;
    await o.log.open(run.runId, { resumable: kwargs.resumable });
    const emit = (event: string, data: unknown) => o.log.append(run.runId, { event, data });
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
        store: o.store,
      });
      const resume = run.attempt > 1 && checkpointer != null && (await wroteCheckpoint(run));
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
        signal: lease.signal,
        attempt: run.attempt,
        callbacks: observed.callbacks,
      });
      for await (const event of stream) await emit(event.event, event.data);
      if (lease.reason()) throw new Error("stopped");
    } catch (error) {
      const reason = lease.reason();
      if (reason === "shutdown" || reason === "lost") {
        observed.finished("requeued", error);
        await handBack(run, lease, reason);
        return;
      }
      if (reason === "interrupt") state = { status: "interrupted" };
      else if (reason === "rollback") state = { status: "deleted" };
      else {
        failure = serializeError(error);
        o.logger.warn({ err: error, run_id: run.runId }, "run failed");
        await emit("error", failure).catch(() => {});
        state = { status: "error", failed: true };
      }
    }

    if (state.status === "deleted" && checkpointer?.deleteForRun)
      await checkpointer.deleteForRun(threadId, run.runId).catch((err: unknown) => {
        o.logger.error({ err, run_id: run.runId }, "rollback: deleting checkpoints failed");
      });
    let values: unknown;
    if (graph && checkpointer) {
      try {
        const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
        const cached = threadStateFromSnapshot(snapshot);
        values = cached.values;
        state = {
          ...state,
          values: cached.values,
          interrupts: cached.interrupts,
          interrupted: cached.status === "interrupted",
        };
      } catch (err) {
        o.logger.warn({ err, run_id: run.runId }, "reading the thread state failed");
      }
    }

    observed.finished(outcomeOf(state), failure);
    const kept = await o.repo.finish(run.runId, lease.owner, state).catch((err) => {
      o.logger.error({ err, run_id: run.runId }, "finishing the run failed");
      return false;
    });
    await o.log.complete(run.runId);
    if (!kept) return;
    await o.onFinished(run);
    if (kwargs.temporary) await o.repo.deleteThread(threadId).catch(() => {});
    if (kwargs.webhook && state.status !== "deleted") {
      void o.webhooks.send(kwargs.webhook, {
        run: { ...run, status: state.status },
        startedAt,
        endedAt: new Date(),
        values,
        error: failure?.message,
      });
    }
  };

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
    if (reason === "shutdown") await o.repo.release(run.runId, lease.owner).catch(() => {});
    o.logger.info({ run_id: run.runId, reason }, "run handed back to the queue");
    await o.log.complete(run.runId);
  }
}
