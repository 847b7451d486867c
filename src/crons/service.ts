/**
 * The crons service: CRUD of schedules (validated once here: syntax, time zone, a schedule that
 * fires at all) and the firing of due ticks, each in one transaction with the run it creates.
 */
import type { Assistant } from "../assistants/types.ts";
import type { Scope } from "../auth/scope.ts";
import type { Clock } from "../core/clock.ts";
import { notFound, unprocessable } from "../core/errors.ts";
import { isGuid, newId } from "../core/ids.ts";
import type { Logger } from "../logging/logger.ts";
import type { RunRequest, RunsService } from "../runs/service.ts";
import { type CronSpec, CronSyntaxError, parseCron } from "./expression.ts";
import { mergePayload } from "./payload.ts";
import type { CronsRepository } from "./repository.ts";
import { latestTickAtOrBefore, nextRunAt } from "./schedule.ts";
import type { Cron, CronFilter, CronInput, CronPatch, CronSearch } from "./types.ts";
import { isValidTimeZone } from "./zone.ts";

/** Notified on every cron change so each replica's scheduler re-reads its next wake-up. */
export const CHANNEL_CRONS = "olg_crons";

/** What the service is built from. */
export interface CronsServiceOptions {
  repo: CronsRepository;
  runs: Pick<RunsService, "createWithin">;
  assistants: {
    resolve(
      idOrGraphId: string,
      readScope?: (assistantId: string) => Promise<Scope>,
    ): Promise<Assistant>;
    /** The stored id an assistant id or a graph id refers to (filters accept both). */
    idOf?(idOrGraphId: string): string;
  };
  /** Turns a stored payload (a run body in wire form) into a run request. */
  toRunRequest(payload: Record<string, unknown>): RunRequest;
  /** Refuses a webhook URL the delivery policy would not reach (throws a 422 domain error). */
  checkWebhook?: (url: string) => Promise<void>;
  notify(channel: string, payload: string): Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Tenancy: runs a due cron's tick in the cron's org (its run and thread belong to it). */
  inCronOrg?<T>(cronId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Tenancy: admits a tick's run within its org's run quotas (called in the cron's org). A
   * refusal (its message) skips the tick: nothing runs, the cron moves on to its next tick.
   */
  admitTick?(): Promise<
    { refused: string } | { done(created: boolean): Promise<void> } | undefined
  >;
}

const cronNotFound = (id: string) => notFound(`Cron with ID ${id} not found`);
const threadNotFound = (id: string) => notFound(`Thread with ID ${id} not found`);

/** Checks a time zone; throws the 422 the client sees. */
export function checkZone(timezone: string | null | undefined): void {
  if (timezone != null && !isValidTimeZone(timezone))
    throw unprocessable(`Invalid timezone '${timezone}': not an IANA time zone`);
}

/** Parses a schedule; throws the 422 the client sees. */
export function checkSchedule(schedule: string): CronSpec {
  try {
    return parseCron(schedule);
  } catch (err) {
    if (err instanceof CronSyntaxError)
      throw unprocessable(`Invalid cron schedule '${schedule}': ${err.message}`);
    throw err;
  }
}

/** Crons use cases. */
export class CronsService {
  constructor(private readonly o: CronsServiceOptions) {}

  /**
   * Creates a cron on a thread (or stateless when `threadId` is null); `threadScope`: the caller's
   * auth scope over threads (a thread outside it is 404); `assistantScope`: the caller's
   * `assistants:read` for the cron's assistant (one outside it is 404, as for a run).
   */
  async create(
    input: CronInput,
    threadScope?: Scope,
    assistantScope?: (assistantId: string) => Promise<Scope>,
  ): Promise<Cron> {
    checkZone(input.timezone);
    const spec = checkSchedule(input.schedule);
    const assistant = await this.o.assistants.resolve(input.assistantId, assistantScope);
    if (input.threadId && !(await this.o.repo.threadExists(input.threadId, threadScope)))
      throw threadNotFound(input.threadId);
    const payload = { ...input.payload, assistant_id: assistant.assistantId };
    const req = this.o.toRunRequest(payload); // refuses options the engine cannot honour, before storing
    if (req.webhook && this.o.checkWebhook) await this.o.checkWebhook(req.webhook);
    const endTime = input.endTime ?? null;
    const timezone = input.timezone ?? null;
    const next = this.#next(spec, input.schedule, timezone, endTime);
    const cron = await this.o.repo.insert({
      cronId: newId(),
      assistantId: assistant.assistantId,
      threadId: input.threadId,
      userId: input.userId ?? null,
      schedule: input.schedule.trim(),
      timezone,
      endTime,
      enabled: input.enabled ?? true,
      onRunCompleted: input.onRunCompleted ?? (input.threadId ? null : "delete"),
      payload,
      metadata: input.metadata ?? {},
      nextRunAt: next,
      auth: input.auth ?? null,
    });
    await this.#changed(cron.cronId);
    return cron;
  }

  /** Updates a cron; its next tick is recomputed from now (a re-enabled cron does not catch up). */
  async update(cronId: string, patch: CronPatch, scope?: Scope): Promise<Cron> {
    checkZone(patch.timezone);
    if (patch.schedule !== undefined) checkSchedule(patch.schedule);
    const webhook = (patch.payload as { webhook?: unknown } | undefined)?.webhook;
    if (typeof webhook === "string" && webhook && this.o.checkWebhook)
      await this.o.checkWebhook(webhook);
    const cron = await this.o.repo.update(
      cronId,
      (current) => {
        const merged: Cron = {
          ...current,
          schedule: patch.schedule?.trim() ?? current.schedule,
          timezone: patch.timezone ?? current.timezone,
          endTime: patch.endTime === undefined ? current.endTime : patch.endTime,
          enabled: patch.enabled ?? current.enabled,
          onRunCompleted: patch.onRunCompleted ?? current.onRunCompleted,
          payload: mergePayload(current.payload, patch.payload),
          metadata: patch.metadata ?? current.metadata,
        };
        this.o.toRunRequest(merged.payload); // the merged run body must still be valid
        const spec = checkSchedule(merged.schedule);
        return {
          cron: merged,
          nextRunAt: this.#next(spec, merged.schedule, merged.timezone, merged.endTime),
        };
      },
      scope,
    );
    if (!cron) throw cronNotFound(cronId);
    await this.#changed(cronId);
    return cron;
  }

  /** Deletes a cron. */
  async delete(cronId: string, scope?: Scope): Promise<void> {
    if (!(await this.o.repo.delete(cronId, scope))) throw cronNotFound(cronId);
    await this.#changed(cronId);
  }

  /** One cron; missing and out of scope are both 404. */
  async get(cronId: string, scope?: Scope): Promise<Cron> {
    const cron = await this.o.repo.get(cronId, scope);
    if (!cron) throw cronNotFound(cronId);
    return cron;
  }

  /** Crons matching the query. */
  async search(query: CronSearch, scope?: Scope): Promise<Cron[]> {
    const filter = this.#stored(query);
    return filter ? this.o.repo.search(filter, scope) : [];
  }

  /** How many crons match. */
  async count(filter: CronFilter, scope?: Scope): Promise<number> {
    const stored = this.#stored(filter);
    return stored ? this.o.repo.count(stored, scope) : 0;
  }

  /**
   * The filter with `assistantId` as stored: a graph id names its system assistant, as on runs
   * and assistants. Null when the id can name no assistant (nothing matches).
   */
  #stored<F extends CronFilter>(filter: F): F | null {
    if (!filter.assistantId) return filter;
    const assistantId = this.o.assistants.idOf?.(filter.assistantId) ?? filter.assistantId;
    return isGuid(assistantId) ? { ...filter, assistantId } : null;
  }

  /** Fires every due tick this replica can claim; returns how many ticks it handled. */
  async fireDue(batch = 50): Promise<number> {
    let handled = 0;
    const inOrg = this.o.inCronOrg ?? ((_id, fn) => fn());
    for (const due of await this.o.repo.due(batch))
      if (await inOrg(due.cronId, () => this.#fire(due.cronId, due.assistantId))) handled++;
    return handled;
  }

  /** Milliseconds until the earliest tick (null when no cron is scheduled). */
  msUntilNextDue(): Promise<number | null> {
    return this.o.repo.msUntilNextDue();
  }

  /** Fires one due tick; a tick that cannot create its run is skipped rather than retried hot. */
  async #fire(cronId: string, assistantId: string): Promise<boolean> {
    let assistant: Assistant | null = null;
    try {
      assistant = await this.o.assistants.resolve(assistantId);
    } catch (err) {
      this.o.logger.warn({ cron_id: cronId, err }, "cron assistant missing; skipping tick");
    }
    const ticket = await this.o.admitTick?.();
    const refused = ticket && "refused" in ticket ? ticket.refused : null;
    const admitted = ticket && !("refused" in ticket) ? ticket : undefined;
    let ranRun = false;
    const units: { rolledBack(): Promise<void> }[] = []; // the run's, ended if the tick fails
    try {
      const result = await this.o.repo.claimTick(cronId, async (trx, { cron, now }) => {
        const { tick, nextRunAt } = this.#plan(cron, now);
        if (tick && refused)
          this.o.logger.warn({ cron_id: cronId, tick, reason: refused }, "cron tick skipped");
        if (!tick || !assistant || refused) return { nextRunAt, firedTick: null, after: null };
        const req = this.#request(cron, tick);
        const created = await this.o.runs.createWithin(
          trx,
          cron.threadId,
          req,
          // Runs execute as the cron's creator (its auth user lands in the run config).
          { headers: {}, userId: cron.userId ?? undefined, auth: cron.auth ?? undefined },
          assistant,
          (uow) => units.push(uow),
        );
        if (created.outcome.kind !== "created")
          this.o.logger.warn(
            { cron_id: cronId, outcome: created.outcome.kind },
            "cron tick skipped",
          );
        return { nextRunAt, firedTick: tick, after: created };
      });
      if (!result) return false;
      await result.after?.afterCommit();
      ranRun = result.after?.outcome.kind === "created";
      if (result.after?.outcome.kind === "created")
        this.o.logger.info(
          { cron_id: cronId, run_id: result.after.outcome.run.runId, tick: result.firedTick },
          "cron fired",
        );
      return true;
    } catch (err) {
      for (const unit of units) await unit.rolledBack(); // nothing to run once it committed
      this.o.logger.error({ cron_id: cronId, err }, "cron tick failed; skipping it");
      await this.o.repo
        .claimTick(cronId, async (_trx, { cron, now }) => ({
          nextRunAt: this.#plan(cron, now).nextRunAt,
          firedTick: null,
        }))
        .catch((e) => this.o.logger.error({ cron_id: cronId, err: e }, "cron skip failed"));
      return true;
    } finally {
      await admitted?.done(ranRun);
    }
  }

  /**
   * The tick to fire now and the next one. Missed-tick policy: when `next_run_at` is older than
   * the latest tick (every replica was down), only that latest tick fires; older ones are skipped.
   */
  #plan(cron: Cron, now: Date): { tick: Date | null; nextRunAt: Date | null } {
    const spec = parseCron(cron.schedule);
    const zone = cron.timezone ?? "UTC";
    const due = cron.nextRunAt ?? now;
    const latest = latestTickAtOrBefore(spec, zone, now, due) ?? due;
    const ended = cron.endTime != null && latest.getTime() > cron.endTime.getTime();
    return { tick: ended ? null : latest, nextRunAt: nextRunAt(spec, zone, now, cron.endTime) };
  }

  /** The run request of a tick: the stored payload plus the cron's ids in the run metadata. */
  #request(cron: Cron, tick: Date): RunRequest {
    const req = this.o.toRunRequest(cron.payload);
    return {
      ...req,
      assistantId: cron.assistantId,
      metadata: { ...(req.metadata ?? {}), cron_id: cron.cronId, cron_tick: tick.toISOString() },
      multitaskStrategy: req.multitaskStrategy ?? "enqueue",
      onCompletion: cron.threadId ? undefined : (cron.onRunCompleted ?? "delete"),
      ifNotExists: undefined,
      afterSeconds: undefined,
    };
  }

  /** The first tick from now; a schedule that can never fire is refused. */
  #next(spec: CronSpec, schedule: string, timezone: string | null, endTime: Date | null) {
    const zone = timezone ?? "UTC";
    const now = this.o.clock.now();
    if (!nextRunAt(spec, zone, now, null))
      throw unprocessable(`Invalid cron schedule '${schedule}': it never fires`);
    return nextRunAt(spec, zone, now, endTime);
  }

  async #changed(cronId: string): Promise<void> {
    await this.o.notify(CHANNEL_CRONS, cronId).catch(() => {});
  }
}
