/**
 * The two ports of the runs engine. `RunStore` is what the use cases (create, read, cancel,
 * delete) need; `RunLeases` is what the worker pool and the executor need (claim, renew, release,
 * finish, requeue expired or a dead owner's, repair). The SQL implementations (`sql-store.ts`,
 * `sql-leases.ts`) serve every engine; `memory.ts` implements both for unit tests with a fake clock.
 * Every state change of a run and its thread happens under that thread's lock (see
 * `thread-lock.ts`); the contract suite `test/storage/runs.contract.test.ts` holds every
 * implementation to the same behaviour.
 */
import type { Transaction } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { Database } from "../storage/database.ts";
import type { UnitOfWork } from "../storage/unit-of-work.ts";
import type {
  CancelAction,
  CancelledRun,
  CancelSelector,
  FinishState,
  Run,
  RunListQuery,
} from "./types.ts";

/** A transaction of the runs tables (a cron tick creates its run inside its own). */
export type Tx = Transaction<Database>;

/** The thread a new run lands on, as seen inside the creating transaction. */
export interface ThreadView {
  threadId: string;
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  created: boolean;
}

/** A run to insert; `build` computes its stored form from the (locked) thread. */
export interface InsertRunSpec {
  runId: string;
  threadId: string;
  assistantId: string;
  multitaskStrategy: Run["multitaskStrategy"];
  /** Create the thread when missing (if_not_exists=create). */
  createThread: boolean;
  /**
   * The thread is new: a stateless run's thread, with an id nobody else knows yet. It is created
   * together with the run in one statement (nothing to lock, nothing in flight on it).
   */
  freshThread?: boolean;
  /** Metadata of a thread this call creates. */
  newThreadMetadata: Record<string, unknown>;
  afterSeconds: number;
  /** Auth scope the existing thread must match (else it behaves as missing). */
  scope?: Scope;
  build(thread: ThreadView): {
    kwargs: Run["kwargs"];
    metadata: Record<string, unknown>;
    threadMetadataPatch: Record<string, unknown>;
    threadConfig: Record<string, unknown>;
  };
}

/** Outcome of an insert. */
export type InsertOutcome =
  | { kind: "created"; run: Run; cancelled: CancelledRun[] }
  | { kind: "busy" }
  | { kind: "thread_missing" };

/**
 * What `finish` did: ended the run (`next`: its thread still has a run in flight, so a queued run
 * may now be claimable), found it lost (gone, or held by another worker), or found a cancel request
 * the run's outcome does not reflect yet (the caller applies it, then finishes again).
 */
export type FinishResult =
  | { kind: "finished"; next: boolean }
  | { kind: "lost" }
  | { kind: "cancelled"; action: CancelAction };

/** A lease as `leaseStates` reads it. */
export interface LeaseState {
  lost: boolean;
  cancelAction: CancelAction | null;
}

/** The run being finished: its id, its thread, and whether the thread goes with it. */
export interface FinishingRun {
  runId: string;
  threadId: string;
  /** A stateless run's temporary thread: deleted with the run in the same transaction. */
  temporary?: boolean;
  /**
   * The attempt that ends (default 1). The first attempt of a stateless run sends no
   * `olg_runs_done`: its waiters see its end in its event log, which completes after the COMMIT.
   */
  attempt?: number;
}

/** Queue leases: what workers need. */
export interface RunLeases {
  /** Claims the next runnable run (or exactly `onlyRunId`) for `owner`; one statement. */
  claim(owner: string, leaseMs: number, onlyRunId?: string): Promise<Run | null>;
  /** Extends a lease; returns the pending cancel action, or `lost` when the lease is gone. */
  renew(runId: string, owner: string, leaseMs: number): Promise<LeaseState>;
  /** The leases of `runIds` (those still present) as `owner` holds them, in one query. */
  leaseStates(runIds: string[], owner: string): Promise<Map<string, LeaseState>>;
  /** Hands a claimed run back to the queue (drain on shutdown). */
  release(runId: string, owner: string): Promise<void>;
  /** Ends a run held by `owner` and writes its thread's outcome, under the thread lock. */
  finish(run: FinishingRun, owner: string, state: FinishState): Promise<FinishResult>;
  /** Puts runs whose lease expired back in the queue; returns their ids. */
  requeueExpired(): Promise<string[]>;
  /**
   * Puts back in the queue, at once, the running runs `owner` holds (a dead executor thread of
   * this process: its lease owner id, never another's); returns their ids. Like an expired lease:
   * the next claim is attempt + 1 and resumes from the last checkpoint, and every later write or
   * renewal of `owner` on them is refused (`lost`).
   */
  requeueOwner(owner: string): Promise<string[]>;
  /** Requeues every running run not owned by `owner` (embedded database: no other process). */
  requeueOrphans(owner: string): Promise<string[]>;
  /** Repairs threads left `busy` with no pending or running run; returns how many. */
  repair(): Promise<number>;
}

/** Run rows: what the use cases need. */
export interface RunStore {
  /**
   * Inserts a run applying the multitask strategy, in one transaction, or in the caller's unit of
   * work `within` (a cron tick: its claim and the run commit together).
   */
  insert(spec: InsertRunSpec, within?: UnitOfWork): Promise<InsertOutcome>;
  /**
   * Inserts runs that each get a new thread (`freshThread` specs: a `/runs/batch`), all in one
   * transaction: every run and its thread, or none. Returns the runs in the order of `specs`.
   */
  insertFreshMany(specs: InsertRunSpec[]): Promise<Run[]>;
  /** One run (optionally constrained to a thread, and to threads in the auth `scope`). */
  get(runId: string, threadId?: string, scope?: Scope): Promise<Run | null>;
  /** The subset of `runIds` still pending or running (one query: the pooled stream liveness check). */
  activeAmong(runIds: string[]): Promise<Set<string>>;
  /** Runs of a thread (`null`: of every thread in `scope`), newest first. */
  list(threadId: string | null, query: RunListQuery, scope?: Scope): Promise<Run[]>;
  /** Cancels the selected runs (pending end at once, running get `cancel_action`). */
  cancel(
    selector: CancelSelector,
    action: CancelAction,
    scope?: Scope,
    reason?: string,
  ): Promise<CancelledRun[]>;
  /** Deletes a run; returns it (null when missing). Its thread status is repaired. */
  delete(runId: string, threadId?: string, scope?: Scope): Promise<Run | null>;
  /**
   * Deletes every run of an assistant in the caller's unit of work, under the locks of their
   * threads, and repairs those threads (none is left `busy` without a run); returns the runs.
   */
  deleteForAssistant(uow: UnitOfWork, assistantId: string): Promise<Run[]>;
  /** Whether a thread row exists (and is in the auth `scope`). */
  threadExists(threadId: string, scope?: Scope): Promise<boolean>;
  /** Cached values of a thread (null when missing). */
  threadValues(threadId: string): Promise<{ values: unknown } | null>;
}
