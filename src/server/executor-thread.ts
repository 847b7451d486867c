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
import type { LogFeed } from "../logging/feed.ts";
import type { Logger } from "../logging/logger.ts";
import type { MetricJson } from "../metrics/merge.ts";
import type { Observability } from "../metrics/setup.ts";
import type { StorageHandle } from "../storage/database.ts";
import type { RunEventLog } from "../stream/log.ts";
import { serveRunEventLog } from "../stream/port-log.ts";
import { Relay } from "./executor-relay.ts";
import { newLeaseOwner } from "./features/run-engine.ts";

/** The executor thread's writer slot in the shared cache tags (the HTTP thread's is 0). */
export const EXECUTOR_SLOT = 1;

/** Messages from the executor thread. */
export type FromExecutor =
  | { type: "started" }
  | { type: "failed"; message: string; stack?: string }
  | { type: "closed" }
  /** One JSON log line (for the HTTP thread's admin log feed; stdout already has it). */
  | { type: "log"; line: string }
  /** The answer to a `metrics` request. */
  | { type: "metrics"; id: number; metrics: MetricJson[] };

/** Messages to the executor thread. */
export type ToExecutor =
  /** The database: a port to the embedded PGlite worker, none for a networked database. */
  | { type: "db"; port?: MessagePort }
  | { type: "url"; url: string }
  | { type: "port"; port: MessagePort }
  /** Asks for the thread's own metrics (merged into the HTTP thread's `/metrics`). */
  | { type: "metrics"; id: number }
  | { type: "close" };

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

/** A running executor thread. */
export interface ExecutorThread {
  /** Tells it the server's URL (graphs and relative webhooks reach the server through it). */
  setUrl(url: string): void;
  /** Drains its runs (as a worker role does on SIGTERM) and stops it. */
  close(): Promise<void>;
}

/** Where the executor thread's log lines and metrics go on the HTTP thread, and its runs if it dies. */
export interface ExecutorSinks {
  logFeed: Pick<LogFeed, "push">;
  obs: Pick<Observability, "addSource">;
  /** Requeues the runs a lease owner holds (`BuiltServer.requeueRunsOf`); their ids. */
  requeueRunsOf?(owner: string): Promise<string[]>;
}

/** An executor thread loading its modules, waiting for the database (`start`). */
export interface PreparedExecutor {
  /** Hands it a client of `storage` and resolves once it runs (claims runs). */
  start(storage: StorageHandle, log: Logger, sinks?: ExecutorSinks): Promise<ExecutorThread>;
  /** Stops it (the server did not start). */
  abort(): Promise<void>;
}

/** A spawned executor thread: its worker and the lease owner id its runs are claimed as. */
interface Spawned {
  w: Worker;
  owner: string;
  /** Settles once it ran with a database (or failed, or exited). */
  started: Promise<void>;
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

async function connect(t: Spawned, port: MessagePort | undefined) {
  t.w.postMessage({ type: "db", port } satisfies ToExecutor, port ? [port] : []);
  await t.started.catch(async (error) => {
    await t.w.terminate();
    throw error;
  });
}

/**
 * Starts loading the executor thread now (its modules load while this thread builds the server);
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
): PreparedExecutor {
  structuredClone(threadSettings); // fails here, not in the thread, if a value cannot cross
  const relay = new Relay();
  const first = spawnThread(threadSettings, relay, shared);
  // A dead executor's writes in flight: forget its marks, change every tag (they may have committed).
  const tags = shared.cacheTags ? new SharedTags(shared.cacheTags, 0) : undefined;
  return {
    abort: async () => {
      await first.w.terminate();
    },
    async start(storage, log, sinks) {
      const embedded = storage.embedded;
      if (!embedded && (storage.kind === "pglite" || storage.kind === "sqlite")) {
        await first.w.terminate();
        throw new Error(
          `the executor thread needs a client of the ${storage.kind} database (PGlite in a worker thread)`,
        );
      }
      // PGlite: a new client of its worker; a networked database: the thread opens its own pool.
      const database = async () => (embedded ? await embedded.attach() : undefined);
      let worker = first.w;
      // Its runs go back to the queue now, not once their leases expire (any replica may take
      // them). `close` waits for the last one (the database closes after it).
      let requeued: Promise<unknown> = Promise.resolve();
      const requeue = (owner: string) => {
        requeued = (sinks?.requeueRunsOf?.(owner) ?? Promise.resolve()).catch((err) =>
          log.warn(
            { err, owner },
            "requeueing a dead executor thread's runs failed (lease expiry will)",
          ),
        );
      };
      let url: string | null = null;
      let closing = false;
      let delay = 500;
      const watch = ({ w, owner }: Spawned) => {
        w.once("exit", (code) => {
          tags?.reset(EXECUTOR_SLOT);
          // A drained thread (close) exits 0 with nothing held.
          if (!closing || code !== 0) requeue(owner);
          if (closing || w !== worker) return;
          log.error({ code }, "run executor thread stopped; starting it again");
          setTimeout(() => void restart(), delay).unref();
        });
        w.on("error", (err) => log.error({ err }, "run executor thread failed"));
      };
      const restart = async () => {
        if (closing) return;
        let t: Spawned | undefined;
        try {
          t = spawnThread(threadSettings, relay, shared);
          await connect(t, await database());
          // Statements the dead thread sent may have been executed until now.
          tags?.bumpEverything();
          const w = t.w;
          worker = w;
          if (url) w.postMessage({ type: "url", url } satisfies ToExecutor);
          watch(t);
          delay = 500;
        } catch (err) {
          // It may have claimed runs before failing to start.
          if (t) requeue(t.owner);
          delay = Math.min(delay * 2, 10_000);
          log.error({ err, retry_ms: delay }, "starting the run executor thread failed");
          setTimeout(() => void restart(), delay).unref();
        }
      };
      if (sinks) {
        relay.attach(sinks.logFeed);
        sinks.obs.addSource(() => relay.ask(worker));
      }
      await connect(first, await database());
      watch(first);
      // A restarted database worker: the executor's old port closed; hand it the new one.
      embedded?.onRestart(() => {
        if (closing) return;
        void embedded
          .attach()
          .then((port) => worker.postMessage({ type: "port", port } satisfies ToExecutor, [port]))
          .catch((err) =>
            log.error({ err }, "reconnecting the run executor to the database failed"),
          );
      });
      return {
        setUrl(next) {
          url = next;
          worker.postMessage({ type: "url", url } satisfies ToExecutor);
        },
        async close() {
          closing = true;
          const w = worker;
          if (w.threadId < 0) {
            await requeued; // already gone
            return;
          }
          const exited = new Promise<void>((resolve) => {
            w.once("exit", () => resolve());
          });
          w.postMessage({ type: "close" } satisfies ToExecutor);
          const timer = setTimeout(() => void w.terminate(), drainMs + 10_000);
          await exited;
          clearTimeout(timer);
          await requeued; // a thread that did not drain (terminated): its runs, before the pool closes
        },
      };
    },
  };
}
