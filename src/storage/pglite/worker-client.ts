/**
 * The embedded PGlite in a `worker_threads` Worker (`worker-host.ts`), seen from the server's
 * thread as an `EmbeddedDatabase` (driver.ts): `query`, `listen`, `close`. Statements execute on
 * the worker's thread, so a multi-MB state write or a jsonb scan never holds the HTTP event loop;
 * what stays here is structured cloning of parameters and rows (native copies).
 *
 * Errors: a statement's error arrives with its SQLSTATE `code` and fields (`worker-protocol.ts`).
 * If the worker dies (a WebAssembly abort, out of memory), every pending request fails with a
 * connection error (`code` 57P01, "Connection terminated…", see `connection-errors.ts`) and runs
 * retry as after a lost PostgreSQL connection; on a data folder a new worker replaces it (class
 * doc below), in memory later requests fail too and `/ready` reports the database failing.
 *
 * The worker holds the process open only while a request is pending (like a socket with a query
 * in flight); an idle one never keeps a finished CLI command alive.
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import type { EmbeddedDatabase } from "./driver.ts";
import {
  fromWire,
  TX_END,
  TX_START,
  type WireError,
  type WorkerMessage,
  type WorkerRequest,
} from "./worker-protocol.ts";
import {
  type Connect,
  type Link,
  type Pending,
  type Request,
  type RestartOptions,
  spawn,
  terminated,
  type WorkerLog,
  wirePort,
} from "./worker-spawn.ts";

export type { RestartOptions, WorkerLog } from "./worker-spawn.ts";

/**
 * PGlite behind a worker thread. On a data folder, a worker that dies (a WebAssembly abort, out
 * of memory) is replaced: requests pending at the crash fail with 57P01 (runs retry from their
 * last checkpoint, as after a lost PostgreSQL connection), a new worker reopens the folder (PGlite
 * recovers from its WAL like PostgreSQL after a crash) with capped exponential backoff, LISTENs are
 * renewed, and requests sent meanwhile wait for it (at most `waitMs`). A transaction open at the
 * crash is lost as a whole: its later statements and its COMMIT fail, its ROLLBACK succeeds, so no
 * tail of it runs outside a transaction on the new worker. In memory there is nothing to reopen.
 */
export class PGliteWorker implements EmbeddedDatabase {
  /** The worker itself (the server's thread) or a port attached to it (the executor's thread). */
  #worker: Link;
  readonly #connect: Connect;
  readonly #restartHooks: (() => void)[] = [];
  readonly #restart: Required<Omit<RestartOptions, "log">> & { log?: WorkerLog };
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<number, { channel: string; fn: (payload: string) => void }>();
  #nextId = 1;
  #gone: Error | null = null;
  #closing = false;
  #restarting: Promise<void> | null = null;
  #inTransaction = false;
  /** A transaction was open when the worker died: fail until its COMMIT/ROLLBACK. */
  #lostTransaction = false;
  #restarts = 0;
  #crashes = 0;

  private constructor(worker: Link, restart: RestartOptions, connect: Connect) {
    this.#worker = worker;
    this.#connect = connect;
    this.#restart = {
      enabled: restart.enabled ?? false,
      initialMs: restart.initialMs ?? 100,
      maxMs: restart.maxMs ?? 5000,
      waitMs: restart.waitMs ?? 10_000,
      log: restart.log,
    };
  }

  /** Starts the worker and opens PGlite at `dataDir` (in memory when null). */
  static async open(dataDir: string | null, restart: RestartOptions = {}): Promise<PGliteWorker> {
    let db: PGliteWorker | undefined;
    const worker = await spawn(
      dataDir,
      (m) => void (db ? db.#onMessage(m) : undefined),
      (reason, w) => void (db ? db.#onGone(reason, w) : undefined),
    );
    const enabled = restart.enabled ?? dataDir != null;
    db = new PGliteWorker(worker, { ...restart, enabled }, (onMessage, onGone) =>
      spawn(dataDir, onMessage, onGone),
    );
    return db;
  }

  /**
   * A client over `port` (from `attachClient` of the worker's owner, in another thread). When the
   * port closes (the worker died), requests fail or wait as for a worker restart, until `nextPort`
   * yields the port to the replacement (it rejects when none came in time; the wait is retried).
   */
  static overPort(port: MessagePort, nextPort: () => Promise<MessagePort>): PGliteWorker {
    const db: PGliteWorker = new PGliteWorker(
      wirePort(
        port,
        (m) => db.#onMessage(m),
        (reason, p) => db.#onGone(reason, p),
      ),
      { enabled: true },
      async (onMessage, onGone) => wirePort(await nextPort(), onMessage, onGone),
    );
    return db;
  }

  /** A port for another thread's client (worker-sessions.ts): open `overPort` with it there. */
  async attachClient(): Promise<MessagePort> {
    const { port1, port2 } = new MessageChannel();
    await this.#request({ op: "attach", port: port1 }, [port1]);
    return port2;
  }

  /** Calls `fn` after each restart of the worker (attached clients need a new port then). */
  onRestart(fn: () => void): void {
    this.#restartHooks.push(fn);
  }

  get closed(): boolean {
    return this.#gone != null || this.#closing;
  }

  /** Worker deaths and replacements so far (metrics: `connectionStats`). */
  stats(): { connected: boolean; reconnects: number; connectionErrors: number } {
    return {
      connected: this.#gone == null && this.#restarting == null,
      reconnects: this.#restarts,
      connectionErrors: this.#crashes,
    };
  }

  async query<R>(
    sql: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[]; affectedRows?: number }> {
    if (this.#lostTransaction && TX_END.test(sql)) {
      this.#lostTransaction = false;
      this.#inTransaction = false;
      if (/^\s*ROLLBACK/i.test(sql)) return { rows: [] };
      throw terminated("the transaction was open when it stopped");
    }
    if (this.#lostTransaction) throw terminated("the transaction was open when it stopped");
    const reply = await this.#request({ op: "query", sql, params });
    if (TX_START.test(sql)) this.#inTransaction = true;
    else if (TX_END.test(sql)) this.#inTransaction = false;
    return { rows: (reply.rows ?? []) as R[], affectedRows: reply.affectedRows };
  }

  async listen(
    channel: string,
    onMessage: (payload: string) => void,
  ): Promise<() => Promise<void>> {
    const lid = this.#nextId++;
    this.#listeners.set(lid, { channel, fn: onMessage });
    try {
      await this.#request({ op: "listen", channel, lid });
    } catch (error) {
      this.#listeners.delete(lid);
      throw error;
    }
    return async () => {
      this.#listeners.delete(lid);
      if (!this.closed) await this.#request({ op: "unlisten", lid }).catch(() => {});
    };
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#restarting?.catch(() => {});
    if (this.#gone) return;
    const worker = this.#worker;
    if (!(worker instanceof Worker)) {
      await this.#send({ op: "close" }).catch(() => {});
      worker.close();
      return;
    }
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    await this.#send({ op: "close" }).catch(() => {});
    worker.ref(); // until it exited: closing is work in flight too
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the worker abruptly, as a crash would (pending requests fail; see the class doc). */
  async terminate(): Promise<void> {
    if (this.#worker instanceof Worker) await this.#worker.terminate();
    else this.#worker.close();
  }

  async #request(
    request: Request,
    transfer?: MessagePort[],
  ): Promise<Extract<WorkerMessage, { type: "reply" }>> {
    if (this.#restarting && !this.#closing) await this.#awaitRestart();
    if (this.#gone) throw this.#gone;
    if (this.#closing) throw terminated("closed");
    return this.#send(request, transfer);
  }

  #send(
    request: Request,
    transfer?: MessagePort[],
  ): Promise<Extract<WorkerMessage, { type: "reply" }>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...request, id } as WorkerRequest, transfer);
      } catch (error) {
        reject(error); // a parameter structured clone cannot copy (a function, a symbol)
        return;
      }
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  async #awaitRestart(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(terminated("it is being restarted")), this.#restart.waitMs);
    });
    try {
      await Promise.race([this.#restarting, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #onMessage(message: WorkerMessage) {
    if (message.type === "notify") {
      this.#listeners.get(message.lid)?.fn(message.payload);
      return;
    }
    if (message.type !== "reply") return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (message.error) pending.reject(fromWire(message.error as WireError));
    else pending.resolve(message);
  }

  /** The current worker stopped: fail what it held, then replace it or give up. */
  #onGone(reason: string, worker: Link) {
    if (worker !== this.#worker) return; // a replacement that failed to open: the loop retries
    const error = terminated(reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    if (this.#closing) {
      this.#gone ??= terminated("closed");
      return;
    }
    if (this.#restarting) return; // `error` and `exit` of the same death
    this.#crashes++;
    if (this.#inTransaction) this.#lostTransaction = true;
    this.#inTransaction = false;
    if (!this.#restart.enabled) {
      this.#gone = error;
      return;
    }
    this.#restart.log?.warn({ reason }, "embedded database worker stopped; restarting it");
    this.#restarting = this.#respawn().finally(() => {
      this.#restarting = null;
    });
  }

  async #respawn(): Promise<void> {
    for (let delay = this.#restart.initialMs; !this.#closing; ) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.#closing) break;
      try {
        this.#worker = await this.#connect(
          (m) => this.#onMessage(m),
          (reason, w) => this.#onGone(reason, w),
        );
        for (const [lid, { channel }] of this.#listeners)
          await this.#send({ op: "listen", channel, lid });
        this.#restarts++;
        this.#restart.log?.info({ restarts: this.#restarts }, "embedded database worker restarted");
        for (const hook of this.#restartHooks) hook();
        return;
      } catch (error) {
        this.#restart.log?.warn(
          { err: error, retry_ms: delay },
          "restarting the embedded database failed",
        );
        delay = Math.min(delay * 2, this.#restart.maxMs);
      }
    }
    this.#gone ??= terminated("closed");
  }
}
