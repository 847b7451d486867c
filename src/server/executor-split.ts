/**
 * Which servers split role `all` into an HTTP thread and a run executor thread
 * (`executor-thread.ts`), and the settings of each: the HTTP thread is `api`, the executor thread
 * `worker`. On a networked database (PostgreSQL, CockroachDB, MariaDB/MySQL) the executor thread
 * is the `--role worker` of the same process with a pool of its own: the configured pool
 * (`DEFAULT_POOL_SIZE` unless set) is split between the threads, so the process opens as many
 * pooled connections as one thread did, plus one LISTEN connection per thread (PostgreSQL). On
 * SQLite (one connection per process) the executor thread's statements run on the HTTP thread's
 * connection (`storage/sqlite/port-host.ts`), as on PGlite they run in its worker.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Settings } from "../config/load.ts";
import { defaultConcurrency } from "../runs/concurrency.ts";
import { engineKind } from "../storage/open.ts";

/** Whether `settings` run the executor in its own thread (role `all`, `OLG_EMBEDDED_EXECUTOR`). */
export function executorThreadWanted(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const mode = env.OLG_EMBEDDED_EXECUTOR || "thread";
  if (mode !== "thread" && mode !== "main")
    throw new Error(`OLG_EMBEDDED_EXECUTOR: expected thread or main, got "${mode}"`);
  if (mode !== "thread" || settings.executorThread === false || settings.role !== "all")
    return false;
  // Tenancy works across the two threads: each PGlite client's org setting is its own
  // (storage/pglite/worker-sessions.ts) and the quota counters are the HTTP thread's
  // (tenancy/thread-counters.ts). A networked database gets a pool per thread.
  // A scheme of a storage plugin (docs/plugins.md): one thread, nothing is known of its engine.
  // SQLite: the executor thread uses the HTTP thread's one connection (storage/sqlite/port-host.ts).
  const kind = knownEngine(settings.databaseUrl);
  if (kind == null) return false;
  if (kind === "pglite") return settings.pgliteThread !== "main";
  return true;
}

/**
 * How long the on-demand executor thread stays with nothing to do before it stops, by default:
 * long enough that someone reading an answer, or a developer editing between two runs, does not
 * pay the thread's start (2.5-3.6 s here, docs/reliability.md) on the next run.
 */
export const DEFAULT_EXECUTOR_IDLE_SECONDS = 300;

/**
 * On the embedded default (PGlite, SQLite: this process creates every run) the executor thread
 * runs on demand (`executor-supervisor.ts`): how long it stays with nothing to do before it stops,
 * ms (`OLG_EXECUTOR_IDLE_SECONDS`, default 300; `0` keeps it running from the start). Null: it
 * always runs (a networked database: other replicas create runs it must claim).
 */
export function executorIdleMs(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): number | null {
  if (!singleProcessEngine(settings)) return null;
  const raw = env.OLG_EXECUTOR_IDLE_SECONDS;
  const seconds = raw == null || raw === "" ? DEFAULT_EXECUTOR_IDLE_SECONDS : Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(`OLG_EXECUTOR_IDLE_SECONDS: expected seconds (0 or more), got "${raw}"`);
  return seconds === 0 ? null : seconds * 1000;
}

/** Whether `settings` name a database one process holds alone (PGlite, SQLite): one writer process. */
export function singleProcessEngine(settings: Settings): boolean {
  const kind = knownEngine(settings.databaseUrl);
  return kind === "pglite" || kind === "sqlite";
}

function knownEngine(url: string | null): ReturnType<typeof engineKind> | null {
  try {
    return engineKind(url);
  } catch {
    return null;
  }
}

/** The connection pool of a networked database when nothing else says (each engine's default). */
export const DEFAULT_POOL_SIZE = 10;

/**
 * How the two threads of role `all` on a networked database share its pool of `total`
 * connections, so the process opens no more than one pool did (plus the executor's own LISTEN
 * connection): the HTTP thread (`api`: creates, reads, waits) half, at least 2; the executor
 * thread (claims, checkpoints, finishes) the rest, at least 2.
 */
export function splitPool(total = DEFAULT_POOL_SIZE): { api: number; executor: number } {
  const api = Math.max(2, Math.ceil(total / 2));
  return { api, executor: Math.max(2, total - api) };
}

/** The settings of each thread when role `all` is split in two (the HTTP thread is `api`). */
export function splitSettings(settings: Settings): { http: Settings; executor: Settings } {
  // Runs created on the HTTP thread go straight to the executor thread's pool (runs/handoff.ts).
  const runHandoff = `olg-runs-${randomUUID()}`;
  const http: Settings = { ...settings, role: "api", runHandoff };
  // Schemas are computed where they are served (the HTTP thread).
  const executor: Settings = { ...settings, role: "worker", warmSchemas: false, runHandoff };
  if (settings.databaseUrl == null || singleProcessEngine(settings)) return { http, executor };
  const total = settings.poolSize ?? DEFAULT_POOL_SIZE;
  // Emulated NOTIFY (MariaDB, CockroachDB) crosses between the threads at once; PostgreSQL's own.
  const siblingWakeups = { channel: `olg-wakeups-${randomUUID()}`, origin: randomUUID() };
  const pool = splitPool(total);
  // As many run slots as the one-thread process had (the executor thread serves no HTTP).
  const workers = settings.workers ?? defaultConcurrency(availableParallelism(), total);
  return {
    http: { ...http, poolSize: pool.api, siblingWakeups },
    executor: { ...executor, poolSize: pool.executor, workers, siblingWakeups },
  };
}
