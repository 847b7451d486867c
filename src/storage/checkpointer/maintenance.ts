/**
 * Thread-level operations the server needs beyond `BaseCheckpointSaver`: copy (POST
 * /threads/:id/copy), run rollback (multitask `rollback`), prune (POST /threads/prune). Each runs
 * in one transaction, or inside the caller's.
 */
import { sql } from "kysely";
import { familyOf, isPostgresFamily } from "../sql/family.ts";
import { fromJson } from "../sql/json.ts";
import { jsonObjectAt, jsonTextAt } from "../sql/json-family.ts";
import { orgScope } from "../sql/tenant.ts";
import { collectGarbageBlobs, deleteOrphanWrites, type Executor, inTransaction } from "./sql.ts";

/** How `pruneThreads` treats each thread. */
export type PruneStrategy = "delete" | "keep_latest";

/** Deletes every checkpoint, blob and write of the given threads. */
export async function deleteThreads(db: Executor, threadIds: string[]): Promise<void> {
  if (threadIds.length === 0) return;
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom("checkpoint_writes").where("thread_id", "in", threadIds).execute();
    await trx.deleteFrom("checkpoint_blobs").where("thread_id", "in", threadIds).execute();
    await trx.deleteFrom("checkpoints").where("thread_id", "in", threadIds).execute();
  });
}

/**
 * Copies a thread's checkpoints (all namespaces), blobs and writes under `target`. Metadata may
 * carry the thread id (the server stores run config there), so it is rewritten to the new id, as
 * the reference server does; checkpoint ids stay, so the copied history equals the source.
 */
export async function copyThread(db: Executor, source: string, target: string): Promise<void> {
  const engine = familyOf(db);
  // Insert-or-ignore: `INSERT IGNORE` on MySQL/MariaDB, `ON CONFLICT DO NOTHING` elsewhere.
  const insert = sql.raw(engine === "mysql" ? "INSERT IGNORE INTO" : "INSERT INTO");
  const ignore = sql.raw(engine === "mysql" ? "" : "ON CONFLICT DO NOTHING");
  const metadata = isPostgresFamily(engine)
    ? sql`replace(metadata::text, ${source}, ${target})::jsonb`
    : sql`replace(metadata, ${source}, ${target})`;
  await inTransaction(db, async (trx) => {
    await sql`${insert} checkpoints
        (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata, created_at)
      SELECT ${target}, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint,
        ${metadata}, created_at
      FROM checkpoints WHERE thread_id = ${source} AND ${orgScope()}
      ${ignore}`.execute(trx);
    // `blob` is a reserved word on MariaDB: quoted in each engine's way.
    const blob = sql.ref("blob");
    await sql`${insert} checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, ${blob})
      SELECT ${target}, checkpoint_ns, channel, version, type, ${blob}
      FROM checkpoint_blobs WHERE thread_id = ${source} AND ${orgScope()}
      ${ignore}`.execute(trx);
    // ORDER BY seq: the new rows get fresh sequence numbers in the same relative order.
    await sql`${insert} checkpoint_writes
        (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value)
      SELECT ${target}, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value
      FROM checkpoint_writes WHERE thread_id = ${source} AND ${orgScope()}
      ORDER BY seq
      ${ignore}`.execute(trx);
  });
}

/** Deletes the checkpoints whose `metadata.run_id` is `runId` (all namespaces) and their writes. */
export async function deleteForRun(db: Executor, threadId: string, runId: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .deleteFrom("checkpoints")
      .where("thread_id", "=", threadId)
      .where(jsonTextAt(familyOf(trx), "metadata", "run_id"), "=", runId)
      .execute();
    await deleteOrphanWrites(trx, threadId);
    await collectGarbageBlobs(trx, threadId);
  });
}

interface ChainRow {
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  counters: unknown;
}

/** Prunes each thread with `strategy`. */
export async function pruneThreads(
  db: Executor,
  threadIds: string[],
  strategy: PruneStrategy,
): Promise<void> {
  if (strategy === "delete") return deleteThreads(db, threadIds);
  await inTransaction(db, async (trx) => {
    for (const threadId of threadIds) await keepLatest(trx, threadId);
  });
}

/**
 * Keeps the newest checkpoint of each namespace, plus the ancestors it still needs: a delta
 * channel (`metadata.counters_since_delta_snapshot`) is rebuilt from ancestor writes back to its
 * last snapshot. The oldest kept checkpoint loses its (deleted) parent link.
 */
async function keepLatest(trx: Executor, threadId: string): Promise<void> {
  const rows = (await trx
    .selectFrom("checkpoints")
    .select([
      "checkpoint_ns",
      "checkpoint_id",
      "parent_checkpoint_id",
      jsonObjectAt(familyOf(trx), "metadata", "counters_since_delta_snapshot").as("counters"),
    ])
    .where("thread_id", "=", threadId)
    .orderBy("checkpoint_id", "desc")
    .execute()) as ChainRow[];
  const keep = keptCheckpoints(rows);
  if (keep.size === rows.length) return;
  for (const ns of new Set(rows.map((r) => r.checkpoint_ns))) {
    const ids = rows
      .filter((r) => r.checkpoint_ns === ns && keep.has(r))
      .map((r) => r.checkpoint_id);
    await trx
      .deleteFrom("checkpoints")
      .where("thread_id", "=", threadId)
      .where("checkpoint_ns", "=", ns)
      .where("checkpoint_id", "not in", ids)
      .execute();
    await trx
      .updateTable("checkpoints")
      .set({ parent_checkpoint_id: null })
      .where("thread_id", "=", threadId)
      .where("checkpoint_ns", "=", ns)
      .where("parent_checkpoint_id", "is not", null)
      .where("parent_checkpoint_id", "not in", ids)
      .execute();
  }
  await deleteOrphanWrites(trx, threadId);
  await collectGarbageBlobs(trx, threadId);
}

/** The rows to keep: per namespace the newest, then parents while a delta channel needs them. */
export function keptCheckpoints(rows: ChainRow[]): Set<ChainRow> {
  const keep = new Set<ChainRow>();
  const byKey = new Map(rows.map((r) => [`${r.checkpoint_ns}\u0000${r.checkpoint_id}`, r]));
  const seen = new Set<string>();
  for (const latest of rows) {
    if (seen.has(latest.checkpoint_ns)) continue;
    seen.add(latest.checkpoint_ns);
    keep.add(latest);
    let needed = deltaChannels(latest);
    let current = latest;
    while (needed.size > 0 && current.parent_checkpoint_id) {
      const parent = byKey.get(`${current.checkpoint_ns}\u0000${current.parent_checkpoint_id}`);
      if (parent === undefined) break;
      keep.add(parent);
      // A channel absent from the parent's counters was snapshotted there (or never written).
      const stillCounting = deltaChannels(parent);
      needed = new Set([...needed].filter((ch) => stillCounting.has(ch)));
      current = parent;
    }
  }
  return keep;
}

function deltaChannels(row: ChainRow): Set<string> {
  if (!row.counters) return new Set();
  const parsed = fromJson<Record<string, unknown> | null>(row.counters);
  return new Set(Object.keys(parsed ?? {}));
}
