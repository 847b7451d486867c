/**
 * Backends for storage-level tests: PGlite in memory always, SQLite in a temp file, and a fresh
 * PostgreSQL or MariaDB database when one is reachable (dropped on cleanup). A missing server is
 * announced, never counted as passing: its tests are simply not registered.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage, type StorageOptions } from "../../src/storage/open.ts";
import { createMariaDatabase, dropMariaDatabase, mariadbAvailable } from "./mariadb.ts";
import {
  backendWanted,
  createTestDatabase,
  DEFAULT_STORAGE_BACKENDS,
  dropTestDatabase,
  postgresAvailable,
} from "./server.ts";

/** What a test may add when opening a backend (e.g. the at-rest encryption wrapper). */
export type OpenOptions = Pick<StorageOptions, "wrapDialect">;

/** One backend: `open()` gives a migrated database and its cleanup. */
export interface StorageBackend {
  /** `sqlite-port`: SQLite through another client of the connection (the executor thread's way). */
  name: "pglite" | "postgres" | "mariadb" | "sqlite" | "sqlite-port";
  open(options?: OpenOptions): Promise<{
    handle: StorageHandle;
    cleanup(): Promise<void>;
    /** `sqlite-port`: the handle that opened the file. */
    owner?: StorageHandle;
    /** SQLite: the file's URL. */
    url?: string;
  }>;
}

/** The backends available on this machine; `label` names the suite in the warning. */
export async function storageBackends(
  label: string,
  dbPrefix = "olg_test",
): Promise<StorageBackend[]> {
  const backends: StorageBackend[] = [
    {
      name: "pglite",
      async open(options) {
        const handle = await openStorage({ ...options, databaseUrl: null, dataDir: null });
        return { handle, cleanup: () => handle.close() };
      },
    },
  ];
  if (backendWanted("mariadb", DEFAULT_STORAGE_BACKENDS)) {
    if (await mariadbAvailable()) backends.push(mariadbBackend(dbPrefix));
    else console.warn(`\n*** MariaDB is not reachable: ${label} runs without it ***\n`);
  }
  if (backendWanted("sqlite", DEFAULT_STORAGE_BACKENDS))
    backends.push(sqliteBackend(dbPrefix), sqlitePortBackend(dbPrefix));
  if (!backendWanted("postgres", DEFAULT_STORAGE_BACKENDS)) return backends;
  if (!(await postgresAvailable())) {
    console.warn(`\n*** PostgreSQL is not reachable: ${label} runs without it ***\n`);
    return backends;
  }
  backends.push({
    name: "postgres",
    async open(options) {
      const url = await createTestDatabase(dbPrefix);
      const handle = await openStorage({
        ...options,
        databaseUrl: url,
        dataDir: null,
        poolSize: 4,
      });
      return {
        handle,
        async cleanup() {
          await handle.close();
          await dropTestDatabase(url);
        },
      };
    },
  });
  return backends;
}

/** A fresh MariaDB database per `open()`, dropped on cleanup. */
function mariadbBackend(dbPrefix: string): StorageBackend {
  return {
    name: "mariadb",
    async open(options) {
      const url = await createMariaDatabase(dbPrefix);
      const handle = await openStorage({
        ...options,
        databaseUrl: url,
        dataDir: null,
        poolSize: 4,
      }).catch(async (error) => {
        await dropMariaDatabase(url);
        throw error;
      });
      return {
        handle,
        async cleanup() {
          await handle.close();
          await dropMariaDatabase(url);
        },
      };
    },
  };
}

let sqliteFiles = 0;

/** A fresh SQLite file's path under the OS temp folder. */
const sqlitePath = (dbPrefix: string) =>
  path.join(tmpdir(), `${dbPrefix}_${process.pid}_${++sqliteFiles}.sqlite`);

/**
 * SQLite through a client port of the connection another "thread" opened (here the same thread:
 * the path is the port and `src/storage/sqlite/port-host.ts`, as the run executor's thread uses
 * it). The owner's handle is `owner`, for tests that use both sides.
 */
function sqlitePortBackend(dbPrefix: string): StorageBackend {
  return {
    name: "sqlite-port",
    async open(options) {
      const owner = await sqliteBackend(dbPrefix).open(options);
      try {
        const port = await owner.handle.embedded!.attach();
        const handle = await openStorage({
          ...options,
          databaseUrl: owner.url!,
          dataDir: null,
          embeddedThread: {
            port,
            nextPort: () => Promise.reject(new Error("the owner is gone")),
          },
        });
        return {
          handle,
          owner: owner.handle,
          async cleanup() {
            await handle.close().catch(() => {});
            await owner.cleanup();
          },
        };
      } catch (error) {
        await owner.cleanup();
        throw error;
      }
    },
  };
}

/** SQLite in a fresh file under the OS temp folder (removed with its WAL on cleanup). */
function sqliteBackend(dbPrefix: string): StorageBackend {
  return {
    name: "sqlite",
    async open(options) {
      const file = sqlitePath(dbPrefix);
      const remove = () => {
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      };
      const handle = await openStorage({
        ...options,
        databaseUrl: `sqlite:${file}`,
        dataDir: null,
      }).catch((error) => {
        remove();
        throw error;
      });
      return {
        handle,
        url: `sqlite:${file}`,
        async cleanup() {
          await handle.close();
          remove();
        },
      };
    },
  };
}
