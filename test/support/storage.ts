/**
 * Backends for storage-level tests: PGlite in memory always, and a fresh PostgreSQL database when
 * one is reachable (dropped on cleanup). A missing PostgreSQL is announced, never counted as passing:
 * its tests are simply not registered.
 */
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "./server.ts";

/** One backend: `open()` gives a migrated database and its cleanup. */
export interface StorageBackend {
  name: "pglite" | "postgres";
  open(): Promise<{ handle: StorageHandle; cleanup(): Promise<void> }>;
}

/** The backends available on this machine; `label` names the suite in the warning. */
export async function storageBackends(
  label: string,
  dbPrefix = "olg_test",
): Promise<StorageBackend[]> {
  const backends: StorageBackend[] = [
    {
      name: "pglite",
      async open() {
        const handle = await openStorage({ databaseUrl: null, dataDir: null });
        return { handle, cleanup: () => handle.close() };
      },
    },
  ];
  if (!(await postgresAvailable())) {
    console.warn(`\n*** PostgreSQL is not reachable: ${label} runs on PGlite only ***\n`);
    return backends;
  }
  backends.push({
    name: "postgres",
    async open() {
      const url = await createTestDatabase(dbPrefix);
      const handle = await openStorage({ databaseUrl: url, dataDir: null, poolSize: 4 });
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
