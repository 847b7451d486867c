/**
 * SQLite statements run synchronously on the thread that owns the connection (the HTTP thread),
 * and Kysely chains them with promises only: a request running many statements (a `/runs/batch`
 * of 1,000 runs) never let the event loop reach its I/O, so `/ok` waited 1.4-4.4 s for it. This
 * driver lets the loop take a turn (`setImmediate`) after a statement once 20 ms of statements ran
 * without one. Other statements still wait for the connection's mutex, transactions stay whole.
 */
import type { DatabaseConnection, Dialect, Driver, QueryResult } from "kysely";

/** Longest run of statements (ms) before the event loop gets a turn. */
const SLICE_MS = 20;

let sliceStart = performance.now();

/** Gives the event loop a turn when the current slice of statements is over. */
async function yieldIfDue(): Promise<void> {
  if (performance.now() - sliceStart < SLICE_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  sliceStart = performance.now();
}

function yieldingConnection(conn: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery<R>(query: Parameters<DatabaseConnection["executeQuery"]>[0]) {
      const result: QueryResult<R> = await conn.executeQuery<R>(query);
      await yieldIfDue();
      return result;
    },
    streamQuery: (query, chunkSize) => conn.streamQuery(query, chunkSize),
  };
}

/** `dialect` whose connections give the event loop a turn between long runs of statements. */
export function yieldingDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver(): Driver {
      const inner = dialect.createDriver();
      const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const outer = (conn: DatabaseConnection) => {
        const known = wrapped.get(conn);
        if (known) return known;
        const w = yieldingConnection(conn);
        wrapped.set(conn, w);
        return w;
      };
      const innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const unwrap = (conn: DatabaseConnection) => innerOf.get(conn) ?? conn;
      return {
        init: () => inner.init(),
        async acquireConnection() {
          const conn = await inner.acquireConnection();
          const w = outer(conn);
          innerOf.set(w, conn);
          return w;
        },
        beginTransaction: (conn, settings) => inner.beginTransaction(unwrap(conn), settings),
        commitTransaction: (conn) => inner.commitTransaction(unwrap(conn)),
        rollbackTransaction: (conn) => inner.rollbackTransaction(unwrap(conn)),
        savepoint:
          inner.savepoint &&
          ((conn, name, compile) => inner.savepoint!(unwrap(conn), name, compile)),
        rollbackToSavepoint:
          inner.rollbackToSavepoint &&
          ((conn, name, compile) => inner.rollbackToSavepoint!(unwrap(conn), name, compile)),
        releaseSavepoint:
          inner.releaseSavepoint &&
          ((conn, name, compile) => inner.releaseSavepoint!(unwrap(conn), name, compile)),
        releaseConnection: (conn) => inner.releaseConnection(unwrap(conn)),
        destroy: () => inner.destroy(),
      };
    },
  };
}
