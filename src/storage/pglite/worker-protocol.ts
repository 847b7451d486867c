/**
 * Messages between the server's thread and the embedded database worker (`worker-host.ts`), over
 * the worker's port (structured clone: rows keep their `Date`, `Uint8Array` and `bigint` values).
 *
 * To the worker: `query` (one statement with `$n` parameters), `listen` / `unlisten` (a listener
 * id per subscription), `close`, and `attach` (a `MessagePort` of another client, e.g. the run
 * executor's thread, that speaks the same protocol; `close` on such a port detaches only it). From the worker: `ready` once the database opened (or
 * `failed`), a `reply` per request id (result or error), and `notify` per delivered notification.
 */

/** Statements that open and end a transaction (the session belongs to one client in between). */
export const TX_START = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
export const TX_END = /^\s*(COMMIT|ROLLBACK|END)\s*;?\s*$/i;

/** An error as it crosses the port: its message, name and every scalar field (code, detail…). */
export type WireError = { message: string; name: string } & Record<string, string | number>;

/** A request to the worker. */
export type WorkerRequest =
  | { id: number; op: "query"; sql: string; params: unknown[] }
  | { id: number; op: "listen"; channel: string; lid: number }
  | { id: number; op: "unlisten"; lid: number }
  | { id: number; op: "close" }
  | { id: number; op: "attach"; port: import("node:worker_threads").MessagePort };

/** A message from the worker. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "failed"; error: WireError }
  | { type: "reply"; id: number; rows?: unknown[]; affectedRows?: number; error?: WireError }
  | { type: "notify"; lid: number; payload: string };

/** Flattens `error` for the port; SQL errors keep `code`, `detail`, `constraint` and the rest. */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: String(error), name: "Error" };
  const wire: WireError = { message: error.message, name: error.name };
  for (const [key, value] of Object.entries(error))
    if (typeof value === "string" || typeof value === "number") wire[key] = value;
  return wire;
}

/** An `Error` carrying the fields of `wire` (the stack is the receiving side's). */
export function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  Object.assign(error, wire);
  return error;
}
