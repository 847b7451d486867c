/**
 * The checkpointer's SQL. On the PostgreSQL family (PostgreSQL, PGlite, CockroachDB) a read returns
 * each checkpoint row with its channel blobs (joined through `channel_versions`) and its pending
 * writes aggregated as json arrays, so one round trip yields whole tuples. MySQL/MariaDB and SQLite
 * read the rows first and their blobs and writes in one query each per (thread, namespace)
 * (portable.ts): the same `TupleRow`s, with byte cells instead of base64.
 */
import { TASKS } from "@langchain/langgraph-checkpoint";
import { type Kysely, sql } from "kysely";
import type { Database } from "../database.ts";
import { familyOf, isPostgresFamily } from "../sql/family.ts";
import { jsonContains } from "../sql/json-family.ts";
import { orgScope } from "../sql/tenant.ts";
import { collectGarbageBlobsPortable, fillTuples } from "./portable.ts";

/** A `Db` or a transaction on it. */
export type Executor = Kysely<Database>;

/** Which checkpoints a read selects. */
export interface TupleQuery {
  threadId?: string;
  checkpointNs?: string;
  checkpointId?: string;
  /** Only checkpoints with a smaller id. */
  beforeId?: string;
  /** jsonb containment on metadata. */
  filter?: Record<string, unknown>;
  limit?: number;
  /** Read only these channels' blobs and no pending writes (a partial read, see `withChannels`). */
  channels?: string[];
}

/** A checkpoint row with its aggregated blobs and writes (json cells, see codec.ts). */
export interface TupleRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  /** jsonb cells (selected as jsonb, never `::text`: the storage codec unescapes them as JSON). */
  checkpoint: unknown;
  metadata: unknown;
  blobs: unknown;
  writes: unknown;
}

const blobs = (channels?: string[]) => sql<unknown>`(
  SELECT coalesce(json_agg(json_build_array(bl.channel, bl.type, encode(bl.blob, 'base64'))), '[]'::json)
  FROM jsonb_each_text(cp.checkpoint -> 'channel_versions') AS v
  JOIN checkpoint_blobs AS bl
    ON bl.thread_id = cp.thread_id AND bl.checkpoint_ns = cp.checkpoint_ns
   AND bl.channel = v.key AND bl.version = v.value
  ${channels ? sql`WHERE v.key IN (${sql.join(channels.length > 0 ? channels : [""])})` : sql``}
)`;

/**
 * Pending writes in `writesSortKey` order, `(task_path, task_id, idx)` with strings compared by code
 * point (the "C" collation compares UTF-8 bytes, which is code point order): the order
 * `@langchain/langgraph-checkpoint` >= 1.2 requires of every saver, because live execution applies
 * a superstep's writes in it. Older versions define no order; this one is as good as any there.
 */
export const WRITES_ORDER = sql`cw.task_path COLLATE "C", cw.task_id COLLATE "C", cw.idx`;

/** CockroachDB compares STRING bytewise (UTF-8, so code point order) and has no "C" collation. */
const BYTEWISE_WRITES_ORDER = sql`cw.task_path, cw.task_id, cw.idx`;

const writes = (order: typeof WRITES_ORDER) => sql<unknown>`(
  SELECT coalesce(json_agg(json_build_array(cw.task_id, cw.channel, cw.type, encode(cw.value, 'base64')) ORDER BY ${order}), '[]'::json)
  FROM checkpoint_writes AS cw
  WHERE cw.thread_id = cp.thread_id AND cw.checkpoint_ns = cp.checkpoint_ns
    AND cw.checkpoint_id = cp.checkpoint_id
)`;

/** Selects checkpoint tuples, newest first. */
export async function selectTuples(db: Executor, q: TupleQuery): Promise<TupleRow[]> {
  const engine = familyOf(db);
  const order = engine === "cockroachdb" ? BYTEWISE_WRITES_ORDER : WRITES_ORDER;
  const family = isPostgresFamily(engine);
  let query = db
    .selectFrom("checkpoints as cp")
    .select([
      "cp.thread_id",
      "cp.checkpoint_ns",
      "cp.checkpoint_id",
      "cp.parent_checkpoint_id",
      "cp.checkpoint",
      "cp.metadata",
      (family ? blobs(q.channels) : sql<unknown>`NULL`).as("blobs"),
      (!family ? sql<unknown>`NULL` : q.channels ? sql<unknown>`'[]'::json` : writes(order)).as(
        "writes",
      ),
    ]);
  if (q.threadId !== undefined) query = query.where("cp.thread_id", "=", q.threadId);
  if (q.checkpointNs !== undefined) query = query.where("cp.checkpoint_ns", "=", q.checkpointNs);
  if (q.checkpointId !== undefined) query = query.where("cp.checkpoint_id", "=", q.checkpointId);
  if (q.beforeId !== undefined) query = query.where("cp.checkpoint_id", "<", q.beforeId);
  if (q.filter && Object.keys(q.filter).length > 0) {
    query = query.where(jsonContains(engine, "cp.metadata", q.filter));
  }
  query = query.orderBy("cp.checkpoint_id", "desc");
  if (q.limit !== undefined) query = query.limit(q.limit);
  const rows: TupleRow[] = await query.execute();
  return family ? rows : fillTuples(db, rows, q.channels);
}

/** `TASKS` writes stored on the given (parent) checkpoints, for migrating pre-v4 pending sends. */
export function selectPendingSends(
  db: Executor,
  threadId: string,
  checkpointNs: string,
  checkpointIds: string[],
): Promise<{ checkpoint_id: string; type: string | null; value: Uint8Array | null }[]> {
  return db
    .selectFrom("checkpoint_writes")
    .select(["checkpoint_id", "type", "value"])
    .where("thread_id", "=", threadId)
    .where("checkpoint_ns", "=", checkpointNs)
    .where("checkpoint_id", "in", checkpointIds)
    .where("channel", "=", TASKS)
    .orderBy("seq")
    .execute();
}

/** Deletes blobs of a thread that no remaining checkpoint references. */
export async function collectGarbageBlobs(db: Executor, threadId: string): Promise<void> {
  if (!isPostgresFamily(familyOf(db))) return collectGarbageBlobsPortable(db, threadId);
  await sql`DELETE FROM checkpoint_blobs AS bl
    WHERE bl.thread_id = ${threadId} AND ${orgScope("bl")}
      AND NOT EXISTS (
        SELECT 1 FROM checkpoints AS cp, jsonb_each_text(cp.checkpoint -> 'channel_versions') AS v
        WHERE cp.thread_id = bl.thread_id AND cp.checkpoint_ns = bl.checkpoint_ns
          AND v.key = bl.channel AND v.value = bl.version
      )`.execute(db);
}

/** Deletes writes of a thread whose checkpoint no longer exists. */
export async function deleteOrphanWrites(db: Executor, threadId: string): Promise<void> {
  // No alias on the target table: MySQL/MariaDB refuse one in a single-table DELETE.
  await sql`DELETE FROM checkpoint_writes
    WHERE thread_id = ${threadId} AND ${orgScope()}
      AND NOT EXISTS (
        SELECT 1 FROM checkpoints AS cp
        WHERE cp.thread_id = checkpoint_writes.thread_id
          AND cp.checkpoint_ns = checkpoint_writes.checkpoint_ns
          AND cp.checkpoint_id = checkpoint_writes.checkpoint_id
      )`.execute(db);
}

/** Runs `fn` in a transaction, or directly when `db` already is one. */
export function inTransaction<T>(db: Executor, fn: (trx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
