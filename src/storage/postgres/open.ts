/** Opens a PostgreSQL connection pool from a connection string. */
import { type Dialect, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { withEngine } from "../engine/index.ts";
import { postgresEngine } from "../engine/postgres.ts";
import { escapingCodec } from "../escaping-codec.ts";
import { type ListenerLog, PgListener } from "./listener.ts";

// Return bigint counts as numbers and keep timestamps as Date (pg default).
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

/** Opens a pool on `url` with at most `max` connections. */
export async function openPostgres(
  url: string,
  max = 10,
  wrap: (d: Dialect) => Dialect = (d) => d,
  log?: ListenerLog,
): Promise<StorageHandle> {
  const pool = new pg.Pool({ connectionString: url, max });
  let connectionErrors = 0;
  // A connection terminated by the server (failover, restart, pg_terminate_backend) emits `error`
  // on its client. pg-pool listens only while the client is idle; a checked-out client with no
  // listener would crash the process. The failing query rejects on its own; the pool drops the
  // broken client on release and opens a new one on demand.
  pool.on("connect", (client) => {
    client.on("error", (err) => {
      connectionErrors++;
      log?.warn({ err }, "database connection lost; the pool replaces it");
    });
  });
  pool.on("error", () => {
    // Idle-client errors surface on the next query; never crash the process.
    connectionErrors++;
  });
  // Escaping is innermost: encryption (in `wrap`) sees and seals the values as the caller gave them.
  const dialect = codecDialect(
    withEngine(new PostgresDialect({ pool }), postgresEngine("postgres")),
    escapingCodec,
  );
  const db = new Kysely<Database>({ dialect: wrap(dialect) });
  const listener = new PgListener(url, log);

  return {
    kind: "postgres",
    db,
    poolMax: max,
    listen: (channel, onMessage) => listener.listen(channel, onMessage),
    async notify(channel, payload) {
      await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db);
    },
    poolStats: () => ({
      size: pool.totalCount,
      inUse: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
    }),
    connectionStats: () => ({ ...listener.stats(), connectionErrors }),
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}
