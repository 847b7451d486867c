/** Opens the embedded PGlite database, in a data folder or in memory. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { type Dialect, Kysely, sql } from "kysely";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { escapingCodec } from "../escaping-codec.ts";
import { PGliteMutexDialect } from "./driver.ts";
import { publishEmbeddedPool } from "./shared-pool.ts";
import { openFreshInMemory } from "./snapshot.ts";

/** Postgres type id of `bytea`. */
const BYTEA = 17;

/**
 * `bytea` to and from PGlite's text form (`\\x` + hex) in native code. PGlite's own converters
 * build one JS string per byte: a 2 MB checkpoint cost seconds of event loop and hundreds of MB of
 * garbage per write and per read.
 */
const byteaCodec = {
  serialize(value: unknown): string {
    if (!(value instanceof Uint8Array)) throw new Error("Invalid input for bytea type");
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  },
  parse(text: string): Uint8Array {
    const bytes = Buffer.from(text.slice(2), "hex");
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
};

/**
 * PostgreSQL's 128 MB default `shared_buffers` is zeroed inside the WASM heap at start and stays
 * resident; one embedded connection on a small database does not need it (the OS file cache, or
 * the in-memory file system, holds the data anyway). 16 MB saves about 90 MB of resident memory.
 */
const EMBEDDED_SETTINGS = ["-c", "shared_buffers=16MB"];

/** Opens PGlite at `dataDir` (created if missing), or in memory when `dataDir` is null. */
export async function openPGlite(
  dataDir: string | null,
  wrap: (d: Dialect) => Dialect = (d) => d,
): Promise<StorageHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // pgvector is loaded so semantic store search uses real `vector` columns, as on PostgreSQL.
  const options = {
    extensions: { vector },
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    serializers: { [BYTEA]: byteaCodec.serialize },
    parsers: { [BYTEA]: byteaCodec.parse },
  };
  // In memory: from a snapshot of an empty cluster (snapshot.ts) instead of initdb every time.
  const pg = dataDir ? new PGlite(dataDir, options) : await openFreshInMemory(options);
  await pg.waitReady;
  const dialect = new PGliteMutexDialect(pg);
  const db = new Kysely<Database>({ dialect: wrap(codecDialect(dialect, escapingCodec)) });
  const withdraw = publishEmbeddedPool(db);
  let waiting = 0;
  return {
    kind: "pglite",
    db,
    async listen(channel, onMessage) {
      const unsubscribe = await pg.listen(channel, onMessage);
      return async () => {
        if (!pg.closed) await unsubscribe();
      };
    },
    async notify(channel, payload) {
      waiting++;
      try {
        await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db);
      } finally {
        waiting--;
      }
    },
    poolStats: () => ({ size: 1, inUse: waiting > 0 ? 1 : 0, waiting: Math.max(0, waiting - 1) }),
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      withdraw();
      await db.destroy();
    },
  };
}
