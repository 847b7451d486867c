/**
 * The checkpointer's read side: checkpoint rows (with their blobs and writes as json cells, see
 * sql.ts) deserialized into LangGraph `CheckpointTuple`s: channel values from the blobs, metadata,
 * pending writes, and the parent's config. Checkpoints older than format v4 kept pending sends as
 * writes of the parent checkpoint; they are loaded (one query per such row) and exposed as the
 * `TASKS` channel, at the highest version among the checkpoint's channels.
 */
import {
  type Checkpoint,
  type CheckpointTuple,
  maxChannelVersion,
  type SerializerProtocol,
  TASKS,
} from "@langchain/langgraph-checkpoint";
import {
  type BlobCell,
  loadChannelValues,
  loadMetadata,
  loadWrites,
  parseJsonCell,
  type WriteCell,
} from "./codec.ts";
import { type Executor, selectPendingSends, type TupleRow } from "./sql.ts";

/** Deserializes rows; pre-v4 checkpoints get their pending sends from the parent's writes. */
export async function toTuples(
  db: Executor,
  serde: SerializerProtocol,
  rows: TupleRow[],
  firstVersion: () => string,
): Promise<CheckpointTuple[]> {
  const sends = await pendingSendsFor(db, serde, rows);
  return Promise.all(
    rows.map(async (row) => {
      const stored = parseJsonCell<Omit<Checkpoint, "channel_values">>(row.checkpoint);
      const checkpoint: Checkpoint = {
        ...stored,
        channel_versions: stored.channel_versions ?? {},
        versions_seen: stored.versions_seen ?? {},
        channel_values: await loadChannelValues(serde, parseJsonCell<BlobCell[]>(row.blobs)),
      };
      const pendingSends = row.parent_checkpoint_id ? sends.get(row) : undefined;
      if (pendingSends !== undefined) migratePendingSends(checkpoint, pendingSends, firstVersion);
      const ids = { thread_id: row.thread_id, checkpoint_ns: row.checkpoint_ns };
      const tuple: CheckpointTuple = {
        config: { configurable: { ...ids, checkpoint_id: row.checkpoint_id } },
        checkpoint,
        metadata: await loadMetadata(serde, row.metadata),
        pendingWrites: await loadWrites(serde, parseJsonCell<WriteCell[]>(row.writes)),
      };
      if (row.parent_checkpoint_id) {
        tuple.parentConfig = {
          configurable: { ...ids, checkpoint_id: row.parent_checkpoint_id },
        };
      }
      return tuple;
    }),
  );
}

/** Loads the parents' `TASKS` writes for rows holding pre-v4 checkpoints. */
async function pendingSendsFor(
  db: Executor,
  serde: SerializerProtocol,
  rows: TupleRow[],
): Promise<Map<TupleRow, unknown[]>> {
  const result = new Map<TupleRow, unknown[]>();
  const old = rows.filter(
    (r) => r.parent_checkpoint_id && parseJsonCell<{ v?: number }>(r.checkpoint).v! < 4,
  );
  for (const row of old) {
    const writes = await selectPendingSends(db, row.thread_id, row.checkpoint_ns, [
      row.parent_checkpoint_id!,
    ]);
    result.set(
      row,
      await Promise.all(writes.map((w) => serde.loadsTyped(w.type ?? "json", w.value ?? ""))),
    );
  }
  return result;
}

/** Pre-v4 checkpoints kept pending sends as parent writes; expose them as the TASKS channel. */
function migratePendingSends(
  checkpoint: Checkpoint,
  sends: unknown[],
  firstVersion: () => string,
): void {
  const versions = Object.values(checkpoint.channel_versions);
  checkpoint.channel_values[TASKS] = sends;
  checkpoint.channel_versions[TASKS] =
    versions.length > 0 ? maxChannelVersion(...versions) : firstVersion();
}
