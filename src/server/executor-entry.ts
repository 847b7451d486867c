/**
 * Entry of the run executor thread (`executor-thread.ts` starts it, after tsx): shares the
 * project's LangChain like `cli/boot.ts` does for the server's thread, then builds the server with
 * role `worker` over the database port it was given (PGlite, SQLite) or its own pool (a networked
 * database) and starts it (claims runs and crons). It
 * never listens: HTTP stays on the server's thread. On `close` it drains like a worker process on
 * SIGTERM and exits.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { MetricJson } from "../metrics/merge.ts";
import {
  EXECUTOR_SLOT,
  type ExecutorData,
  type FromExecutor,
  type ToExecutor,
} from "./executor-thread.ts";

const data = workerData as ExecutorData;
const port = parentPort!;
const send = (m: FromExecutor) => port.postMessage(m);

try {
  const { shareProjectLangChain } = await import("../cli/boot.ts");
  try {
    shareProjectLangChain(data.argv, data.cwd);
  } catch {
    // The server's thread checked the same peers and started: nothing new to report here.
  }
  const { buildServer } = await import("./build.ts");
  const { createLogger } = await import("../logging/logger.ts");
  const { forwardable } = await import("../metrics/merge.ts");
  const { PortRunEventLog } = await import("../stream/port-log.ts");
  // Lines go to stdout here and to the HTTP thread's admin log feed.
  const logger = createLogger({
    level: data.settings.logLevel,
    pretty: data.settings.prettyLogs,
    feed: { stream: { write: (line: string) => send({ type: "log", line }) } },
  });
  // The database comes once the server's thread opened it (this thread loaded meanwhile): a port
  // to the PGlite worker, or none (a networked database: this thread opens its own pool).
  const db = await new Promise<MessagePort | undefined>((resolve) => {
    const first = (m: ToExecutor) => {
      if (m.type !== "db") return;
      port.off("message", first);
      resolve(m.port);
    };
    port.on("message", first);
  });
  // Ports to a replaced database worker, in order (the storage asks for the next one).
  const ports: MessagePort[] = [];
  const waiting: ((p: MessagePort) => void)[] = [];
  const nextPort = () =>
    new Promise<MessagePort>((resolve, reject) => {
      const now = ports.shift();
      if (now) return resolve(now);
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(take), 1);
        reject(new Error("no new database port yet"));
      }, 5000);
      const take = (p: MessagePort) => {
        clearTimeout(timer);
        resolve(p);
      };
      waiting.push(take);
    });
  const built = await buildServer(data.settings, {
    logger,
    executorThread: true,
    embeddedClient: db ? { port: db, nextPort } : undefined,
    sharedCache: data.cacheTags ? { buffer: data.cacheTags, slot: EXECUTOR_SLOT } : undefined,
    runEventLog: data.events ? new PortRunEventLog(data.events) : undefined,
    runOwner: data.runOwner,
  });
  // This thread's own metrics (runs, streams, caches), for the HTTP thread's `/metrics`.
  const ownMetrics = () =>
    Promise.all(
      built.infra.obs.registry
        .getMetricsAsArray()
        .filter((m) => forwardable(m.name, db == null)) // its own connections unless a port
        .map((m) => (m as unknown as { get(): Promise<MetricJson> }).get()),
    );
  let closing = false;
  port.on("message", (m: ToExecutor) => {
    if (m.type === "db") return;
    if (m.type === "url") built.listening(undefined as never, m.url);
    else if (m.type === "metrics")
      void ownMetrics()
        .catch(() => [])
        .then((metrics) => send({ type: "metrics", id: m.id, metrics }));
    else if (m.type === "idle")
      void built
        .executorIdle()
        .catch(() => false)
        .then((idle) => send({ type: "idle", id: m.id, idle }));
    else if (m.type === "port") {
      const take = waiting.shift();
      if (take) take(m.port);
      else ports.push(m.port);
    } else if (m.type === "close" && !closing) {
      closing = true;
      void built
        .close()
        .catch((err) => built.logger.error({ err }, "error while closing the executor"))
        .finally(async () => {
          // Its counters after the drain (an on-demand stop keeps them, executor-supervisor.ts).
          send({ type: "closed", metrics: await ownMetrics().catch(() => undefined) });
          process.exit(0);
        });
    }
  });
  await built.start();
  built.logger.info({ role: "worker" }, "run executor thread started");
  send({ type: "started" });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  send({ type: "failed", message: e.message, stack: e.stack });
  process.exit(1);
}
