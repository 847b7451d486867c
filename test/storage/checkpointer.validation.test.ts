import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
/**
 * The official checkpointer conformance suite (`@langchain/langgraph-checkpoint-validation`) run
 * against `SqlCheckpointSaver` on PGlite and on PostgreSQL. The suite is written against vitest
 * globals, so they are installed for this file only. Each `createCheckpointer()` empties the
 * checkpoint tables of one database per backend (the suite never holds two checkpointers at once).
 */
import { deltaChannelHistoryTests, specTest } from "@langchain/langgraph-checkpoint-validation";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from "vitest";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../support/server.ts";

// The suite calls these as globals; install them for this file instead of `globals: true` for all.
Object.assign(globalThis, {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  test,
});

interface Backend {
  name: "pglite" | "postgres";
  open(): Promise<{ handle: StorageHandle; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "pglite",
    async open() {
      const handle = await openStorage({ databaseUrl: null, dataDir: null });
      return { handle, cleanup: () => handle.close() };
    },
  },
];

if (await postgresAvailable()) {
  backends.push({
    name: "postgres",
    async open() {
      const url = await createTestDatabase("olg_cp");
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
} else {
  console.warn(
    "\n*** PostgreSQL is not reachable: checkpointer validation runs on PGlite only ***\n",
  );
}

for (const backend of backends) {
  let opened: Awaited<ReturnType<Backend["open"]>> | undefined;
  const initializer = {
    checkpointerName: `SqlCheckpointSaver (${backend.name})`,
    beforeAllTimeout: 60_000,
    async beforeAll() {
      opened = await backend.open();
    },
    async afterAll() {
      await opened?.cleanup();
    },
    async createCheckpointer() {
      const db = opened!.handle.db;
      await sql`TRUNCATE checkpoints, checkpoint_blobs, checkpoint_writes`.execute(db);
      // The suite's typings assume integer channel versions; ours are strings (unique per write).
      return new SqlCheckpointSaver(db) as unknown as BaseCheckpointSaver;
    },
  };
  describe(`checkpointer validation (${backend.name})`, () => {
    specTest(initializer);
    deltaChannelHistoryTests(initializer);
  });
}
