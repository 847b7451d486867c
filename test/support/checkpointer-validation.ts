/**
 * The official checkpointer conformance suite (`@langchain/langgraph-checkpoint-validation`) run
 * against `SqlCheckpointSaver` on every storage backend of test/support/storage.ts (PGlite,
 * PostgreSQL, MariaDB, SQLite, and PostgreSQL through the CockroachDB code paths). The suite is written against vitest
 * globals, so they are installed for the calling file only. Each `createCheckpointer()` empties the
 * checkpoint tables of one database per backend (the suite never holds two checkpointers at once).
 * Shared by the run on the newest `@langchain/langgraph-checkpoint` and the one on the lowest.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { deltaChannelHistoryTests, specTest } from "@langchain/langgraph-checkpoint-validation";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from "vitest";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import { openStorage } from "../../src/storage/open.ts";
import { createTestDatabase, dropTestDatabase } from "./server.ts";
import { type StorageBackend, storageBackends } from "./storage.ts";

/** PostgreSQL opened through the CockroachDB variant (`?engine=cockroachdb`): its code paths. */
function cockroachPaths(dbPrefix: string) {
  return {
    name: "postgres as cockroachdb",
    async open() {
      const url = await createTestDatabase(dbPrefix);
      const handle = await openStorage({
        databaseUrl: `${url}?engine=cockroachdb`,
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
  };
}

/** Declares the suite for each available backend; `label` names the checkpoint version in use. */
export async function checkpointerValidation(label: string, dbPrefix: string): Promise<void> {
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
  const backends: { name: string; open: StorageBackend["open"] }[] = await storageBackends(
    `checkpointer validation ${label}`,
    dbPrefix,
  );
  if (backends.some((b) => b.name === "postgres")) backends.push(cockroachPaths(dbPrefix));
  for (const backend of backends) {
    let opened: Awaited<ReturnType<StorageBackend["open"]>> | undefined;
    const initializer = {
      checkpointerName: `SqlCheckpointSaver (${backend.name}, ${label})`,
      beforeAllTimeout: 60_000,
      async beforeAll() {
        opened = await backend.open();
      },
      async afterAll() {
        await opened?.cleanup();
      },
      async createCheckpointer() {
        const db = opened!.handle.db;
        for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"])
          await sql`DELETE FROM ${sql.table(table)}`.execute(db);
        // The suite's typings assume integer channel versions; ours are strings (unique per write).
        return new SqlCheckpointSaver(db) as unknown as BaseCheckpointSaver;
      },
    };
    describe(`checkpointer validation (${backend.name}, ${label})`, () => {
      specTest(initializer);
      deltaChannelHistoryTests(initializer);
    });
  }
}
