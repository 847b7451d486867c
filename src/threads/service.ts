/**
 * The threads service: create (optionally seeded with supersteps), read, patch, delete, search,
 * copy, prune and TTL expiry. Writes that touch both the thread row and its checkpoints run in
 * one transaction.
 */

import type { Scope } from "../auth/scope.ts";
import type { Clock } from "../core/clock.ts";
import { conflict, notFound } from "../core/errors.ts";
import type { ThreadsStorage, ThreadsUnit } from "./repository.ts";
import { graphIdOfThread } from "./state.ts";
import type { SuperstepUpdate, ThreadStateService } from "./state-service.ts";
import type {
  Metadata,
  PruneStrategy,
  Thread,
  ThreadFilter,
  ThreadPage,
  ThreadPatch,
  ThreadSearch,
  ThreadTtlInput,
} from "./types.ts";

/** What `POST /threads` asks for. */
export interface CreateThreadInput {
  threadId?: string;
  metadata?: Metadata;
  ifExists?: "raise" | "do_nothing";
  supersteps?: { updates: SuperstepUpdate[] }[];
  ttl?: ThreadTtlInput | null;
}

/** Dependencies of the threads service. */
export interface ThreadsServiceOptions {
  storage: ThreadsStorage;
  state: ThreadStateService;
  clock: Clock;
  newId: () => string;
  /** TTL given to threads created without one (`checkpointer.ttl.default_ttl`). */
  defaultTtl?: ThreadTtlInput | null;
  /** The graph of an assistant, so supersteps may name `metadata.assistant_id` only. */
  resolveGraphId?: (assistantId: string) => Promise<string | null>;
  /**
   * Called after threads were deleted (their runs went with them): stops those runs at once on
   * whichever replica executes them (the runs' control channel).
   */
  onRunsDeleted?: () => Promise<void>;
  /**
   * Called before a thread is trimmed to its latest checkpoint (`keep_latest`, by prune or TTL):
   * stops its active runs (cancel, action interrupt) so none of them writes after the trim.
   */
  onThreadTrimmed?: (threadId: string) => Promise<void>;
}

const threadNotFound = (threadId: string) => notFound(`Thread with ID ${threadId} not found`);
const SWEEP_BATCH = 100;

/** Thread lifecycle operations. */
export class ThreadsService {
  constructor(private readonly options: ThreadsServiceOptions) {}

  /** Creates a thread; an existing id raises 409 or returns the thread (`if_exists: do_nothing`). */
  async create(input: CreateThreadInput, scope?: Scope): Promise<Thread> {
    const { storage, clock } = this.options;
    const threadId = input.threadId ?? this.options.newId();
    const supersteps = input.supersteps ?? [];
    const draft = {
      threadId,
      metadata:
        supersteps.length > 0
          ? await this.#withGraphId(input.metadata ?? {})
          : (input.metadata ?? {}),
      ttl: input.ttl ?? this.options.defaultTtl ?? null,
    };
    if (supersteps.length === 0) {
      const created = await storage.threads.insert(draft, clock.now());
      return created ?? this.#existing(storage, threadId, input.ifExists, scope);
    }
    return storage.transaction(async (unit) => {
      const created = await unit.threads.insert(draft, clock.now());
      if (!created) return this.#existing(unit, threadId, input.ifExists, scope);
      await this.options.state.applySupersteps(unit, created, supersteps);
      return (await unit.threads.find(threadId)) ?? created;
    });
  }

  /** One thread, or `null` when missing or out of scope. */
  find(threadId: string, scope?: Scope): Promise<Thread | null> {
    return this.options.storage.threads.find(threadId, scope);
  }

  /** One thread; 404 when missing or out of scope. */
  async get(threadId: string, scope?: Scope): Promise<Thread> {
    const thread = await this.find(threadId, scope);
    if (!thread) throw threadNotFound(threadId);
    return thread;
  }

  /** Merges metadata and/or resets the TTL. */
  async patch(threadId: string, patch: ThreadPatch, scope?: Scope): Promise<Thread> {
    const { storage, clock } = this.options;
    const thread = await storage.threads.patch(threadId, patch, clock.now(), scope);
    if (!thread) throw notFound("Thread not found");
    return thread;
  }

  /** Deletes a thread, its checkpoints and (by cascade) its runs. */
  async delete(threadId: string, scope?: Scope): Promise<void> {
    const deleted = await this.options.storage.transaction((unit) =>
      this.#deleteIn(unit, threadId, scope),
    );
    if (!deleted) throw threadNotFound(threadId);
    await this.#runsDeleted();
  }

  /** A page of threads and the overall count. */
  search(query: ThreadSearch, scope?: Scope): Promise<ThreadPage> {
    return this.options.storage.threads.search(query, scope);
  }

  /** How many threads match. */
  count(filter: ThreadFilter, scope?: Scope): Promise<number> {
    return this.options.storage.threads.count(filter, scope);
  }

  /**
   * Copies a thread and its checkpoints under a new id (or `target`'s id and metadata, which auth
   * may have stamped). A missing source answers 409 "Thread not found", as the official server does.
   */
  async copy(
    threadId: string,
    scope?: Scope,
    target?: { threadId: string; metadata?: Metadata },
  ): Promise<Thread> {
    const { storage, clock, newId } = this.options;
    return storage.transaction(async (unit) => {
      const source = await unit.threads.find(threadId, scope);
      if (!source) throw conflict("Thread not found");
      const copyId = target?.threadId ?? newId();
      const copy = await unit.threads.insert(
        {
          threadId: copyId,
          metadata: target?.metadata ?? { ...source.metadata, thread_id: copyId },
          config: source.config,
          state: {
            values: source.values,
            interrupts: source.interrupts,
            // A copy has no runs: it can be interrupted or errored like its source, never busy.
            status: source.status === "busy" ? "idle" : source.status,
          },
        },
        clock.now(),
      );
      if (!copy) throw conflict("Thread already exists");
      await unit.checkpoints.copyThread(threadId, copyId);
      return copy;
    });
  }

  /** Deletes threads, or trims each to its latest checkpoint; how many threads were pruned. */
  async prune(threadIds: string[], strategy: PruneStrategy, scope?: Scope) {
    const { storage } = this.options;
    const ids = await storage.threads.existing([...new Set(threadIds)], scope);
    let pruned = 0;
    for (const id of ids) {
      if (strategy === "delete") {
        if (await storage.transaction((unit) => this.#deleteIn(unit, id, scope))) pruned++;
      } else {
        await this.#stopRuns(id);
        await storage.checkpoints.pruneThread(id, "keep_latest");
        pruned++;
      }
    }
    if (strategy === "delete" && pruned > 0) await this.#runsDeleted();
    return pruned;
  }

  /** Applies the TTL of every expired thread (delete, or keep only the latest checkpoint). */
  async sweepExpired(): Promise<number> {
    const { storage, clock } = this.options;
    let handled = 0;
    for (;;) {
      const batch = await storage.threads.expired(clock.now(), SWEEP_BATCH);
      for (const { threadId, strategy } of batch) {
        if (strategy === "delete") {
          if (await storage.transaction((unit) => this.#deleteIn(unit, threadId)))
            await this.#runsDeleted();
        } else {
          await this.#stopRuns(threadId);
          await storage.checkpoints.pruneThread(threadId, "keep_latest");
          await storage.threads.clearExpiry(threadId);
        }
        handled++;
      }
      if (batch.length < SWEEP_BATCH) return handled;
    }
  }

  /** Stamps `graph_id` from `assistant_id` when only the assistant is named. */
  async #withGraphId(metadata: Metadata): Promise<Metadata> {
    const assistantId = metadata.assistant_id;
    const { resolveGraphId } = this.options;
    if (graphIdOfThread(metadata) != null || typeof assistantId !== "string" || !resolveGraphId)
      return metadata;
    const graphId = await resolveGraphId(assistantId).catch(() => null);
    return graphId ? { ...metadata, graph_id: graphId } : metadata;
  }

  /** Stops the thread's runs before its checkpoints are trimmed (a failure keeps the trim). */
  async #stopRuns(threadId: string): Promise<void> {
    await this.options.onThreadTrimmed?.(threadId).catch(() => {});
  }

  async #runsDeleted(): Promise<void> {
    await this.options.onRunsDeleted?.().catch(() => {});
  }

  async #deleteIn(unit: ThreadsUnit, threadId: string, scope?: Scope): Promise<boolean> {
    if (!(await unit.threads.delete(threadId, scope))) return false;
    await unit.checkpoints.deleteThread(threadId);
    return true;
  }

  async #existing(
    unit: ThreadsUnit,
    threadId: string,
    ifExists: CreateThreadInput["ifExists"],
    scope: Scope,
  ): Promise<Thread> {
    const existing = ifExists === "do_nothing" ? await unit.threads.find(threadId, scope) : null;
    if (!existing) throw conflict("Thread already exists");
    return existing;
  }
}
