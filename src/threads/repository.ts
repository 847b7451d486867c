/**
 * The storage ports of the threads feature. Every read and write honours an optional metadata
 * scope: rows outside it are never loaded and behave as missing.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Scope } from "../auth/scope.ts";
import type {
  NewThread,
  Thread,
  ThreadFilter,
  ThreadPage,
  ThreadPatch,
  ThreadSearch,
  ThreadStateCache,
  ThreadTtlStrategy,
} from "./types.ts";

/** A thread whose TTL ran out. */
export interface ExpiredThread {
  threadId: string;
  strategy: ThreadTtlStrategy;
}

/** Persistence of thread rows. Missing or out-of-scope rows read as `null` / `false`. */
export interface ThreadsRepository {
  /** One thread. */
  find(threadId: string, scope?: Scope): Promise<Thread | null>;
  /** One thread, locked until the surrounding transaction ends. */
  findForUpdate(threadId: string, scope?: Scope): Promise<Thread | null>;
  /** Inserts a thread; `null` when the id is taken. */
  insert(thread: NewThread, now: Date): Promise<Thread | null>;
  /** Merges metadata and/or replaces the TTL. */
  patch(threadId: string, patch: ThreadPatch, now: Date, scope?: Scope): Promise<Thread | null>;
  /** Deletes the row (its runs cascade); whether it existed. */
  delete(threadId: string, scope?: Scope): Promise<boolean>;
  /** A filtered, sorted page plus the overall count. */
  search(query: ThreadSearch, scope?: Scope): Promise<ThreadPage>;
  /** How many threads match. */
  count(filter: ThreadFilter, scope?: Scope): Promise<number>;
  /** Which of `ids` exist (and are in scope). */
  existing(ids: string[], scope?: Scope): Promise<string[]>;
  /** Replaces the cached values (and optionally interrupts/status) after a state change. */
  saveState(threadId: string, state: Partial<ThreadStateCache>, now: Date): Promise<void>;
  /** Whether a run of the thread is pending or running. */
  hasActiveRuns(threadId: string): Promise<boolean>;
  /** Threads whose TTL ran out at `now`, oldest first. */
  expired(now: Date, limit: number): Promise<ExpiredThread[]>;
  /** Clears the expiry of a thread whose TTL was handled without deleting it. */
  clearExpiry(threadId: string): Promise<void>;
}

/** Whole-thread checkpoint maintenance (copy, delete, prune). */
export interface CheckpointMaintenance {
  /** Copies every checkpoint and write of `source` to `target`. */
  copyThread(source: string, target: string): Promise<void>;
  /** Deletes every checkpoint and write of a thread. */
  deleteThread(threadId: string): Promise<void>;
  /** Keeps only the latest root checkpoint (and what it needs). */
  pruneThread(threadId: string, strategy: "keep_latest"): Promise<void>;
}

/** Everything a unit of work sees: thread rows and checkpoints on one connection. */
export interface ThreadsUnit {
  threads: ThreadsRepository;
  checkpointer: BaseCheckpointSaver<string | number>;
  checkpoints: CheckpointMaintenance;
}

/** The storage the threads service runs on: auto-commit access plus transactions. */
export interface ThreadsStorage extends ThreadsUnit {
  /** Runs `fn` in one transaction; everything it writes commits or rolls back together. */
  transaction<T>(fn: (unit: ThreadsUnit) => Promise<T>): Promise<T>;
}
