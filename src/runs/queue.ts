/**
 * The run worker pool of one replica. Workers are woken by NOTIFY on `olg_runs` (a new or freed
 * run), claim with `FOR UPDATE SKIP LOCKED`, and hold a lease renewed by a heartbeat that also
 * carries cancel requests (`cancel_action`) and notices deleted runs. A slow safety sweep requeues
 * runs whose lease expired (their replica died), starts delayed runs and repairs stuck threads.
 * On shutdown the pool drains: no new claims, in-flight runs get a deadline, the rest go back to
 * the queue. With `claims: false` (`olg serve --role api`) the pool never claims: it only tells
 * the workers of other processes that work is there. A freed slot claims only when its run's
 * thread has a queued run (`olg_runs` to every replica) or a wake-up found every slot busy (the
 * backlog flag): one claim per run, not one per finish on every replica.
 */
import { coalesced } from "./coalesce.ts";
import {
  CHANNEL_CANCEL,
  CHANNEL_WAKE,
  type RunLease,
  type RunQueueOptions,
  type StopReason,
} from "./queue-ports.ts";
import type { Run } from "./types.ts";

export * from "./queue-ports.ts";

/** A message on the control channel: stop one run, or recheck every run held here. */
type ControlMessage = { runId?: string; action?: StopReason; recheck?: boolean };

interface Active {
  controller: AbortController;
  reason: StopReason | undefined;
  done: Promise<void>;
  heartbeat: ReturnType<typeof setInterval>;
}

/** Claims and executes runs. */
export class RunQueue {
  readonly #active = new Map<string, Active>();
  readonly #unsubscribe: (() => Promise<void>)[] = [];
  #sweep: ReturnType<typeof setInterval> | undefined;
  #filling = false;
  #refill = false;
  #draining = false;
  /** A wake-up found every slot busy: claim again when one frees. */
  #backlog = false;
  readonly #notifyWake = coalesced(() => this.o.notify(CHANNEL_WAKE, "").catch(() => {}));
  #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #claims: boolean;
  /** Claims in flight: each holds a slot until its run starts or it finds none. */
  #claiming = 0;

  constructor(private readonly o: RunQueueOptions) {
    this.#claims = o.claims ?? true;
  }

  /** Subscribes to notifications and starts the sweep (nothing to start when it never claims). */
  async start(): Promise<void> {
    if (!this.#claims) return;
    if (this.o.recoverOrphansAtStart) {
      const orphans = await this.o.leases.requeueOrphans(this.o.owner);
      if (orphans.length)
        this.o.logger.warn({ run_ids: orphans }, "requeued runs of a previous process");
    }
    this.#unsubscribe.push(await this.o.listen(CHANNEL_WAKE, () => this.wake()));
    this.#unsubscribe.push(
      await this.o.listen(CHANNEL_CANCEL, (payload) => {
        try {
          const message = JSON.parse(payload) as ControlMessage;
          if (message.recheck) void this.recheck();
          else if (message.runId && message.action) this.stopLocal(message.runId, message.action);
        } catch {
          // malformed payload: ignore
        }
      }),
    );
    this.#sweep = setInterval(() => void this.sweep(), this.o.sweepMs);
    this.#sweep.unref?.();
    void this.sweep();
  }

  /** Asks every replica to look for work. */
  async announce(): Promise<void> {
    this.wake();
    // Coalesced (one in flight): each NOTIFY serialises on PostgreSQL's notify queue lock.
    await this.#notifyWake();
  }

  /** Wakes local workers (or, when this process never claims, every worker) `ms` from now. */
  wakeIn(ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#claims) this.wake();
      else void this.announce();
    }, Math.max(0, ms) + 20);
    timer.unref?.();
    this.#timers.add(timer);
  }

  /**
   * Tries to claim `runId` on this replica first, so its creator's stream stays local; true when
   * it started here. While older runs wait for a slot here (the backlog) the free slot goes to
   * the queue's head instead (of any org), so a new run never overtakes them; false then unless
   * the head was `runId` (the caller announces it).
   */
  async claimLocal(runId: string): Promise<boolean> {
    if (!this.#claims) return this.o.handoff?.(runId) ?? false;
    if (this.#draining || this.#busy()) return false;
    this.#claiming++;
    let run: Run | null;
    try {
      run = this.#backlog
        ? await this.#claimHead()
        : await this.o.leases.claim(this.o.owner, this.o.leaseMs, runId);
    } finally {
      this.#claiming--;
    }
    if (!run) {
      // A wake-up may have stopped at the slot this claim held.
      if (this.#backlog) this.wake();
      return false;
    }
    this.#start(run);
    return run.runId === runId;
  }

  /** Runs executing here plus claims in flight. */
  get inFlight(): number {
    return this.#active.size + this.#claiming;
  }

  /** Every slot holds a run or a claim in flight. */
  #busy(): boolean {
    return this.#active.size + this.#claiming >= this.o.concurrency;
  }

  /** Stops a run executing here (cancel request); returns whether it was here. */
  stopLocal(runId: string, reason: StopReason): boolean {
    const active = this.#active.get(runId);
    if (!active) return false;
    active.reason ??= reason;
    active.controller.abort(reason);
    return true;
  }

  /**
   * Tells every replica that runs may have been deleted (a thread, an assistant, TTL, prune): each
   * rechecks the leases it holds at once and stops the runs that are gone. Local first.
   */
  async announceDeleted(): Promise<void> {
    await this.recheck();
    await this.o.notify(CHANNEL_CANCEL, JSON.stringify({ recheck: true })).catch(() => {});
  }

  /** Stops every run executing here whose row is gone, taken over or asked to stop. */
  async recheck(): Promise<void> {
    const ids = [...this.#active.keys()];
    if (ids.length === 0) return;
    try {
      const held = await this.o.leases.leaseStates(ids, this.o.owner);
      for (const runId of ids) {
        const state = held.get(runId);
        if (!state) this.stopLocal(runId, "deleted");
        else if (state.lost) this.stopLocal(runId, "lost");
        else if (state.cancelAction) this.stopLocal(runId, state.cancelAction);
      }
    } catch (err) {
      this.o.logger.warn({ err }, "rechecking the runs held here failed");
    }
  }

  /** Whether a run executes on this replica. */
  isLocal(runId: string): boolean {
    return this.#active.has(runId);
  }

  /** Claims runs until the pool is full or the queue is empty. */
  wake(): void {
    if (!this.#claims || this.#draining) return;
    if (this.#busy()) {
      this.#backlog = true;
      return;
    }
    if (this.#filling) {
      this.#refill = true;
      return;
    }
    this.#filling = true;
    void this.#fill().finally(() => {
      this.#filling = false;
      if (this.#refill) {
        this.#refill = false;
        this.wake();
      }
    });
  }

  async #fill(): Promise<void> {
    while (!this.#draining && !this.#busy()) {
      let run: Run | null;
      this.#claiming++;
      try {
        run = await this.#claimHead();
      } catch (err) {
        this.o.logger.warn({ err }, "claiming a run failed");
        return;
      } finally {
        this.#claiming--;
      }
      if (!run) {
        this.#backlog = false;
        return;
      }
      this.#start(run);
    }
    if (this.#busy()) this.#backlog = true;
  }

  /** Claims the queue's oldest claimable run, of any org. */
  #claimHead(): Promise<Run | null> {
    const claim = () => this.o.leases.claim(this.o.owner, this.o.leaseMs);
    return this.o.acrossOrgs ? this.o.acrossOrgs(claim) : claim();
  }

  #start(run: Run): void {
    const controller = new AbortController();
    const entry: Active = {
      controller,
      reason: undefined,
      done: Promise.resolve(),
      heartbeat: setInterval(() => void this.#renew(run.runId), Math.max(200, this.o.leaseMs / 3)),
    };
    entry.heartbeat.unref?.();
    const lease: RunLease = {
      owner: this.o.owner,
      signal: controller.signal,
      reason: () => entry.reason,
      stop: (reason) => this.stopLocal(run.runId, reason),
    };
    this.#active.set(run.runId, entry);
    entry.done = this.o
      .execute(run, lease)
      .catch((err) => {
        this.o.logger.error({ err, run_id: run.runId }, "run worker crashed");
      })
      .then((result) => {
        clearInterval(entry.heartbeat);
        this.#active.delete(run.runId);
        // Unknown (handed back, crashed) or the thread has a queued run: look again everywhere.
        if (!result || result.next) void this.announce();
        else if (this.#backlog) this.wake();
      });
  }

  async #renew(runId: string): Promise<void> {
    const entry = this.#active.get(runId);
    if (!entry || entry.controller.signal.aborted) return;
    try {
      const { lost, cancelAction } = await this.o.leases.renew(runId, this.o.owner, this.o.leaseMs);
      if (lost) this.stopLocal(runId, "lost");
      else if (cancelAction) this.stopLocal(runId, cancelAction);
    } catch (err) {
      this.o.logger.warn({ err, run_id: runId }, "lease renewal failed");
    }
  }

  /** Safety sweep: expired leases, delayed runs, threads left busy. */
  async sweep(): Promise<void> {
    if (this.#draining) return;
    try {
      const requeued = await this.o.leases.requeueExpired();
      if (requeued.length)
        this.o.logger.warn({ run_ids: requeued }, "requeued runs whose lease expired");
      await this.o.leases.repair();
      this.wake();
    } catch (err) {
      this.o.logger.warn({ err }, "run sweep failed");
    }
  }

  /** Stops claiming, waits for in-flight runs up to `deadlineMs`, hands the rest back. */
  async drain(deadlineMs: number): Promise<void> {
    this.#draining = true;
    if (this.#sweep) clearInterval(this.#sweep);
    for (const t of this.#timers) clearTimeout(t);
    for (const off of this.#unsubscribe.splice(0)) await off().catch(() => {});
    const all = () => Promise.all([...this.#active.values()].map((a) => a.done));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), deadlineMs);
    });
    const outcome = await Promise.race([all().then(() => "done" as const), expired]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      for (const runId of this.#active.keys()) this.stopLocal(runId, "shutdown");
      await all();
    }
  }
}
