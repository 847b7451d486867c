/**
 * The checkpointer's SQL (same text on PGlite and PostgreSQL). A read returns each checkpoint row
 * with its channel blobs (joined through `channel_versions`) and its pending writes aggregated as
 * json arrays, so one round trip yields whole tuples.
 */
import { TASKS } from "@langchain/langgraph-checkpoint";
import { type Kysely, type SqlBool, sql } from "kysely";
import type { Database } from "../database.ts";
import { jsonb } from "../sql/json.ts";

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

const WRITES = sql<unknown>`(
  SELECT coalesce(json_agg(json_build_array(cw.task_id, cw.channel, cw.type, encode(cw.value, 'base64')) ORDER BY ${WRITES_ORDER}), '[]'::json)
  FROM checkpoint_writes AS cw
  WHERE cw.thread_id = cp.thread_id AND cw.checkpoint_ns = cp.checkpoint_ns
    AND cw.checkpoint_id = cp.checkpoint_id
)`;

/** Selects checkpoint tuples, newest first. */
export function selectTuples(db: Executor, q: TupleQuery): Promise<TupleRow[]> {
  let query = db
    .selectFrom("checkpoints as cp")
    .select([
      "cp.thread_id",
      "cp.checkpoint_ns",
      "cp.checkpoint_id",
      "cp.parent_checkpoint_id",
      "cp.checkpoint",
      "cp.metadata",
      blobs(q.channels).as("blobs"),
      (q.channels ? sql<unknown>`'[]'::json` : WRITES).as("writes"),
    ]);
  if (q.threadId !== undefined) query = query.where("cp.thread_id", "=", q.threadId);
  if (q.checkpointNs !== undefined) query = query.where("cp.checkpoint_ns", "=", q.checkpointNs);
  if (q.checkpointId !== undefined) query = query.where("cp.checkpoint_id", "=", q.checkpointId);
  if (q.beforeId !== undefined) query = query.where("cp.checkpoint_id", "<", q.beforeId);
  if (q.filter && Object.keys(q.filter).length > 0) {
    query = query.where(sql<SqlBool>`cp.metadata @> ${jsonb(q.filter)}`);
  }
  query = query.orderBy("cp.checkpoint_id", "desc");
  if (q.limit !== undefined) query = query.limit(q.limit);
  return query.execute();
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
  await sql`DELETE FROM checkpoint_blobs AS bl
    WHERE bl.thread_id = ${threadId}
      AND NOT EXISTS (
        SELECT 1 FROM checkpoints AS cp, jsonb_each_text(cp.checkpoint -> 'channel_versions') AS v
        WHERE cp.thread_id = bl.thread_id AND cp.checkpoint_ns = bl.checkpoint_ns
          AND v.key = bl.channel AND v.value = bl.version
      )`.execute(db);
}

/** Deletes writes of a thread whose checkpoint no longer exists. */
export async function deleteOrphanWrites(db: Executor, threadId: string): Promise<void> {
  await sql`DELETE FROM checkpoint_writes AS cw
    WHERE cw.thread_id = ${threadId}
      AND NOT EXISTS (
        SELECT 1 FROM checkpoints AS cp
        WHERE cp.thread_id = cw.thread_id AND cp.checkpoint_ns = cw.checkpoint_ns
          AND cp.checkpoint_id = cw.checkpoint_id
      )`.execute(db);
}

/** Runs `fn` in a transaction, or directly when `db` already is one. */
export function inTransaction<T>(db: Executor, fn: (trx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
