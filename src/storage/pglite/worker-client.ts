/**
 * The embedded PGlite in a `worker_threads` Worker (`worker-host.ts`), seen from the server's
 * thread as an `EmbeddedDatabase` (driver.ts): `query`, `listen`, `close`. Statements execute on
 * the worker's thread, so a multi-MB state write or a jsonb scan never holds the HTTP event loop;
 * what stays here is structured cloning of parameters and rows (native copies).
 *
 * Errors: a statement's error arrives with its SQLSTATE `code` and fields (`worker-protocol.ts`).
 * If the worker dies (a WebAssembly abort, out of memory), every pending and later request fails
 * with a connection error (`code` 57P01, "Connection terminated…", see `connection-errors.ts`):
 * `/ready` reports the database failing, runs retry as after a lost PostgreSQL connection.
 *
 * The worker holds the process open only while a request is pending (like a socket with a query
 * in flight); an idle one never keeps a finished CLI command alive.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EmbeddedDatabase } from "./driver.ts";
import {
  fromWire,
  type WireError,
  type WorkerMessage,
  type WorkerRequest,
} from "./worker-protocol.ts";

type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, "id">
    : never
  : never;

interface Pending {
  resolve(message: Extract<WorkerMessage, { type: "reply" }>): void;
  reject(error: Error): void;
}

/** From sources the host is TypeScript: the worker registers tsx first (as bin/olg.js does). */
const BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) {
    const tsx = await import(workerData.tsx);
    (tsx.register ?? tsx.default.register)();
  }
  await import(workerData.entry);
})();
`;

function entry(): { entry: string; tsx: string | null } {
  const fromSources = import.meta.url.endsWith(".ts");
  const host = new URL(`./worker-host.${fromSources ? "ts" : "js"}`, import.meta.url).href;
  // tsx's ESM entry (its CommonJS one cannot register hooks from a worker).
  const tsx = fromSources
    ? pathToFileURL(
        path.join(
          path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")),
          "dist/esm/api/index.mjs",
        ),
      ).href
    : null;
  return { entry: host, tsx };
}

/** The error of every request once the worker is gone. */
function terminated(reason: string): Error {
  return Object.assign(
    new Error(`Connection terminated: the embedded database worker stopped (${reason})`),
    { code: "57P01" },
  );
}

/** PGlite behind a worker thread. */
export class PGliteWorker implements EmbeddedDatabase {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<number, (payload: string) => void>();
  #nextId = 1;
  #gone: Error | null = null;
  #closing = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the worker and opens PGlite at `dataDir` (in memory when null). */
  static async open(dataDir: string | null): Promise<PGliteWorker> {
    const worker = new Worker(BOOT, { eval: true, workerData: { ...entry(), dataDir } });
    const db = new PGliteWorker(worker);
    await new Promise<void>((resolve, reject) => {
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") resolve();
        else if (m.type === "failed") reject(fromWire(m.error));
        else db.#onMessage(m);
      });
      worker.on("error", (error) => {
        db.#stop(error.message);
        reject(error);
      });
      worker.on("exit", (code) => {
        db.#stop(`exit code ${code}`);
        reject(terminated(`exit code ${code}`));
      });
    }).catch(async (error) => {
      await worker.terminate();
      throw error;
    });
    worker.unref();
    return db;
  }

  get closed(): boolean {
    return this.#gone != null || this.#closing;
  }

  async query<R>(
    sql: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[]; affectedRows?: number }> {
    const reply = await this.#request({ op: "query", sql, params });
    return { rows: (reply.rows ?? []) as R[], affectedRows: reply.affectedRows };
  }

  async listen(
    channel: string,
    onMessage: (payload: string) => void,
  ): Promise<() => Promise<void>> {
    const lid = this.#nextId++;
    this.#listeners.set(lid, onMessage);
    try {
      await this.#request({ op: "listen", channel, lid });
    } catch (error) {
      this.#listeners.delete(lid);
      throw error;
    }
    return async () => {
      this.#listeners.delete(lid);
      if (!this.closed) await this.#request({ op: "unlisten", lid });
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const exited = new Promise((resolve) => this.#worker.once("exit", resolve));
    await this.#request({ op: "close" }).catch(() => {});
    this.#closing = true;
    this.#worker.ref(); // until it exited: closing is work in flight too
    const timer = setTimeout(() => void this.#worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the worker abruptly, as a crash would (pending and later requests fail). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #request(request: Request): Promise<Extract<WorkerMessage, { type: "reply" }>> {
    if (this.#gone) return Promise.reject(this.#gone);
    if (this.#closing) return Promise.reject(terminated("closed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...request, id } as WorkerRequest);
      } catch (error) {
        reject(error); // a parameter structured clone cannot copy (a function, a symbol)
        return;
      }
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  #onMessage(message: WorkerMessage) {
    if (message.type === "notify") {
      this.#listeners.get(message.lid)?.(message.payload);
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

  #stop(reason: string) {
    if (this.#gone) return;
    this.#gone = terminated(reason);
    for (const pending of this.#pending.values()) pending.reject(this.#gone);
    this.#pending.clear();
  }
}
