/**
 * Assembles the threads storage on SQL: thread rows and checkpoints share one connection, and a
 * transaction hands both the same `trx`, so rows and checkpoints commit or roll back together.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Db } from "../storage/database.ts";
import type { CheckpointMaintenance, ThreadsStorage, ThreadsUnit } from "./repository.ts";
import { SqlThreadsRepository } from "./sql-repository.ts";

/** How to get the checkpointer and its maintenance bound to a connection or transaction. */
export interface SqlThreadsStorageOptions {
  db: Db;
  checkpointer: (db: Db) => BaseCheckpointSaver<string | number>;
  checkpoints: (db: Db) => CheckpointMaintenance;
}

/** The threads storage over `options.db`. */
export function createSqlThreadsStorage(options: SqlThreadsStorageOptions): ThreadsStorage {
  const unitOn = (db: Db): ThreadsUnit => ({
    threads: new SqlThreadsRepository(db),
    checkpointer: options.checkpointer(db),
    checkpoints: options.checkpoints(db),
  });
  return {
    ...unitOn(options.db),
    transaction: (fn) => options.db.transaction().execute((trx) => fn(unitOn(trx))),
  };
}
