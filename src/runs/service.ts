/**
 * The runs service: creation (multitask strategies, if_not_exists, stateless threads), reads,
 * cancellation on any replica, and the join/wait/stream views over the run event log.
 */

import type { Assistant } from "../assistants/types.ts";
import type { Scope } from "../auth/scope.ts";
import { notFound, unprocessable } from "../core/errors.ts";
import type { InputLimits } from "../core/limits.ts";
import type { Logger } from "../logging/logger.ts";
import { UnitOfWork } from "../storage/unit-of-work.ts";
import { RunLiveness } from "../stream/liveness.ts";
import type { LoggedEvent, RunEventLog } from "../stream/log.ts";
import type { RunRequest } from "./build.ts";
import type { DoneSignals } from "./done.ts";
import type { RunCheckpointer } from "./executor.ts";
import type { InsertOutcome, InsertRunSpec, RunStore, Tx } from "./ports.ts";
import { CHANNEL_CANCEL, CHANNEL_DONE, type RunQueue, type StopReason } from "./queue.ts";
import { settled, settleThread } from "./settle.ts";
import type { CreateContext } from "./spec.ts";
import { insertSpec } from "./spec.ts";
import type { CancelAction, CancelledRun, CancelSelector, Run, RunListQuery } from "./types.ts";

export type { Scope } from "../auth/scope.ts";
export type { RunRequest } from "./build.ts";
export type { AuthorizedRun, CreateContext } from "./spec.ts";

/** The assistants port the runs engine needs. */
export interface AssistantResolver {
  /**
   * The assistant for an id or a graph id, as the caller may read it (`readScope` runs the
   * caller's `assistants:read` for the stored id); throws the official 404 otherwise.
   */
  resolve(
    idOrGraphId: string,
    readScope?: (assistantId: string) => Promise<Scope>,
  ): Promise<Assistant>;
}

/** What the service is built from. */
export interface RunsServiceOptions {
  store: RunStore;
  queue: RunQueue;
  /** Run-end signals (local finishes and `olg_runs_done`): waiters wake on them. */
  done: DoneSignals;
  log: RunEventLog;
  assistants: AssistantResolver;
  checkpointer: RunCheckpointer;
  notify(channel: string, payload: string): Promise<void>;
  logger: Logger;
  /** Refuses a webhook URL the delivery policy would not reach (throws a 422 domain error). */
  checkWebhook?: (url: string) => Promise<void>;
  /** Input limits (the merged run metadata is bounded by them). */
  limits?: InputLimits;
  /** Work for every org's callers at once (pooled liveness query): `SYSTEM_ORG` with tenancy. */
  acrossOrgs?: <T>(fn: () => Promise<T>) => Promise<T>;
}

const BUSY =
  "Thread is already running a task. Wait for it to finish or choose a different multitask strategy.";
/** How long a resume waits for the run that raised the interrupt to persist it and end. */
const RESUME_SETTLE_MS = 10_000;
const threadNotFound = (id: string) => notFound(`Thread with ID ${id} not found`);
const runNotFound = () => notFound("Run not found");

/** Runs use cases. */
export class RunsService {
  /** One liveness watcher for every stream of this process (see src/stream/liveness.ts). */
  readonly #liveness: RunLiveness;

  constructor(private readonly o: RunsServiceOptions) {
    const all = o.acrossOrgs ?? ((fn) => fn());
    this.#liveness = new RunLiveness({ activeAmong: (ids) => all(() => o.store.activeAmong(ids)) });
  }

  /** Creates a run on `threadId` (null = stateless) and schedules it. */
  async create(threadId: string | null, request: RunRequest, context: CreateContext): Promise<Run> {
    let req = request;
    let ctx = context;
    if (ctx.authorize) {
      const granted = await ctx.authorize(threadId, req);
      req = { ...req, metadata: granted.metadata };
      ctx = { ...ctx, runId: granted.runId, scope: granted.scope, authorize: undefined };
    }
    const assistant = await this.o.assistants.resolve(req.assistantId, ctx.assistantScope);
    if (req.webhook && this.o.checkWebhook) await this.o.checkWebhook(req.webhook);
    const spec = insertSpec(threadId, req, ctx, assistant, this.o.limits);
    let outcome = await this.o.store.insert(spec);
    // A client resumes as soon as it sees an interrupt streamed, which is before the run that
    // raised it has persisted it and ended: wait for that run to end, then try again (once).
    if (outcome.kind === "busy" && req.command?.resume !== undefined) {
      if (await this.settleThread(spec.threadId)) outcome = await this.o.store.insert(spec);
    }
    if (outcome.kind === "thread_missing") throw threadNotFound(spec.threadId);
    if (outcome.kind === "busy") throw unprocessable(BUSY);
    await this.#scheduled(outcome.run, outcome.cancelled, req);
    return outcome.run;
  }

  /**
   * Creates stateless runs (`POST /runs/batch`), all or none: every item is authorized, its
   * assistant resolved (once per id) and its webhook checked before anything is written, then the
   * runs and their threads are inserted in one transaction. Scheduling claims runs here while this
   * replica has free slots, then wakes every replica once. Throws the first item's error (nothing
   * written).
   */
  async createBatch(requests: RunRequest[], context: CreateContext): Promise<Run[]> {
    const assistants = new Map<string, Promise<Assistant>>();
    const items: { spec: InsertRunSpec; req: RunRequest }[] = [];
    for (const request of requests) {
      let req = request;
      let ctx = context;
      if (ctx.authorize) {
        const granted = await ctx.authorize(null, req);
        req = { ...req, metadata: granted.metadata };
        ctx = { ...ctx, runId: granted.runId, scope: granted.scope, authorize: undefined };
      }
      let assistant = assistants.get(req.assistantId);
      if (!assistant) {
        assistant = this.o.assistants.resolve(req.assistantId, ctx.assistantScope);
        assistants.set(req.assistantId, assistant);
      }
      const resolved = await assistant;
      if (req.webhook && this.o.checkWebhook) await this.o.checkWebhook(req.webhook);
      items.push({ spec: insertSpec(null, req, ctx, resolved, this.o.limits), req });
    }
    const runs = await this.o.store.insertFreshMany(items.map((item) => item.spec));
    let slots = true;
    let unclaimed = false;
    for (const [i, run] of runs.entries()) {
      await this.o.log.open(run.runId, { resumable: run.kwargs.resumable });
      const after = items[i]!.req.afterSeconds ?? 0;
      if (after > 0) this.o.queue.wakeIn(after * 1000);
      else if (!slots || !(await this.o.queue.claimLocal(run.runId).catch(() => false))) {
        slots = false;
        unclaimed = true;
      }
    }
    this.o.logger.info({ runs: runs.length }, "created runs (batch)");
    if (unclaimed) await this.o.queue.announce();
    return runs;
  }

  /**
   * Creates a run inside the caller's transaction `trx` (a cron tick: the claim of the tick and the
   * run commit together). The assistant is resolved by the caller before `trx` opened (PGlite has
   * one connection). Call `afterCommit` once `trx` committed; nothing is scheduled before. If `trx`
   * fails instead, call `rolledBack()` on the unit of work `onUnit` was given (as soon as it exists,
   * even if this call throws).
   */
  async createWithin(
    trx: Tx,
    threadId: string | null,
    req: RunRequest,
    ctx: CreateContext,
    assistant: Assistant,
    onUnit?: (uow: UnitOfWork) => void,
  ): Promise<{ outcome: InsertOutcome; afterCommit(): Promise<void> }> {
    const uow = new UnitOfWork(trx);
    onUnit?.(uow);
    const spec = insertSpec(threadId, req, ctx, assistant, this.o.limits);
    const outcome = await this.o.store.insert(spec, uow);
    const afterCommit = async () => {
      await uow.committed();
      if (outcome.kind === "created") await this.#scheduled(outcome.run, outcome.cancelled, req);
    };
    return { outcome, afterCommit };
  }

  /** After the insert committed: open the event log, end cancelled runs, wake a worker. */
  async #scheduled(run: Run, cancelled: CancelledRun[], req: RunRequest): Promise<void> {
    await this.o.log.open(run.runId, { resumable: run.kwargs.resumable });
    await this.#afterCancel(cancelled);
    this.o.logger.info({ run_id: run.runId, thread_id: run.threadId }, "created run");
    if ((req.afterSeconds ?? 0) > 0) this.o.queue.wakeIn((req.afterSeconds ?? 0) * 1000);
    else if (!(await this.o.queue.claimLocal(run.runId).catch(() => false)))
      await this.o.queue.announce();
  }

  /** One run of a thread. */
  async get(threadId: string, runId: string, scope?: Scope): Promise<Run> {
    const run = await this.o.store.get(runId, threadId, scope);
    if (run) return run;
    if (!(await this.o.store.threadExists(threadId, scope))) throw threadNotFound(threadId);
    throw runNotFound();
  }

  /** A run by id alone (stateless joins). */
  async find(runId: string, scope?: Scope): Promise<Run | null> {
    return this.o.store.get(runId, undefined, scope);
  }

  /** Runs of a thread. */
  async list(threadId: string, query: RunListQuery, scope?: Scope): Promise<Run[]> {
    if (!(await this.o.store.threadExists(threadId, scope))) throw threadNotFound(threadId);
    return this.o.store.list(threadId, query, scope);
  }

  /** Runs of every thread in `scope`, newest first (the `POST /runs/search` extension). */
  search(query: RunListQuery, scope?: Scope): Promise<Run[]> {
    return this.o.store.list(null, query, scope);
  }

  /** Deletes a run; a running one is stopped wherever it executes. */
  async delete(threadId: string, runId: string, scope?: Scope): Promise<void> {
    const run = await this.o.store.delete(runId, threadId, scope);
    if (!run) throw runNotFound();
    if (run.status === "running") await this.#signal(run.runId, "deleted");
    await this.o.log.complete(runId);
  }

  /** Cancels runs of a thread; 404 when one of them does not exist. */
  async cancel(
    threadId: string,
    runIds: string[],
    action: CancelAction,
    scope?: Scope,
    reason?: string,
  ): Promise<void> {
    const touched = await this.o.store.cancel({ threadId, runIds }, action, scope, reason);
    if (touched.length !== new Set(runIds).size) throw runNotFound();
    await this.#afterCancel(touched);
  }

  /** Bulk cancel (`POST /runs/cancel`). */
  async cancelMany(selector: CancelSelector, action: CancelAction, scope?: Scope): Promise<number> {
    const touched = await this.o.store.cancel(selector, action, scope);
    if (selector.runIds && touched.length !== new Set(selector.runIds).size) throw runNotFound();
    await this.#afterCancel(touched);
    return touched.filter((t) => t.effect !== "none").length;
  }

  async #afterCancel(touched: CancelledRun[]): Promise<void> {
    for (const t of touched) {
      if (t.effect === "signalled") await this.#signal(t.runId, t.action);
      else if (t.effect === "ended" || t.effect === "deleted") {
        if (t.effect === "deleted")
          await this.o.checkpointer.deleteForRun?.(t.threadId, t.runId).catch(() => {});
        await this.o.log.complete(t.runId);
        this.o.done.finished(t.runId);
        await this.o.notify(CHANNEL_DONE, t.runId).catch(() => {});
      }
    }
    if (touched.some((t) => t.effect === "ended" || t.effect === "deleted"))
      await this.o.queue.announce();
  }

  async #signal(runId: string, action: StopReason): Promise<void> {
    if (!this.o.queue.stopLocal(runId, action))
      await this.o.notify(CHANNEL_CANCEL, JSON.stringify({ runId, action })).catch(() => {});
  }

  /** Events of a run from the log (replay after `lastEventId`, then live). */
  events(runId: string, options: { lastEventId?: string; signal?: AbortSignal }) {
    return this.o.log.read(runId, {
      lastEventId: options.lastEventId,
      signal: options.signal,
      stillActive: () => this.#liveness.isActive(runId),
    });
  }

  /** Whether the run's event log is still held (live or retained). */
  hasEvents(runId: string): Promise<boolean> {
    return this.o.log.has(runId);
  }

  /** Waits for the run to end: its last `values` chunk, or `{__error__}` when it failed. */
  async wait(run: Run, signal?: AbortSignal): Promise<unknown> {
    let last: unknown = null;
    for await (const e of this.events(run.runId, {
      lastEventId: "-1",
      signal,
    }) as AsyncIterable<LoggedEvent>) {
      if (e.event === "values") last = e.data;
      else if (e.event === "error") last = { __error__: e.data };
    }
    await settled(this.o, run.runId, signal);
    if (last != null || run.kwargs.temporary) return last;
    return (await this.o.store.threadValues(run.threadId))?.values ?? null;
  }

  /** `GET …/join`: blocks until the run ends, then answers like `wait`. */
  async join(
    threadId: string,
    runId: string,
    signal?: AbortSignal,
    scope?: Scope,
  ): Promise<unknown> {
    const run = await this.get(threadId, runId, scope);
    return this.wait(run, signal);
  }

  /**
   * Waits until no run of the thread is running (at most `timeoutMs`); true when none is. The
   * window between an interrupt being streamed and its run ending is what a resume waits out.
   */
  settleThread(threadId: string, timeoutMs = RESUME_SETTLE_MS): Promise<boolean> {
    return settleThread(this.o, threadId, timeoutMs);
  }
}
