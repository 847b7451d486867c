/**
 * Starting the embedded database worker (`worker-host.ts`) from sources or from `dist/`, and the
 * connection error every request gets once a worker is gone (SQLSTATE 57P01, classified like a
 * terminated PostgreSQL connection by `../connection-errors.ts`).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type MessagePort, Worker } from "node:worker_threads";
import { fromWire, type WorkerMessage, type WorkerRequest } from "./worker-protocol.ts";

export type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, "id">
    : never
  : never;

/** The worker or a port to it: what requests are posted on. */
export type Link = Worker | MessagePort;
export type GoneFn = (reason: string, link: Link) => void;
/** Opens a new link (a new worker, or the next port to one); rejects to be retried. */
export type Connect = (onMessage: (m: WorkerMessage) => void, onGone: GoneFn) => Promise<Link>;

export interface Pending {
  resolve(message: Extract<WorkerMessage, { type: "reply" }>): void;
  reject(error: Error): void;
}

/** Where restarts are reported (the process logger in production). */
export interface WorkerLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** How a dead worker is replaced (a data folder only: an in-memory database dies with it). */
export interface RestartOptions {
  /** Start a new worker on the same folder after one died (default: when `dataDir` is set). */
  enabled?: boolean;
  /** Backoff between attempts, ms (capped exponential). */
  initialMs?: number;
  maxMs?: number;
  /** How long a request waits for a restart in progress before it fails, ms. */
  waitMs?: number;
  log?: WorkerLog;
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
export function terminated(reason: string): Error {
  return Object.assign(
    new Error(`Connection terminated: the embedded database worker stopped (${reason})`),
    { code: "57P01" },
  );
}

/**
 * Starts a worker and resolves once PGlite opened in it (`dataDir`, in memory when null);
 * `onMessage` gets its later messages, `onGone` its death (error or exit, possibly both).
 */
export async function spawn(
  dataDir: string | null,
  onMessage: (m: WorkerMessage) => void,
  onGone: (reason: string, worker: Worker) => void,
): Promise<Worker> {
  const worker = new Worker(BOOT, { eval: true, workerData: { ...entry(), dataDir } });
  await new Promise<void>((resolve, reject) => {
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") resolve();
      else if (m.type === "failed") reject(fromWire(m.error));
      else onMessage(m);
    });
    worker.on("error", (error) => {
      onGone(error.message, worker);
      reject(error);
    });
    worker.on("exit", (code) => {
      onGone(`exit code ${code}`, worker);
      reject(terminated(`exit code ${code}`));
    });
  }).catch(async (error) => {
    await worker.terminate();
    throw error;
  });
  worker.unref();
  return worker;
}

/** Listens on a port to the worker (another thread's client); its closing is the worker's death. */
export function wirePort(
  port: MessagePort,
  onMessage: (m: WorkerMessage) => void,
  onGone: GoneFn,
): MessagePort {
  port.on("message", onMessage);
  port.once("close", () => onGone("its port closed", port));
  port.unref();
  return port;
}
