/**
 * What crosses between the HTTP thread and the run executor thread (`executor-thread.ts` spawns
 * it, `executor-entry.ts` runs in it, `executor-supervisor.ts` keeps it): the messages each way,
 * the handle of a running thread and where its log lines, metrics and dead runs go.
 */

import type { MessagePort } from "node:worker_threads";
import type { LogFeed } from "../logging/feed.ts";
import type { MetricJson } from "../metrics/merge.ts";
import type { Observability } from "../metrics/setup.ts";

/** Messages from the executor thread. */
export type FromExecutor =
  | { type: "started" }
  | { type: "failed"; message: string; stack?: string }
  /** It drained and exits; its own metrics then (kept by an on-demand stop). */
  | { type: "closed"; metrics?: MetricJson[] }
  /** One JSON log line (for the HTTP thread's admin log feed; stdout already has it). */
  | { type: "log"; line: string }
  /** The answer to a `metrics` request. */
  | { type: "metrics"; id: number; metrics: MetricJson[] }
  /** The answer to an `idle` request (`BuiltServer.executorIdle`; false when it could not tell). */
  | { type: "idle"; id: number; idle: boolean };

/** Messages to the executor thread. */
export type ToExecutor =
  /** The database: a port to the embedded PGlite worker, none for a networked database. */
  | { type: "db"; port?: MessagePort }
  | { type: "url"; url: string }
  | { type: "port"; port: MessagePort }
  /** Asks for the thread's own metrics (merged into the HTTP thread's `/metrics`). */
  | { type: "metrics"; id: number }
  /** Asks whether it has nothing to do (the on-demand thread stops then, `executor-supervisor.ts`). */
  | { type: "idle"; id: number }
  | { type: "close" };

/** A running executor thread. */
export interface ExecutorThread {
  /** Tells it the server's URL (graphs and relative webhooks reach the server through it). */
  setUrl(url: string): void;
  /** Drains its runs (as a worker role does on SIGTERM) and stops it. */
  close(): Promise<void>;
}

/** Where the executor thread's log lines and metrics go on the HTTP thread, and its runs if it dies. */
export interface ExecutorSinks {
  logFeed: Pick<LogFeed, "push">;
  obs: Pick<Observability, "addSource">;
  /** Requeues the runs a lease owner holds (`BuiltServer.requeueRunsOf`); their ids. */
  requeueRunsOf?(owner: string): Promise<string[]>;
  /** Whether nothing is to execute (`BuiltServer.executorIdle`): on demand, no start yet. */
  executorIdle?(): Promise<boolean>;
}
