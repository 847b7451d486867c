/**
 * The HTTP thread's keeper of the run executor thread (`executor-thread.ts` spawns it): hands it
 * the database, restarts it when it dies (its runs requeued at once), and, on the embedded
 * default, runs it **on demand**: it starts when there is something to execute (a run created in
 * this process, handed off on the run hand-off channel, `runs/handoff.ts`; a cron created or
 * changed, `CHANNEL_CRONS`; at start, runs queued or running or an enabled cron) and stops once
 * it has had nothing to do for `idleMs` (`BuiltServer.executorIdle`: no run in flight, queued or
 * running, no webhook delivery, no enabled cron). Its modules, graphs, V8 heap and tsx's loader
 * thread are then not resident: the embedded default at rest is the HTTP thread and the database
 * worker (docs/reliability.md "Memory"). Reads never start it. On a networked database other
 * replicas create runs this thread must claim, so it runs always there.
 */
import { BroadcastChannel, type MessagePort, type Worker } from "node:worker_threads";
import { CHANNEL_CRONS } from "../crons/service.ts";
import type { Logger } from "../logging/logger.ts";
import type { MetricJson } from "../metrics/merge.ts";
import { CHANNEL_WAKE } from "../runs/queue-ports.ts";
import type { StorageHandle } from "../storage/database.ts";
import type {
  ExecutorSinks,
  ExecutorThread,
  FromExecutor,
  ToExecutor,
} from "./executor-messages.ts";
import type { Relay } from "./executor-relay.ts";

/** A spawned executor thread: its worker, lease owner id, and its start. */
export interface Spawned {
  w: Worker;
  owner: string;
  /** Settles once it ran with a database (or failed, or exited). */
  started: Promise<void>;
}

/** What the keeper is built from. */
export interface SupervisorOptions {
  /** A thread spawned already (loading while the server was built), or none (on demand). */
  first?: Spawned;
  spawn(): Spawned;
  relay: Relay;
  storage: StorageHandle;
  log: Logger;
  sinks?: ExecutorSinks;
  drainMs: number;
  /** On demand: stop once it had nothing to do for this long (ms); null: always run. */
  idleMs: number | null;
  /** The run hand-off channel (`Settings.runHandoff`): a run created here wakes it (on demand). */
  handoff?: string;
  /** Whether there is work now (at start, on demand: runs queued or running, enabled crons). */
  hasWork?(): Promise<boolean>;
  /** The shared cache tags (PGlite): a dead thread's marks forgotten, every tag changed. */
  tags?: { forget(): void; bumpEverything(): void };
}

async function connect(t: Spawned, port: MessagePort | undefined) {
  t.w.postMessage({ type: "db", port } satisfies ToExecutor, port ? [port] : []);
  await t.started.catch(async (error) => {
    await t.w.terminate();
    throw error;
  });
}

/** Asks `w` whether it is idle (false when it does not answer within 5 s). */
function askIdle(w: Worker, id: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (idle: boolean) => {
      clearTimeout(timer);
      w.off("message", on);
      resolve(idle);
    };
    const on = (m: FromExecutor) => {
      if (m.type === "idle" && m.id === id) done(m.idle);
    };
    const timer = setTimeout(() => done(false), 5000);
    w.on("message", on);
    w.postMessage({ type: "idle", id } satisfies ToExecutor);
  });
}

/**
 * Starts keeping the executor thread: connects `first` (or, on demand, the first thread when
 * there is work), restarts a thread that dies after a pause, stops an idle one on demand.
 */
export async function superviseExecutor(o: SupervisorOptions): Promise<ExecutorThread> {
  const { storage, log, sinks, relay } = o;
  const embedded = storage.embedded;
  // PGlite: a new client of its worker; a networked database: the thread opens its own pool.
  const database = async () => (embedded ? await embedded.attach() : undefined);
  let worker: Worker | null = null;
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
  let starting: Promise<void> | null = null;
  let retiring: Promise<void> | null = null;
  let wantedWhileRetiring = false;
  /** When it last had something to do (or was asked to start). */
  let lastBusy = Date.now();
  let asks = 0;
  /** Threads stopped because idle: they drained, they exit 0 holding nothing. */
  const retired = new WeakSet<Worker>();
  // A pause between starts that `close` cuts short.
  let cutPause = () => {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      cutPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const adopt = (t: Spawned) => {
    worker = t.w;
    lastBusy = Date.now(); // its idle time counts from its start, not from the wake-up
    if (url) t.w.postMessage({ type: "url", url } satisfies ToExecutor);
    watch(t);
  };
  /** Starts a thread, retrying with backoff, until one runs or the server closes. */
  const relaunch = async (wait: number, afterDeath: boolean) => {
    while (!closing) {
      if (wait > 0) await pause(wait);
      if (closing) return;
      let t: Spawned | undefined;
      try {
        t = o.spawn();
        await connect(t, await database());
        // Statements a dead thread sent may have been executed until now.
        if (afterDeath) o.tags?.bumpEverything();
        adopt(t);
        delay = 500;
        return;
      } catch (err) {
        // It may have claimed runs before failing to start.
        if (t) requeue(t.owner);
        delay = Math.min(delay * 2, 10_000);
        wait = delay;
        log.error({ err, retry_ms: delay }, "starting the run executor thread failed");
      }
    }
  };
  const starts = (wait: number, afterDeath: boolean) => {
    starting = relaunch(wait, afterDeath).finally(() => {
      starting = null;
    });
  };
  const watch = ({ w, owner }: Spawned) => {
    w.once("exit", (code) => {
      o.tags?.forget();
      // A drained thread (close, idle stop) exits 0 with nothing held.
      if (!(closing || retired.has(w)) || code !== 0) requeue(owner);
      if (closing || w !== worker) return;
      worker = null;
      log.error({ code }, "run executor thread stopped; starting it again");
      starts(delay, true);
    });
    w.on("error", (err) => log.error({ err }, "run executor thread failed"));
  };
  /** Starts the on-demand thread unless it runs, starts or stops (then again after). */
  const wake = () => {
    lastBusy = Date.now();
    if (closing || worker || starting) return;
    if (retiring) {
      wantedWhileRetiring = true;
      return;
    }
    log.info({}, "starting the run executor thread (on demand)");
    starts(0, false);
  };
  const retire = async (w: Worker) => {
    retired.add(w);
    worker = null;
    // Listening first: it may exit at any moment (a graph's stray timer throwing).
    const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
    // Its counters stay in `/metrics` (the next thread's add to them): its last ones, sent after
    // its drain (a run handed off meanwhile counted), else the last it answered.
    let final: MetricJson[] | undefined;
    const onClosed = (m: FromExecutor) => {
      if (m.type === "closed") final = m.metrics;
    };
    w.on("message", onClosed);
    if (w.threadId >= 0) w.postMessage({ type: "close" } satisfies ToExecutor);
    const timer = setTimeout(() => void w.terminate(), o.drainMs + 10_000);
    await exited;
    clearTimeout(timer);
    w.off("message", onClosed);
    relay.retire(final ?? (await relay.ask(w)));
    log.info({ idle_ms: o.idleMs }, "run executor thread stopped (idle; starts with the next run)");
  };
  const idleCheck = async () => {
    const w = worker;
    if (!w || starting || retiring || closing || o.idleMs == null) return;
    if (Date.now() - lastBusy < o.idleMs) return;
    const since = Date.now();
    if (!(await askIdle(w, ++asks))) {
      lastBusy = Date.now();
      return;
    }
    if (w !== worker || closing || lastBusy > since) return;
    retiring = retire(w)
      .catch((err) => log.warn({ err }, "stopping the idle run executor thread failed"))
      .finally(() => {
        retiring = null;
        if (wantedWhileRetiring) {
          wantedWhileRetiring = false;
          wake();
        }
      });
  };
  const idleTimer =
    o.idleMs == null
      ? undefined
      : setInterval(() => void idleCheck(), Math.max(50, Math.min(o.idleMs / 2, 5000)));
  idleTimer?.unref();
  if (sinks) {
    relay.attach(sinks.logFeed);
    sinks.obs.addSource(async () => [...(worker ? await relay.ask(worker) : []), ...relay.retired]);
  }
  // On demand: what wakes it. A hand-off nobody receives leaves the run queued; the thread's
  // first sweep claims it.
  let offDemand: (() => Promise<void>) | undefined;
  if (o.idleMs != null) {
    const runs = o.handoff ? new BroadcastChannel(o.handoff) : undefined;
    (runs as { unref?: () => void } | undefined)?.unref?.();
    if (runs) runs.onmessage = () => wake();
    const offCrons = await storage.listen(CHANNEL_CRONS, () => wake());
    // Any wake-up of the run workers: a delayed run due (`RunQueue.wakeIn` announces it), a run
    // requeued or announced by this thread.
    const offWake = await storage.listen(CHANNEL_WAKE, () => wake());
    offDemand = async () => {
      runs?.close();
      await offCrons();
      await offWake();
    };
  }
  // The first thread: a failure to start is the server's (it does not start).
  const first = o.first ?? (o.idleMs == null || (await o.hasWork?.()) ? o.spawn() : undefined);
  if (first) {
    await connect(first, await database());
    adopt(first);
  }
  // A restarted database worker: the executor's old port closed; hand it the new one.
  embedded?.onRestart(() => {
    const w = worker;
    if (closing || !w) return;
    void embedded
      .attach()
      .then((port) => w.postMessage({ type: "port", port } satisfies ToExecutor, [port]))
      .catch((err) => log.error({ err }, "reconnecting the run executor to the database failed"));
  });
  return {
    setUrl(next) {
      url = next;
      worker?.postMessage({ type: "url", url } satisfies ToExecutor);
    },
    async close() {
      closing = true;
      if (idleTimer) clearInterval(idleTimer);
      cutPause();
      await offDemand?.().catch(() => {});
      await starting;
      await retiring;
      const w = worker;
      if (!w || w.threadId < 0) {
        await requeued; // already gone
        return;
      }
      const exited = new Promise<void>((resolve) => {
        w.once("exit", () => resolve());
      });
      w.postMessage({ type: "close" } satisfies ToExecutor);
      const timer = setTimeout(() => void w.terminate(), o.drainMs + 10_000);
      await exited;
      clearTimeout(timer);
      await requeued; // a thread that did not drain (terminated): its runs, before the pool closes
    },
  };
}
