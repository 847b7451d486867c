/**
 * The checkpointer's write side, run inside the saver's write
 * transaction (after its fence check): `insertCheckpoint` stores a checkpoint, upserted by
 * (thread, namespace, id), with the blobs of the channels that changed (a blob is keyed by channel
 * version and never rewritten); `insertWrites` stores a task's pending writes, where writes to
 * LangGraph's special channels (negative `idx`: error, interrupt, ...) replace their previous
 * write and the others never do. Upserts are `ON CONFLICT` (PostgreSQL family, SQLite) or
 * `ON DUPLICATE KEY UPDATE` (MySQL/MariaDB; "do nothing" is the no-op `thread_id = thread_id`).
 */
import type { Checkpoint } from "@langchain/langgraph-checkpoint";
import { sql } from "kysely";
import type { CheckpointWritesTable } from "../database.ts";
import { familyOf } from "../sql/family.ts";
import { jsonDoc } from "../sql/json-family.ts";
import { type dumpBlobs, dumpCheckpoint } from "./codec.ts";
import type { Executor } from "./sql.ts";

/** A serialized channel value, as `dumpBlobs` returns it. */
export type BlobRow = Awaited<ReturnType<typeof dumpBlobs>>[number];

/** A pending write row as stored (`idx` from `WRITES_IDX_MAP` for special channels). */
export type WriteRow = Omit<CheckpointWritesTable, "seq">;

/** Stores a checkpoint (upserted by id) with its new channel blobs (existing versions kept). */
export async function insertCheckpoint(
  trx: Executor,
  base: { thread_id: string; checkpoint_ns: string },
  checkpoint: Checkpoint,
  parentId: string | undefined,
  blobs: BlobRow[],
  metadataJson: string,
): Promise<void> {
  const mysql = familyOf(trx) === "mysql";
  if (blobs.length > 0) {
    const insert = trx.insertInto("checkpoint_blobs").values(blobs.map((b) => ({ ...base, ...b })));
    await (mysql
      ? insert.onDuplicateKeyUpdate({ thread_id: sql`thread_id` })
      : insert.onConflict((oc) =>
          oc.columns(["thread_id", "checkpoint_ns", "channel", "version"]).doNothing(),
        )
    ).execute();
  }
  const engine = familyOf(trx);
  const insert = trx.insertInto("checkpoints").values({
    ...base,
    checkpoint_id: checkpoint.id,
    parent_checkpoint_id: parentId ?? null,
    checkpoint: jsonDoc(engine, dumpCheckpoint(checkpoint)),
    metadata: jsonDoc(engine, metadataJson),
  });
  await (mysql
    ? insert.onDuplicateKeyUpdate({
        checkpoint: sql`VALUES(checkpoint)`,
        metadata: sql`VALUES(metadata)`,
      })
    : insert.onConflict((oc) =>
        oc.columns(["thread_id", "checkpoint_ns", "checkpoint_id"]).doUpdateSet((eb) => ({
          checkpoint: eb.ref("excluded.checkpoint"),
          metadata: eb.ref("excluded.metadata"),
        })),
      )
  ).execute();
}

/** Stores a task's pending writes: special channels replace their previous write. */
export async function insertWrites(trx: Executor, rows: WriteRow[]): Promise<void> {
  // Special channels (error, interrupt, ...) replace their previous write; others never do.
  const special = new Map(rows.filter((r) => r.idx < 0).map((r) => [r.idx, r]));
  const regular = rows.filter((r) => r.idx >= 0);
  const key = ["thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx"] as const;
  const mysql = familyOf(trx) === "mysql";
  if (regular.length > 0) {
    const insert = trx.insertInto("checkpoint_writes").values(regular);
    await (mysql
      ? insert.onDuplicateKeyUpdate({ thread_id: sql`thread_id` })
      : insert.onConflict((oc) => oc.columns(key).doNothing())
    ).execute();
  }
  if (special.size > 0) {
    const insert = trx.insertInto("checkpoint_writes").values([...special.values()]);
    await (mysql
      ? insert.onDuplicateKeyUpdate({
          task_path: sql`VALUES(task_path)`,
          channel: sql`VALUES(channel)`,
          type: sql`VALUES(type)`,
          value: sql`VALUES(value)`,
        })
      : insert.onConflict((oc) =>
          oc.columns(key).doUpdateSet((eb) => ({
            task_path: eb.ref("excluded.task_path"),
            channel: eb.ref("excluded.channel"),
            type: eb.ref("excluded.type"),
            value: eb.ref("excluded.value"),
          })),
        )
    ).execute();
  }
}
