/**
 * Opens a SQLite database file (`DATABASE_URL=sqlite:PATH`, or `sqlite::memory:`) with
 * better-sqlite3 and Kysely's SqliteDialect (see ../ARCHITECTURE.md "SQLite").
 *
 * One writer process: the file is opened in WAL mode with `locking_mode=EXCLUSIVE` and a write
 * transaction is taken at once, so this process holds the file's lock until it closes and a second
 * server on the same file fails to start with a clear error instead of waiting or corrupting.
 * Notifications (`pg_notify` in statements, `notify`) are delivered in process after COMMIT.
 */
import { MessageChannel } from "node:worker_threads";
import { type Dialect, type Driver, Kysely, SqliteDialect, sql } from "kysely";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { withEngine } from "../engine/index.ts";
import { neutralPlugin } from "../engine/plugin.ts";
import { escapingCodecFor } from "../escaping-codec.ts";
import { mysqlJsonParams } from "../mysql/codec.ts";
import type { EmbeddedClientPort } from "../pglite/open.ts";
import { sqliteEngine } from "./engine.ts";
import { jsonReadingDatabase } from "./json-columns.ts";
import { SQLITE_MIGRATIONS } from "./migrations.ts";
import { openNative } from "./native.ts";
import { InProcessChannels, notifyingDialect } from "./notify.ts";
import { openSqliteClient } from "./port-client.ts";
import { serveSqlitePort } from "./port-host.ts";
import { sqliteTypes } from "./types.ts";
import { yieldingDialect } from "./yielding.ts";

const sqliteEscaping = escapingCodecFor(mysqlJsonParams);

/** How long a statement waits for a lock held by another connection before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS olg_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`;

const ENGINE = {
  ...sqliteEngine,
  migrations: { list: SQLITE_MIGRATIONS, table: MIGRATIONS_TABLE },
};

/** The file a `sqlite:` URL names (`sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`). */
export function sqliteFile(url: string): string {
  const rest = url.replace(/^sqlite:/i, "");
  if (rest === ":memory:") return ":memory:";
  const file = rest.startsWith("//") ? rest.slice(2) : rest;
  if (!file)
    throw new Error("DATABASE_URL: sqlite: needs a file path (sqlite:./data.db) or :memory:");
  return decodeURIComponent(file);
}

/**
 * The codecs every Kysely over SQLite reads and writes through, outermost first: the escaping
 * codec of every engine (text-escape.ts: lone surrogates and U+0000 round-trip), then types; JSON
 * cells are parsed at the statement, below them (json-columns.ts).
 */
function codecs(dialect: Dialect): Dialect {
  return codecDialect(codecDialect(dialect, sqliteTypes), sqliteEscaping);
}

/** `dialect` whose driver is created once: this thread's Kysely and `port-host.ts` share it. */
function sharedDriver(dialect: Dialect): { dialect: Dialect; driver: Driver } {
  const driver = dialect.createDriver();
  return { dialect: { ...bind(dialect), createDriver: () => driver }, driver };
}

function bind(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => dialect.createDriver(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

/**
 * Opens (creating if missing) the SQLite database `url` names; with `client`, the connection
 * another thread of this process opened (its `StorageHandle.embedded.attach()`, `port-client.ts`).
 */
export async function openSqlite(
  url: string,
  wrap: (d: Dialect) => Dialect = (d) => d,
  client?: EmbeddedClientPort,
): Promise<StorageHandle> {
  if (client)
    return openSqliteClient(
      client,
      { layer: (d) => codecs(withEngine(d, ENGINE)), plugins: [neutralPlugin(ENGINE)] },
      wrap,
    );
  const file = sqliteFile(url);
  const native = openNative(file, 0);
  try {
    native.pragma("foreign_keys = ON");
    if (file !== ":memory:") {
      native.pragma("locking_mode = EXCLUSIVE");
      native.pragma("journal_mode = WAL");
      native.pragma("synchronous = NORMAL");
      native.exec("BEGIN IMMEDIATE; COMMIT"); // takes the file's lock now, for this process's life
    }
    native.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    native.close();
    if ((error as { code?: string }).code?.startsWith("SQLITE_BUSY"))
      throw new Error(
        `SQLite database ${file} is in use by another process: SQLite allows one server process ` +
          "per file (use PostgreSQL or MariaDB for several replicas)",
        { cause: error },
      );
    throw error;
  }
  const channels = new InProcessChannels(native);
  const { dialect, driver } = sharedDriver(
    yieldingDialect(
      notifyingDialect(
        withEngine(new SqliteDialect({ database: jsonReadingDatabase(native) }), ENGINE),
        channels,
      ),
    ),
  );
  const db = new Kysely<Database>({
    dialect: wrap(codecs(dialect)),
    plugins: [neutralPlugin(ENGINE)],
  });
  // The run executor's thread (role `all`) uses this connection over a port (port-host.ts).
  const attach = async () => {
    await sql`SELECT 1`.execute(db); // the shared driver is initialised before a port uses it
    const { port1, port2 } = new MessageChannel();
    serveSqlitePort(port1, { driver, channels, inTransaction: () => native.inTransaction });
    return port2;
  };
  return {
    kind: "sqlite",
    db,
    listen: async (channel, onMessage) => channels.listen(channel, onMessage),
    async notify(channel, payload) {
      channels.publish(channel, payload);
    },
    embedded: { attach, onRestart: () => {} }, // the file stays open: no restart
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
