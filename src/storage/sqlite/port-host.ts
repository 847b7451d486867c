/**
 * The SQLite connection of the thread that opened the file, served to another thread of the same
 * process over a `MessagePort` (the run executor's thread of role `all`, `src/server/
 * executor-thread.ts`; its side is `port-client.ts`). SQLite allows this process one connection
 * (`open.ts`: exclusive locking), so the other thread does not open the file: its statements run
 * here, on this thread's connection, in the protocol of the embedded PGlite worker
 * (`../pglite/worker-protocol.ts`: `query`, `listen`, `unlisten`, `close`).
 *
 * The other thread's statements take the same driver (and so the same connection mutex) as this
 * thread's Kysely, one at a time: a `BEGIN` of the other thread acquires the connection and holds
 * it until its `COMMIT`/`ROLLBACK`, so neither thread's statements ever run inside the other's
 * transaction, as with two connections of a pool; `COMMIT` goes through the driver, so the
 * transaction's notifications are delivered (`notify.ts`). Statements arrive already encoded (the
 * other thread's codecs: types, escaping, encryption) and rows leave decoded only down to JSON
 * cells (`json-columns.ts`), as this thread's own codecs see them. A port that closes while its
 * transaction is open (the thread died) has it rolled back and the connection released.
 * Statements execute synchronously here (better-sqlite3): they are short; graph work, what held
 * `/ok`, runs in the other thread.
 */
import type { MessagePort } from "node:worker_threads";
import { CompiledQuery, type DatabaseConnection, type Driver } from "kysely";
import {
  TX_END,
  TX_START,
  toWire,
  type WorkerMessage,
  type WorkerRequest,
} from "../pglite/worker-protocol.ts";
import type { InProcessChannels } from "./notify.ts";

/** What the host needs of the opened database (`open.ts`). */
export interface SqliteHostDeps {
  /** The driver this thread's Kysely uses (the one connection and its mutex). */
  driver: Driver;
  channels: InProcessChannels;
  /** Whether the connection is inside a transaction now (better-sqlite3 `inTransaction`). */
  inTransaction(): boolean;
}

/** better-sqlite3 binds `Buffer`s; a port delivers plain `Uint8Array`s. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) =>
    p instanceof Uint8Array && !Buffer.isBuffer(p)
      ? Buffer.from(p.buffer, p.byteOffset, p.byteLength)
      : p,
  );
}

/** Serves one client on `port` until it closes (see the module doc). */
export function serveSqlitePort(port: MessagePort, deps: SqliteHostDeps): void {
  const { driver, channels } = deps;
  let owned: DatabaseConnection | null = null;
  let gone = false;
  const listens = new Map<number, () => Promise<void>>();
  let chain: Promise<void> = Promise.resolve();
  const reply = (message: WorkerMessage) => {
    if (!gone) port.postMessage(message);
  };

  const release = async (conn: DatabaseConnection) => {
    owned = null;
    await driver.releaseConnection(conn);
  };

  const query = async (sql: string, params: unknown[]) => {
    if (TX_START.test(sql)) {
      if (owned) throw new Error("cannot start a transaction within a transaction");
      const conn = await driver.acquireConnection();
      try {
        await driver.beginTransaction(conn, {});
      } catch (error) {
        await driver.releaseConnection(conn);
        throw error;
      }
      owned = conn;
      return { rows: [] };
    }
    if (TX_END.test(sql)) {
      const conn = owned;
      if (!conn) {
        if (/^\s*ROLLBACK/i.test(sql)) return { rows: [] };
        throw new Error("cannot commit - no transaction is active");
      }
      try {
        if (/^\s*ROLLBACK/i.test(sql)) await driver.rollbackTransaction(conn);
        else await driver.commitTransaction(conn);
      } finally {
        // A failed COMMIT that left the transaction open keeps it for the caller's ROLLBACK.
        if (!deps.inTransaction()) await release(conn);
      }
      return { rows: [] };
    }
    const conn = owned ?? (await driver.acquireConnection());
    try {
      const result = await conn.executeQuery(CompiledQuery.raw(sql, bindable(params)));
      const affected = result.numAffectedRows;
      return { rows: result.rows, affectedRows: affected == null ? undefined : Number(affected) };
    } finally {
      if (conn !== owned) await driver.releaseConnection(conn);
    }
  };

  const handle = async (req: WorkerRequest) => {
    try {
      switch (req.op) {
        case "query": {
          const { rows, affectedRows } = await query(req.sql, req.params);
          reply({ type: "reply", id: req.id, rows, affectedRows });
          return;
        }
        case "listen":
          listens.set(
            req.lid,
            channels.listen(req.channel, (payload) =>
              reply({ type: "notify", lid: req.lid, payload }),
            ),
          );
          break;
        case "unlisten":
          await listens.get(req.lid)?.();
          listens.delete(req.lid);
          break;
        case "close":
          reply({ type: "reply", id: req.id });
          await detach();
          port.close();
          return;
        case "attach":
          throw new Error("a client of a SQLite connection cannot attach another");
      }
      reply({ type: "reply", id: req.id });
    } catch (error) {
      reply({ type: "reply", id: req.id, error: toWire(error) });
    }
  };

  const detach = async () => {
    if (gone) return;
    gone = true;
    for (const off of listens.values()) await off().catch(() => {});
    listens.clear();
    const conn = owned;
    if (!conn) return;
    try {
      await driver.rollbackTransaction(conn);
    } finally {
      await release(conn);
    }
  };

  // One request at a time, in arrival order (the client's own mutex orders its statements).
  port.on("message", (req: WorkerRequest) => {
    chain = chain.then(() => (gone ? undefined : handle(req)));
  });
  port.once("close", () => {
    chain = chain.then(detach).catch(() => {});
  });
  port.unref(); // the other thread, not its port, keeps the process alive
}
