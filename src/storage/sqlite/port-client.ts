/**
 * SQLite from another thread of the process that opened the file: the run executor's thread of
 * role `all` (`src/server/executor-thread.ts`) uses the HTTP thread's one connection through a
 * `MessagePort` (`port-host.ts` serves it). The statements are compiled and encoded here (SQLite's
 * compiler; the types, escaping and encryption codecs of this thread's settings) and executed
 * there; this thread's own statements are one at a time (`MutexDriver`: a transaction holds the
 * connection to its end, as in `open.ts`). Notifications travel over the port both ways.
 *
 * Errors: a statement's error arrives with SQLite's `code`; a port that closed (the owner is
 * shutting down) fails requests with a connection error (`../connection-errors.ts`).
 */
import {
  type Dialect,
  Kysely,
  type KyselyPlugin,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import type { Database, StorageHandle } from "../database.ts";
import type { EmbeddedDatabase } from "../pglite/driver.ts";
import { MutexDriver } from "../pglite/driver.ts";
import type { EmbeddedClientPort } from "../pglite/open.ts";
import { PGliteWorker } from "../pglite/worker-client.ts";

/** Rows as the owner's driver gives them: blobs are `Buffer`s (a port delivers `Uint8Array`s). */
function withBuffers(db: EmbeddedDatabase): EmbeddedDatabase {
  return {
    get closed() {
      return db.closed;
    },
    async query<R>(text: string, params?: unknown[]) {
      const result = await db.query<R>(text, params);
      for (const row of result.rows as Record<string, unknown>[])
        for (const key in row) {
          const v = row[key];
          if (v instanceof Uint8Array && !Buffer.isBuffer(v))
            row[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        }
      return result;
    },
    listen: (channel, onMessage) => db.listen(channel, onMessage),
    close: () => db.close(),
  };
}

/** SQLite's compiler and adapter over a driver of the other thread's connection. */
function portDialect(db: EmbeddedDatabase): Dialect {
  const driver = new MutexDriver(db);
  return {
    createDriver: () => driver,
    createAdapter: () => new SqliteAdapter(),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (k: Kysely<any>) => new SqliteIntrospector(k),
  };
}

/** What the client needs of `open.ts`: the engine and the codecs its own Kysely uses. */
export interface SqliteClientParts {
  /** Wraps the engine's dialect like the owner's (`withEngine` + types + escaping codecs). */
  layer(dialect: Dialect): Dialect;
  plugins: KyselyPlugin[];
}

/** Opens the storage over `client` (a port from the owner's `StorageHandle.embedded.attach()`). */
export function openSqliteClient(
  client: EmbeddedClientPort,
  parts: SqliteClientParts,
  wrap: (d: Dialect) => Dialect = (d) => d,
): StorageHandle {
  const remote = PGliteWorker.overPort(client.port, client.nextPort);
  const link = withBuffers(remote);
  const db = new Kysely<Database>({
    dialect: wrap(parts.layer(portDialect(link))),
    plugins: parts.plugins,
  });
  return {
    kind: "sqlite",
    db,
    listen: (channel, onMessage) => link.listen(channel, onMessage),
    async notify(channel, payload) {
      await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db);
    },
    connectionStats: () => remote.stats(),
    poolStats: () => ({ size: 1, inUse: 0, waiting: 0 }),
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
