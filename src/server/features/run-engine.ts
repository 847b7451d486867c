/**
 * The runs engine: webhook delivery, the run event log, the queue of run workers and the executor.
 * Roles (`olg serve --role`): `api` enqueues and never claims, `worker` executes runs. Apart, the
 * roles share the event log through Redis when set, else through PostgreSQL; alone (`all`) it stays
 * in process. Start claims runs; stop drains in-flight runs (they may finish, the rest go back to the
 * queue), then closes the log.
 */
import { availableParallelism, hostname } from "node:os";
import { ArtifactsHandle } from "../../artifacts/handle.ts";
import type { ArtifactsFeature } from "../../artifacts/setup.ts";
import { newId } from "../../core/ids.ts";
import type { LoopbackFetch } from "../../http/loopback.ts";
import { withLogContext } from "../../logging/context.ts";
import { defaultConcurrency } from "../../runs/concurrency.ts";
import { DoneSignals } from "../../runs/done.ts";
import { createExecutor } from "../../runs/executor.ts";
import { handoffReceiver, handoffSender } from "../../runs/handoff.ts";
import { CHANNEL_DONE, RunQueue } from "../../runs/queue.ts";
import { SqlRunLeases } from "../../runs/sql-leases.ts";
import { SqlRunStore } from "../../runs/sql-store.ts";
import { ThreadLocks } from "../../runs/thread-lock.ts";
import { engineOf } from "../../storage/engine/index.ts";
import type { createStore } from "../../store/setup.ts";
import type { RunEventLog } from "../../stream/log.ts";
import { MemoryRunEventLog } from "../../stream/memory-log.ts";
import { RedisRunEventLog } from "../../stream/redis-log.ts";
import { SqlRunEventLog } from "../../stream/sql-log.ts";
import { currentOrg, SYSTEM_ORG, withOrg } from "../../tenancy/context.ts";
import type { RunCounters } from "../../tenancy/run-quotas.ts";
import { runStoreQuota } from "../../tenancy/store-quota.ts";
import { ThreadRunRows } from "../../threads/run-rows.ts";
import { DeadLetterRepository } from "../../webhooks/dead-letters.ts";
import { WebhookDispatcher } from "../../webhooks/dispatcher.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";

/** What the engine offers the features built on it. */
export interface RunEngine {
  webhooks: WebhookDispatcher;
  deadLetters: DeadLetterRepository;
  runLog: RunEventLog;
  /** Run rows (use cases) and leases (workers), on the SQL backend. */
  runStore: SqlRunStore;
  runLeases: SqlRunLeases;
  /** The threads owner's run port (its writes invalidate the thread cache after COMMIT). */
  threadRunRows: ThreadRunRows;
  /** Run-end signals: `wait`/`join` wake on them. */
  done: DoneSignals;
  queue: RunQueue;
  /** Whether this process executes runs (every role but `api`). */
  executesRuns: boolean;
  /**
   * Requeues at once the runs a dead sibling held (`owner`: the lease owner id of this process's
   * executor thread that died) and asks every replica to look for work; their ids. Only that
   * owner's: a replacement pod may share this host name and pid while the old one drains.
   */
  requeueOwner(owner: string): Promise<string[]>;
  /**
   * Whether nothing of the engine's is going on: no run executing or being claimed here, no
   * webhook delivery in flight, no run queued or running in the database (the caller's orgs), and
   * no enabled cron (`msUntilNextDue`: the crons owner's, null when none).
   */
  idle(msUntilNextDue: () => Promise<number | null>): Promise<boolean>;
}

type Deps = Infrastructure & {
  store: Awaited<ReturnType<typeof createStore>>;
  /** Tenancy: the quota lock the store-size quota of graphs' store writes shares with the edge. */
  runCounters?: RunCounters;
  artifacts: ArtifactsFeature;
  /** Relative webhook URLs (`/custom/hook`) are delivered to this server in process. */
  loopback: LoopbackFetch;
  /** The lease owner id of this pool (an executor thread's, given by the HTTP thread). */
  runOwner?: string;
};

function runEventLog({ settings, storage, redis, log, runEventLog }: Infrastructure): RunEventLog {
  if (runEventLog) return runEventLog;
  if (redis)
    return new RedisRunEventLog(redis, {
      onWriteFailure: (runId, err) =>
        log.error({ err, run_id: runId }, "run event log write failed (redis unreachable)"),
    });
  if (settings.role === "all") return new MemoryRunEventLog();
  return new SqlRunEventLog({
    db: storage.db,
    listen: storage.listen,
    onWriteFailure: (runId, err) =>
      log.error({ err, run_id: runId }, "run event log write failed (database unreachable)"),
  });
}

/** A new lease owner id: host, pid and a random part (each worker pool has its own). */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${newId().slice(-12)}`;
}

/** `run-engine`: queue, executor, event log and webhooks. */
export const runEngineModule: FeatureModule<Deps, { engine: RunEngine }> = {
  name: "run-engine",
  create(deps) {
    const { settings, storage, log, caching, runSignals, graphs, checkpointer, obs } = deps;
    const runLog = runEventLog(deps);
    const threadRunRows = new ThreadRunRows(
      (ids) => caching.threadsChanged(ids),
      (ids) => caching.threadsChanging(ids),
    );
    const locks = new ThreadLocks(
      storage.db,
      threadRunRows,
      (lock, threadIds, ms) =>
        log.warn({ lock, thread_ids: threadIds, ms: Math.round(ms) }, "slow thread lock"),
      5000,
    );
    const runStore = new SqlRunStore(storage.db, threadRunRows, locks);
    const runLeases = new SqlRunLeases(storage.db, threadRunRows, locks);
    const done = new DoneSignals(CHANNEL_DONE, storage.listen);
    const deadLetters = new DeadLetterRepository(storage.db);
    const webhooks = new WebhookDispatcher({
      settings: settings.webhooks,
      deadLetters,
      logger: log,
      loopback: deps.loopback,
    });
    const executesRuns = settings.role !== "api";
    const execute = createExecutor({
      leases: runLeases,
      graphs,
      checkpointer,
      // Tenancy: graphs' store writes count against their org's store_bytes like PUT /store/items.
      store:
        deps.tenancy && deps.runCounters
          ? deps.store.guarded(runStoreQuota(storage.db, deps.runCounters))
          : deps.store,
      log: runLog,
      webhooks,
      onFinished: (run) => done.finished(run.runId),
      maxAttempts: 3,
      logger: log,
      observer: obs.runObserver,
      artifacts: (run) =>
        new ArtifactsHandle(deps.artifacts.service, {
          threadId: run.kwargs.temporary ? null : run.threadId,
          runId: run.runId,
        }),
    });
    const sender =
      settings.runHandoff && !executesRuns
        ? handoffSender(settings.runHandoff, deps.tenancy ? currentOrg : undefined)
        : undefined;
    const queue = new RunQueue({
      leases: runLeases,
      listen: (channel, fn) => runSignals.listen(channel, fn),
      notify: (channel, payload) => runSignals.notify(channel, payload),
      acrossOrgs: deps.tenancy ? (fn) => withOrg(SYSTEM_ORG, fn) : undefined,
      // Every log line written while a run executes carries its `run_id` and `thread_id`.
      // With tenancy, in the run's org (its checkpoints, events and writes carry it).
      execute: (run, lease) =>
        withLogContext({ run_id: run.runId, thread_id: run.threadId }, () =>
          !deps.tenancy
            ? execute(run, lease)
            : run.orgId // the claimed row's own org: no lookup
              ? withOrg(run.orgId, () => execute(run, lease))
              : deps.tenancy.inOrgOf(storage.db, "runs", run.runId, () => execute(run, lease)),
        ),
      // An executor thread's is chosen by the HTTP thread, which requeues its runs if it dies.
      owner: deps.runOwner ?? newLeaseOwner(),
      concurrency: settings.workers ?? defaultConcurrency(availableParallelism(), storage.poolMax),
      leaseMs: settings.runLeaseSeconds * 1000,
      sweepMs: Math.min(2000, settings.runLeaseSeconds * 500),
      recoverOrphansAtStart: !engineOf(storage.db).capabilities.multiProcess,
      claims: executesRuns,
      handoff: sender?.send,
      logger: log,
    });
    // The executor thread of a split role `all` claims what the HTTP thread hands it by id.
    let receiver: { close(): void } | undefined;
    return {
      engine: {
        webhooks,
        deadLetters,
        runLog,
        runStore,
        runLeases,
        threadRunRows,
        done,
        queue,
        executesRuns,
        async idle(msUntilNextDue) {
          if (queue.inFlight > 0 || webhooks.sending > 0) return false;
          return !(await runLeases.hasOpenRuns()) && (await msUntilNextDue()) == null;
        },
        async requeueOwner(owner) {
          const ids = await runLeases.requeueOwner(owner);
          if (ids.length) {
            log.warn({ run_ids: ids, owner }, "requeued the runs of a dead executor thread");
            await queue.announce();
          }
          return ids;
        },
      },
      async start() {
        await queue.start();
        if (settings.runHandoff && executesRuns)
          receiver = handoffReceiver(
            settings.runHandoff,
            queue,
            (err, runId) => log.warn({ err, run_id: runId }, "claiming a handed-off run failed"),
            (orgId, fn) => (orgId && orgId !== SYSTEM_ORG ? withOrg(orgId, fn) : fn()),
          );
      },
      async drain() {
        receiver?.close();
        sender?.close();
        await queue.drain(settings.runDrainSeconds * 1000);
        await runLog.close();
        await done.close();
      },
    };
  },
};
