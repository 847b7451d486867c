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
  name: "pglite" | "postgres" | "mariadb" | "sqlite";
  open(options?: OpenOptions): Promise<{ handle: StorageHandle; cleanup(): Promise<void> }>;
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
  if (backendWanted("sqlite", DEFAULT_STORAGE_BACKENDS)) backends.push(sqliteBackend(dbPrefix));
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

/** SQLite in a fresh file under the OS temp folder (removed with its WAL on cleanup). */
function sqliteBackend(dbPrefix: string): StorageBackend {
  return {
    name: "sqlite",
    async open(options) {
      const file = path.join(tmpdir(), `${dbPrefix}_${process.pid}_${++sqliteFiles}.sqlite`);
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
        async cleanup() {
          await handle.close();
          remove();
        },
      };
    },
  };
}
