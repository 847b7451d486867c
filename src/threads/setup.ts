/**
 * Builds the threads feature for the composition root: SQL storage bound to the checkpointer (so a
 * transaction covers thread rows and checkpoints), the services, and the TTL sweeper.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Clock } from "../core/clock.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../storage/database.ts";
import type { ThreadsStorage } from "./repository.ts";
import { ThreadsService } from "./service.ts";
import { createSqlThreadsStorage } from "./sql-storage.ts";
import { type ThreadGraphs, ThreadStateService } from "./state-service.ts";
import { startTtlSweeper, type TtlSweeper } from "./sweeper.ts";
import type { ThreadTtlInput } from "./types.ts";

/** A checkpointer that can work inside a caller's transaction and maintain whole threads. */
export interface TransactionalSaver extends BaseCheckpointSaver<string | number> {
  withExecutor(db: Db): BaseCheckpointSaver<string | number>;
  copyThread(source: string, target: string, trx?: Db): Promise<void>;
  pruneThreads(ids: string[], strategy: "delete" | "keep_latest", trx?: Db): Promise<void>;
}

/** `checkpointer.ttl` of the config file (minutes), as in LangGraph Platform. */
export interface ThreadTtlConfig {
  strategy?: "delete" | "keep_latest";
  default_ttl?: number;
  sweep_interval_minutes?: number;
}

/** Everything the feature is built from. */
export interface ThreadsSetupOptions {
  db: Db;
  checkpointer: TransactionalSaver;
  graphs: ThreadGraphs;
  clock: Clock;
  ttl?: ThreadTtlConfig;
  /** The graph of an assistant (supersteps naming only `metadata.assistant_id`). */
  resolveGraphId?: (assistantId: string) => Promise<string | null>;
  onSweepError: (error: unknown) => void;
  onSwept?: (count: number) => void;
  /** Stops the runs of deleted threads at once (see `ThreadsServiceOptions.onRunsDeleted`). */
  onRunsDeleted?: () => Promise<void>;
  /** Stops a thread's runs before a keep_latest trim (see `ThreadsServiceOptions.onThreadTrimmed`). */
  onThreadTrimmed?: (threadId: string) => Promise<void>;
  /** Decorates the storage (the metadata cache reads through it and invalidates on writes). */
  wrapStorage?: (storage: ThreadsStorage) => ThreadsStorage;
}

/** The built feature. */
export interface ThreadsFeature {
  threads: ThreadsService;
  state: ThreadStateService;
  sweeper: TtlSweeper;
}

const DEFAULT_SWEEP_MINUTES = 5;

/** Wires storage, services and the sweeper; stop the sweeper on shutdown. */
export function createThreadsFeature(options: ThreadsSetupOptions): ThreadsFeature {
  const { checkpointer } = options;
  const wrap = options.wrapStorage ?? ((s: ThreadsStorage) => s);
  const storage = wrap(
    createSqlThreadsStorage({
      db: options.db,
      checkpointer: (db) => (db === options.db ? checkpointer : checkpointer.withExecutor(db)),
      checkpoints: (db) => ({
        copyThread: (source, target) => checkpointer.copyThread(source, target, db),
        deleteThread: (threadId) => checkpointer.pruneThreads([threadId], "delete", db),
        pruneThread: (threadId, strategy) => checkpointer.pruneThreads([threadId], strategy, db),
      }),
    }),
  );
  const state = new ThreadStateService({ storage, graphs: options.graphs, clock: options.clock });
  const defaultTtl: ThreadTtlInput | null = options.ttl?.default_ttl
    ? { minutes: options.ttl.default_ttl, strategy: options.ttl.strategy ?? "delete" }
    : null;
  const threads = new ThreadsService({
    storage,
    state,
    clock: options.clock,
    newId,
    defaultTtl,
    resolveGraphId: options.resolveGraphId,
    onRunsDeleted: options.onRunsDeleted,
    onThreadTrimmed: options.onThreadTrimmed,
  });
  const sweeper = startTtlSweeper({
    sweep: () => threads.sweepExpired(),
    intervalMs: (options.ttl?.sweep_interval_minutes ?? DEFAULT_SWEEP_MINUTES) * 60_000,
    onError: options.onSweepError,
    onSwept: options.onSwept,
  });
  return { threads, state, sweeper };
}
