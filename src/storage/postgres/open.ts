/** Opens a PostgreSQL connection pool from a connection string. */
import { type Dialect, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { escapingCodec } from "../escaping-codec.ts";

// Return bigint counts as numbers and keep timestamps as Date (pg default).
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

/** Opens a pool on `url` with at most `max` connections. */
export async function openPostgres(
  url: string,
  max = 10,
  wrap: (d: Dialect) => Dialect = (d) => d,
): Promise<StorageHandle> {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => {
    // Idle-client errors (server restart) surface on the next query; never crash the process.
  });
  // Escaping is innermost: encryption (in `wrap`) sees and seals the values as the caller gave them.
  const dialect = codecDialect(new PostgresDialect({ pool }), escapingCodec);
  const db = new Kysely<Database>({ dialect: wrap(dialect) });
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | null = null;

  async function ensureListenClient(): Promise<pg.Client> {
    if (listenClient) return listenClient;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    client.on("notification", (msg) => {
      for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? "");
    });
    client.on("error", () => {
      listenClient = null;
    });
    listenClient = client;
    return client;
  }

  return {
    kind: "postgres",
    db,
    async listen(channel, onMessage) {
      const client = await ensureListenClient();
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await client.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      }
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
      };
    },
    async notify(channel, payload) {
      await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db);
    },
    poolStats: () => ({
      size: pool.totalCount,
      inUse: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
    }),
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await listenClient?.end().catch(() => {});
      await db.destroy();
    },
  };
}
