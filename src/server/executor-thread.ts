/**
 * The run executor of role `all` in a `worker_threads` Worker (`executor-entry.ts`): the process
 * is split like `--role api` + `--role worker`, in one process (which servers, and each thread's
 * settings: `executor-split.ts`). This thread serves HTTP (role `api`: enqueues, never claims);
 * the executor thread builds the same server with role `worker` (claims and executes runs and
 * crons, delivers webhooks) over a second client of the same PGlite worker
 * (`storage/pglite/worker-sessions.ts`) or, on a networked database, over a pool of its own.
 * Wake-ups, cancels and run ends travel as they do between roles (LISTEN/NOTIFY, or Redis); run
 * events over a port into this thread's in-memory log (`stream/port-log.ts`) unless both threads
 * use Redis's. So a graph node that computes for seconds never holds `/ok` (see
 * src/runs/ARCHITECTURE.md "The executor thread"). `OLG_EMBEDDED_EXECUTOR=main` keeps the
 * single-thread design. Its log lines reach this thread's admin log feed and its metrics this
 * thread's `/metrics` (over the worker's port). On PGlite both threads cache metadata with
 * freshness tags in one `SharedArrayBuffer` (`cache/shared-tags.ts`); when the thread dies its
 * writes in flight are forgotten and every tag changes. A networked database keeps its
 * cross-process cache (Redis) or none, as between processes.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { SharedTags } from "../cache/shared-tags.ts";
import type { Settings } from "../config/load.ts";
import type { Logger } from "../logging/logger.ts";
import type { StorageHandle } from "../storage/database.ts";
import type { RunEventLog } from "../stream/log.ts";
import { serveRunEventLog } from "../stream/port-log.ts";
import type {
  ExecutorSinks,
  ExecutorThread,
  FromExecutor,
  ToExecutor,
} from "./executor-messages.ts";
import { Relay } from "./executor-relay.ts";
import { type Spawned, superviseExecutor } from "./executor-supervisor.ts";
import { newLeaseOwner } from "./features/run-engine.ts";

/** The executor thread's writer slot in the shared cache tags (the HTTP thread's is 0). */
export const EXECUTOR_SLOT = 1;

export type { ExecutorSinks, ExecutorThread, FromExecutor, ToExecutor };

/** What the thread starts from (structured clone). */
export interface ExecutorData {
  settings: Settings;
  /** The CLI arguments and folder (to share the project's LangChain like `cli/boot.ts`). */
  argv: string[];
  cwd: string;
  entry: string;
  tsxEsm: string;
  tsxCjs: string;
  /** The metadata cache tags shared with the HTTP thread (this thread writes as slot 1; PGlite). */
  cacheTags?: SharedArrayBuffer;
  /** Its side of the run event log (`stream/port-log.ts`); none with Redis (both use its log). */
  events?: MessagePort;
  /** The lease owner id its run workers claim as (chosen here: requeued at once if it dies). */
  runOwner: string;
}

/** What the two threads share: cache tags (PGlite) and the HTTP thread's run event log (no Redis). */
export interface ExecutorShared {
  cacheTags?: SharedArrayBuffer;
  runEventLog?: RunEventLog;
}

/** tsx first (user graphs are TypeScript, as bin/olg.js registers it), then the entry. */
const BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  const esm = await import(workerData.tsxEsm);
  (esm.register ?? esm.default.register)();
  require(workerData.tsxCjs).register();
  await import(workerData.entry);
})();
`;

function entries(): Pick<ExecutorData, "entry" | "tsxEsm" | "tsxCjs"> {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const tsxRoot = path.dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  return {
    entry: new URL(`./executor-entry.${ext}`, import.meta.url).href,
    tsxEsm: pathToFileURL(path.join(tsxRoot, "dist/esm/api/index.mjs")).href,
    tsxCjs: path.join(tsxRoot, "dist/cjs/api/index.cjs"),
  };
}

/** An executor thread loading its modules, waiting for the database (`start`). */
export interface PreparedExecutor {
  /** Hands it a client of `storage` and resolves once it runs (claims runs). */
  start(storage: StorageHandle, log: Logger, sinks?: ExecutorSinks): Promise<ExecutorThread>;
  /** Stops it (the server did not start). */
  abort(): Promise<void>;
}

/** A thread loading, with a lease owner id of its own. */
function spawnThread(settings: Settings, relay: Relay, shared: ExecutorShared): Spawned {
  const events = shared.runEventLog ? new MessageChannel() : undefined;
  if (events && shared.runEventLog) serveRunEventLog(events.port1, shared.runEventLog);
  const owner = newLeaseOwner();
  const data: ExecutorData = {
    settings,
    runOwner: owner,
    cacheTags: shared.cacheTags,
    events: events?.port2,
    argv: process.argv.slice(3),
    cwd: process.cwd(),
    ...entries(),
  };
  const transferList = events ? [events.port2] : [];
  const w = new Worker(BOOT, { eval: true, workerData: data, transferList });
  w.once("exit", () => events?.port1.close());
  const started = new Promise<void>((resolve, reject) => {
    w.on("message", (m: FromExecutor) => {
      if (m.type === "log") relay.line(m.line);
      else if (m.type === "metrics") relay.answer(m.id, m.metrics);
      else if (m.type === "started") resolve();
      else if (m.type === "failed")
        reject(Object.assign(new Error(m.message), { stack: m.stack ?? m.message }));
    });
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`the executor thread exited with ${code}`)));
  });
  started.catch(() => {}); // observed by `connect`
  return { w, owner, started };
}

/**
 * Starts loading the executor thread now (its modules load while this thread builds the server),
 * or, on demand (`idleMs`, the embedded default), when there is work (`executor-supervisor.ts`);
 * `start` then gives it the database (PGlite: a client port; a networked database: the go, it
 * opens its own pool). If it dies later (an uncaught error in graph code, out of memory), the
 * runs it held are requeued at once (`sinks.requeueRunsOf` with its lease owner id, which this
 * thread chose: exactly its runs, no other process's; they resume from their last checkpoint,
 * its late writes are fenced off) and it is started again after a pause.
 */
export function prepareExecutorThread(
  threadSettings: Settings,
  drainMs: number,
  shared: ExecutorShared,
  idleMs: number | null = null,
): PreparedExecutor {
  structuredClone(threadSettings); // fails here, not in the thread, if a value cannot cross
  const relay = new Relay();
  const spawn = () => spawnThread(threadSettings, relay, shared);
  const first = idleMs == null ? spawn() : undefined;
  // A dead executor's writes in flight: forget its marks, change every tag (they may have committed).
  const cache = shared.cacheTags ? new SharedTags(shared.cacheTags, 0) : undefined;
  const tags = cache && {
    forget: () => cache.reset(EXECUTOR_SLOT),
    bumpEverything: () => cache.bumpEverything(),
  };
  return {
    abort: async () => {
      await first?.w.terminate();
    },
    async start(storage, log, sinks) {
      if (!storage.embedded && (storage.kind === "pglite" || storage.kind === "sqlite")) {
        await first?.w.terminate();
        throw new Error(
          `the executor thread needs a client of the ${storage.kind} database (PGlite in a worker thread)`,
        );
      }
      return superviseExecutor({
        first,
        spawn,
        relay,
        storage,
        log,
        sinks,
        drainMs,
        idleMs,
        handoff: threadSettings.runHandoff,
        tags,
        hasWork: async () => !(await (sinks?.executorIdle?.() ?? Promise.resolve(false))),
      });
    },
  };
}
