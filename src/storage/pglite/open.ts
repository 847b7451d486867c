/**
 * Opens the embedded PGlite database, in a data folder or in memory, by default in a worker thread
 * (`worker-client.ts`; see ../ARCHITECTURE.md "Embedded PGlite off the HTTP event loop"). A data
 * folder is held by one process at a time (`data-dir-lock.ts`).
 */
import type { MessagePort } from "node:worker_threads";
import { type Dialect, Kysely, sql } from "kysely";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { withEngine } from "../engine/index.ts";
import { postgresEngine } from "../engine/postgres.ts";
import { escapingCodec } from "../escaping-codec.ts";
import { waitForDataDir } from "./data-dir-lock.ts";
import { type EmbeddedDatabase, PGliteMutexDialect } from "./driver.ts";
import { openEmbeddedPGlite } from "./options.ts";
import { publishEmbeddedPool } from "./shared-pool.ts";
import { PGliteWorker, type WorkerLog } from "./worker-client.ts";

/**
 * Where PGlite executes: `worker` (default: a worker thread, statements never hold the HTTP event
 * loop) or `main` (the calling thread: the former design, kept as the benchmark's baseline).
 */
export type EmbeddedThread = "worker" | "main" | EmbeddedClientPort;

/**
 * A client of a PGlite worker that another thread opened (`StorageHandle.embedded.attach()`
 * there): the run executor's thread uses the server's database through it.
 */
export interface EmbeddedClientPort {
  port: MessagePort;
  /** The port to the replacement worker after a restart (rejects when none came in time). */
  nextPort: () => Promise<MessagePort>;
}

/** Opens PGlite at `dataDir` (created if missing), or in memory when `dataDir` is null. */
export async function openPGlite(
  dataDir: string | null,
  wrap: (d: Dialect) => Dialect = (d) => d,
  thread: EmbeddedThread = "worker",
  log?: WorkerLog,
): Promise<StorageHandle> {
  // Another thread's client (the executor's) uses the folder its owner already holds.
  const unlock = dataDir && typeof thread === "string" ? await waitForDataDir(dataDir) : () => {};
  let pg: EmbeddedDatabase;
  try {
    pg =
      thread === "worker"
        ? await PGliteWorker.open(dataDir, { log })
        : thread === "main"
          ? await openEmbeddedPGlite(dataDir)
          : PGliteWorker.overPort(thread.port, thread.nextPort);
  } catch (error) {
    unlock();
    throw error;
  }
  const dialect = withEngine(new PGliteMutexDialect(pg), postgresEngine("pglite"));
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
    // Worker deaths and restarts (a data folder's worker is replaced, see worker-client.ts).
    connectionStats: pg instanceof PGliteWorker ? () => pg.stats() : undefined,
    embedded:
      pg instanceof PGliteWorker && thread === "worker"
        ? { attach: () => pg.attachClient(), onRestart: (fn) => pg.onRestart(fn) }
        : undefined,
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
      try {
        await db.destroy();
      } finally {
        unlock();
      }
    },
  };
}
