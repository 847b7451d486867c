/**
 * `RunStore` and `RunLeases` in memory, for unit tests with a fake clock. Same rules as the SQL
 * implementation (the contract suite `test/storage/runs.contract.test.ts` runs on both). Every
 * call is atomic (no awaits inside): what the thread lock gives the SQL side. Scopes match
 * top-level metadata keys by JSON equality only (enough for tests; the SQL side has the rest).
 */

import type { Scope } from "../auth/scope.ts";
import type { Clock } from "../core/clock.ts";
import type { UnitOfWork } from "../storage/unit-of-work.ts";
import {
  CANCELLABLE,
  cancelOne,
  copy,
  inFlight,
  type MemRun,
  type MemThread,
  matches,
  newMemRun,
  order,
  requeue,
} from "./memory-rows.ts";
import type {
  FinishingRun,
  FinishResult,
  InsertOutcome,
  InsertRunSpec,
  LeaseState,
  RunLeases,
  RunStore,
} from "./ports.ts";
import type {
  CancelAction,
  CancelledRun,
  CancelSelector,
  FinishState,
  Run,
  RunListQuery,
} from "./types.ts";

/** Runs and their threads in memory. */
export class MemoryRuns implements RunStore, RunLeases {
  readonly threads = new Map<string, MemThread>();
  readonly runs = new Map<string, MemRun>();
  #seq = 0;

  constructor(private readonly clock: Clock) {}

  #now = () => this.clock.now().getTime();

  async insert(spec: InsertRunSpec, _within?: UnitOfWork): Promise<InsertOutcome> {
    return this.#insertNow(spec);
  }

  #insertNow(spec: InsertRunSpec): InsertOutcome {
    let thread = this.threads.get(spec.threadId);
    if (thread && !matches(thread.metadata, spec.scope)) thread = undefined;
    const created = !this.threads.has(spec.threadId);
    if (!thread) {
      if (!spec.createThread || !created) return { kind: "thread_missing" };
      thread = {
        metadata: { ...spec.newThreadMetadata },
        config: {},
        status: "busy",
        values: null,
        interrupts: {},
      };
    }
    const inflight = this.#ofThread(spec.threadId).filter(inFlight);
    if (spec.multitaskStrategy === "reject" && inflight.length > 0) return { kind: "busy" };
    const built = spec.build({
      threadId: spec.threadId,
      metadata: thread.metadata,
      config: thread.config,
      created,
    });
    this.threads.set(spec.threadId, thread);
    const now = this.#now();
    const run = newMemRun(spec, built, now, this.#seq++);
    this.runs.set(run.runId, run);
    Object.assign(thread, {
      status: "busy",
      metadata: { ...thread.metadata, ...built.threadMetadataPatch },
      config: built.threadConfig,
    });
    const cancelled: CancelledRun[] = [];
    if (spec.multitaskStrategy === "interrupt" || spec.multitaskStrategy === "rollback")
      for (const old of inflight) cancelled.push(cancelOne(this.runs, old, spec.multitaskStrategy));
    return { kind: "created", run: copy(run), cancelled };
  }

  async insertFreshMany(specs: InsertRunSpec[]): Promise<Run[]> {
    // No await between the inserts: no other request sees part of the batch.
    const taken = specs.find((spec) => this.threads.has(spec.threadId));
    if (taken) throw new Error(`thread ${taken.threadId} exists`);
    const runs: Run[] = [];
    for (const spec of specs) {
      const outcome = this.#insertNow(spec);
      if (outcome.kind === "created") runs.push(outcome.run);
    }
    return runs;
  }

  async get(runId: string, threadId?: string, scope?: Scope): Promise<Run | null> {
    const run = this.runs.get(runId);
    if (!run || (threadId && run.threadId !== threadId) || !this.#inScope(run, scope)) return null;
    return copy(run);
  }

  async activeAmong(runIds: string[]): Promise<Set<string>> {
    return new Set(runIds.filter((id) => inFlight(this.runs.get(id) ?? ({} as MemRun))));
  }

  async list(threadId: string | null, query: RunListQuery, scope?: Scope): Promise<Run[]> {
    return (threadId === null ? [...this.runs.values()] : this.#ofThread(threadId))
      .filter((r) => this.#inScope(r, scope) && (!query.status || r.status === query.status))
      .filter((r) => !query.assistantId || r.assistantId === query.assistantId)
      .filter((r) => matches(r.metadata, query.metadata))
      .sort((a, b) => b.seq - a.seq)
      .slice(query.offset, query.offset + query.limit)
      .map(copy);
  }

  async cancel(selector: CancelSelector, action: CancelAction, scope?: Scope, reason?: string) {
    const wanted = CANCELLABLE[selector.status ?? "any"];
    const rows = [...this.runs.values()].filter(
      (r) =>
        this.#inScope(r, scope) &&
        (!selector.threadId || r.threadId === selector.threadId) &&
        (!selector.runIds || selector.runIds.includes(r.runId)) &&
        (!wanted || wanted.includes(r.status)),
    );
    const out = rows.map((r) => cancelOne(this.runs, r, action));
    for (const t of out)
      if (reason && (t.effect === "ended" || t.effect === "signalled"))
        this.runs.get(t.runId)!.cancelReason = reason;
    for (const r of rows) this.#repair(r.threadId);
    return out;
  }

  async delete(runId: string, threadId?: string, scope?: Scope): Promise<Run | null> {
    const run = await this.get(runId, threadId, scope);
    if (!run) return null;
    this.runs.delete(runId);
    this.#repair(run.threadId);
    return run;
  }

  async deleteForAssistant(_uow: UnitOfWork, assistantId: string): Promise<Run[]> {
    const gone = [...this.runs.values()].filter((r) => r.assistantId === assistantId);
    for (const r of gone) this.runs.delete(r.runId);
    for (const r of gone) this.#repair(r.threadId);
    return gone.map(copy);
  }

  async threadExists(threadId: string, scope?: Scope): Promise<boolean> {
    const t = this.threads.get(threadId);
    return t != null && matches(t.metadata, scope);
  }

  async threadValues(threadId: string): Promise<{ values: unknown } | null> {
    const t = this.threads.get(threadId);
    return t ? { values: t.values } : null;
  }

  async claim(owner: string, leaseMs: number, onlyRunId?: string): Promise<Run | null> {
    const now = this.#now();
    const next = [...this.runs.values()]
      .filter((r) => r.status === "pending" && r.availableAt <= now)
      .filter((r) => !onlyRunId || r.runId === onlyRunId)
      .filter((r) => this.#ofThread(r.threadId).every((o) => o.status !== "running"))
      .filter((r) =>
        this.#ofThread(r.threadId).every((o) => o.status !== "pending" || order(o, r) >= 0),
      )
      .sort(order)[0];
    if (!next) return null;
    Object.assign(next, {
      status: "running",
      attempt: next.attempt + 1,
      leaseOwner: owner,
      leaseExpiresAt: now + leaseMs,
      startedAt: next.startedAt ?? new Date(now),
      updatedAt: new Date(now),
    });
    return copy(next);
  }

  async renew(runId: string, owner: string, leaseMs: number): Promise<LeaseState> {
    const run = this.runs.get(runId);
    if (!run || run.leaseOwner !== owner || run.status !== "running")
      return { lost: true, cancelAction: null };
    run.leaseExpiresAt = this.#now() + leaseMs;
    return { lost: false, cancelAction: run.cancelAction };
  }

  async leaseStates(runIds: string[], owner: string): Promise<Map<string, LeaseState>> {
    const out = new Map<string, LeaseState>();
    for (const id of runIds) {
      const r = this.runs.get(id);
      if (r)
        out.set(id, {
          lost: r.status !== "running" || r.leaseOwner !== owner,
          cancelAction: r.cancelAction,
        });
    }
    return out;
  }

  async release(runId: string, owner: string): Promise<void> {
    const r = this.runs.get(runId);
    if (r && r.leaseOwner === owner && r.status === "running") requeue(r, this.#now());
  }

  async finish(run: FinishingRun, owner: string, state: FinishState): Promise<FinishResult> {
    const r = this.runs.get(run.runId);
    if (!r || r.leaseOwner !== owner || r.status !== "running") return { kind: "lost" };
    const cancelOutcome = state.status === "interrupted" || state.status === "deleted";
    if (r.cancelAction && !cancelOutcome) return { kind: "cancelled", action: r.cancelAction };
    if (state.status === "deleted" || run.temporary) this.runs.delete(r.runId);
    else
      Object.assign(r, {
        status: state.status,
        leaseOwner: null,
        leaseExpiresAt: null,
        cancelAction: null,
      });
    if (run.temporary) {
      this.threads.delete(r.threadId);
      for (const o of this.#ofThread(r.threadId)) this.runs.delete(o.runId);
      return { kind: "finished", next: false };
    }
    const thread = this.threads.get(r.threadId)!;
    const busy = this.#ofThread(r.threadId).some(inFlight);
    thread.status = busy
      ? "busy"
      : state.failed
        ? "error"
        : state.interrupted
          ? "interrupted"
          : "idle";
    if (state.values !== undefined)
      Object.assign(thread, { values: state.values, interrupts: state.interrupts ?? {} });
    return { kind: "finished", next: busy };
  }

  async requeueExpired(): Promise<string[]> {
    const now = this.#now();
    const expired = [...this.runs.values()].filter(
      (r) => r.status === "running" && r.leaseExpiresAt != null && r.leaseExpiresAt < now,
    );
    for (const r of expired) requeue(r, this.#now());
    return expired.map((r) => r.runId);
  }

  async requeueOwner(owner: string): Promise<string[]> {
    const held = [...this.runs.values()].filter(
      (r) => r.status === "running" && r.leaseOwner === owner,
    );
    for (const r of held) requeue(r, this.#now());
    return held.map((r) => r.runId);
  }

  async requeueOrphans(owner: string): Promise<string[]> {
    const orphans = [...this.runs.values()].filter(
      (r) => r.status === "running" && r.leaseOwner !== owner,
    );
    for (const r of orphans) requeue(r, this.#now());
    return orphans.map((r) => r.runId);
  }

  async repair(): Promise<number> {
    let n = 0;
    for (const id of this.threads.keys()) if (this.#repair(id)) n++;
    return n;
  }

  #ofThread = (threadId: string) => [...this.runs.values()].filter((r) => r.threadId === threadId);

  #inScope(run: MemRun, scope: Scope): boolean {
    return scope == null || matches(this.threads.get(run.threadId)?.metadata ?? {}, scope);
  }

  /** A `busy` thread with nothing in flight goes `interrupted` (pending interrupts) or `idle`. */
  #repair(threadId: string): boolean {
    const t = this.threads.get(threadId);
    if (!t || t.status !== "busy" || this.#ofThread(threadId).some(inFlight)) return false;
    t.status = Object.keys(t.interrupts).length > 0 ? "interrupted" : "idle";
    return true;
  }
}
