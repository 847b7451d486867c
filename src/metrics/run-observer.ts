/**
 * The run observer of the server: run metrics, one log line when a run starts and one when it
 * ends (with run, thread and graph ids), and a trace of the run when tracing is on.
 */
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics, RunOutcome } from "./metrics.ts";
import type { RunInfo, RunObservation, RunObserver } from "./observer.ts";

/** What tracing offers per run (see `src/tracing/run-trace.ts`). */
export interface RunTracing {
  startRun(run: RunInfo): { callbacks: unknown[]; end(outcome: RunOutcome, error?: unknown): void };
}

/** Dependencies of the run observer. */
export interface RunObserverDeps {
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  tracing?: RunTracing;
}

/** Builds the run observer. */
export function createRunObserver(deps: RunObserverDeps): RunObserver {
  const { metrics, logger, clock, tracing } = deps;
  return {
    onRunClaimed(run: RunInfo): RunObservation {
      const claimedAt = clock.now().getTime();
      const waitMs = run.queuedAt ? Math.max(0, claimedAt - run.queuedAt.getTime()) : 0;
      const ids = { run_id: run.runId, thread_id: run.threadId, graph_id: run.graphId };
      metrics.runs.started(run.graphId, waitMs / 1000);
      logger.info({ ...ids, queue_wait_ms: waitMs }, "run started");
      const trace = tracing?.startRun(run);
      let done = false;
      return {
        callbacks: trace?.callbacks ?? [],
        finished(outcome, error) {
          if (done) return;
          done = true;
          const ms = clock.now().getTime() - claimedAt;
          metrics.runs.finished(outcome, run.graphId, ms / 1000);
          trace?.end(outcome, error);
          const line = { ...ids, outcome, duration_ms: ms };
          if (outcome === "error") logger.warn({ ...line, err: error }, "run finished");
          else logger.info(line, "run finished");
        },
      };
    },
  };
}
