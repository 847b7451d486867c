/**
 * `getDeltaChannelHistory` in two queries instead of one `getTuple` per ancestor: a recursive CTE
 * walks the parent chain (ids only, noting which requested channels hold a stored value), then the
 * seeds and on-path writes are fetched in one go. Same result as the base-class walk.
 */
import type {
  CheckpointPendingWrite,
  DeltaChannelHistory,
  SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import { sql } from "kysely";
import { familyOf, isPostgresFamily } from "../sql/family.ts";
import { orgScope } from "../sql/tenant.ts";
import { EMPTY_TYPE } from "./codec.ts";
import {
  blobAt,
  blobsByVersion,
  byCodePoint,
  channelVersions,
  type StoredBlob,
} from "./portable.ts";
import type { Executor } from "./sql.ts";

/** Where the walk starts: the target checkpoint (latest of the namespace when no id). */
export interface DeltaTarget {
  threadId: string;
  checkpointNs: string;
  checkpointId: string | undefined;
}

interface ChainRow {
  checkpoint_id: string;
  depth: number;
  seeded: string[] | null;
  /** Portable walk only: the seeds' blobs, by channel (the PostgreSQL family reads them after). */
  seeds?: Map<string, StoredBlob>;
}

/** Ancestors of the target, nearest first, with the requested channels each one stores. */
async function ancestors(db: Executor, t: DeltaTarget, channels: string[]): Promise<ChainRow[]> {
  if (!isPostgresFamily(familyOf(db))) return ancestorsPortable(db, t, channels);
  const target = t.checkpointId
    ? sql`SELECT parent_checkpoint_id FROM checkpoints
        WHERE thread_id = ${t.threadId} AND checkpoint_ns = ${t.checkpointNs} AND checkpoint_id = ${t.checkpointId}`
    : sql`SELECT parent_checkpoint_id FROM checkpoints
        WHERE thread_id = ${t.threadId} AND checkpoint_ns = ${t.checkpointNs}
        ORDER BY checkpoint_id DESC LIMIT 1`;
  const { rows } = await sql<ChainRow>`WITH RECURSIVE chain AS (
      SELECT cp.checkpoint_id, cp.parent_checkpoint_id, cp.checkpoint, 0 AS depth
      FROM checkpoints AS cp
      WHERE cp.thread_id = ${t.threadId} AND cp.checkpoint_ns = ${t.checkpointNs} AND ${orgScope("cp")}
        AND cp.checkpoint_id = (${target})
      UNION ALL
      SELECT p.checkpoint_id, p.parent_checkpoint_id, p.checkpoint, chain.depth + 1
      FROM chain JOIN checkpoints AS p
        ON p.thread_id = ${t.threadId} AND p.checkpoint_ns = ${t.checkpointNs}
       AND p.checkpoint_id = chain.parent_checkpoint_id
    )
    SELECT chain.checkpoint_id, chain.depth, (
      SELECT array_agg(bl.channel) FROM jsonb_each_text(chain.checkpoint -> 'channel_versions') AS v
      JOIN checkpoint_blobs AS bl
        ON bl.thread_id = ${t.threadId} AND bl.checkpoint_ns = ${t.checkpointNs}
       AND bl.channel = v.key AND bl.version = v.value
      WHERE v.key = ANY(${channels}::text[]) AND bl.type <> ${EMPTY_TYPE}
    ) AS seeded
    FROM chain ORDER BY chain.depth`.execute(db);
  return rows;
}

/**
 * MySQL/MariaDB, SQLite: the same recursive walk returning each ancestor's checkpoint JSON; which
 * requested channels it stores is found from one blob read by version (see portable.ts).
 */
async function ancestorsPortable(
  db: Executor,
  t: DeltaTarget,
  channels: string[],
): Promise<ChainRow[]> {
  const target = t.checkpointId
    ? sql`SELECT parent_checkpoint_id FROM checkpoints
        WHERE thread_id = ${t.threadId} AND checkpoint_ns = ${t.checkpointNs} AND checkpoint_id = ${t.checkpointId}`
    : sql`SELECT parent_checkpoint_id FROM checkpoints
        WHERE thread_id = ${t.threadId} AND checkpoint_ns = ${t.checkpointNs}
        ORDER BY checkpoint_id DESC LIMIT 1`;
  const { rows } = await sql<{ checkpoint_id: string; depth: number; checkpoint: unknown }>`
    WITH RECURSIVE chain (checkpoint_id, parent_checkpoint_id, checkpoint, depth) AS (
      SELECT cp.checkpoint_id, cp.parent_checkpoint_id, cp.checkpoint, 0
      FROM checkpoints AS cp
      WHERE cp.thread_id = ${t.threadId} AND cp.checkpoint_ns = ${t.checkpointNs}
        AND cp.checkpoint_id = (${target})
      UNION ALL
      SELECT p.checkpoint_id, p.parent_checkpoint_id, p.checkpoint, chain.depth + 1
      FROM chain JOIN checkpoints AS p
        ON p.thread_id = ${t.threadId} AND p.checkpoint_ns = ${t.checkpointNs}
       AND p.checkpoint_id = chain.parent_checkpoint_id
    )
    SELECT checkpoint_id, depth, checkpoint FROM chain ORDER BY depth`.execute(db);
  const wanted = rows.map((row) => {
    const versions = channelVersions(row.checkpoint);
    return channels.flatMap((ch) => (versions.has(ch) ? [[ch, versions.get(ch)!] as const] : []));
  });
  const found = await blobsByVersion(
    db,
    t.threadId,
    t.checkpointNs,
    wanted.flatMap((pairs) => pairs.map(([, v]) => v)),
  );
  return rows.map((row, i) => {
    const seeds = new Map<string, StoredBlob>();
    for (const [ch, version] of wanted[i]!) {
      const blob = blobAt(found, t.checkpointNs, ch, version);
      if (blob && blob.type !== EMPTY_TYPE) seeds.set(ch, blob);
    }
    return {
      checkpoint_id: row.checkpoint_id,
      depth: Number(row.depth),
      seeded: [...seeds.keys()],
      seeds,
    };
  });
}

/** Per channel: writes oldest -> newest up to the nearest stored value, which is the seed. */
export async function deltaChannelHistory(
  db: Executor,
  serde: SerializerProtocol,
  target: DeltaTarget,
  channels: string[],
): Promise<Record<string, DeltaChannelHistory>> {
  const chain = await ancestors(db, target, channels);
  // The walk for a channel stops at the first ancestor storing it (inclusive).
  const stopAt = new Map<string, ChainRow>();
  for (const row of chain) {
    for (const ch of row.seeded ?? []) if (!stopAt.has(ch)) stopAt.set(ch, row);
  }
  const depthLimit = Math.max(
    ...channels.map((ch) => stopAt.get(ch)?.depth ?? Number.POSITIVE_INFINITY),
  );
  const onPath = chain.filter((r) => r.depth <= depthLimit);
  const depthOf = new Map(onPath.map((r) => [r.checkpoint_id, r.depth]));
  const ids = onPath.map((r) => r.checkpoint_id);
  const base = { thread_id: target.threadId, checkpoint_ns: target.checkpointNs };
  const [writes, seeds] = await Promise.all([
    ids.length === 0
      ? []
      : db
          .selectFrom("checkpoint_writes")
          .select(["checkpoint_id", "task_id", "task_path", "idx", "channel", "type", "value"])
          .where("thread_id", "=", base.thread_id)
          .where("checkpoint_ns", "=", base.checkpoint_ns)
          .where("checkpoint_id", "in", ids)
          .where("channel", "in", channels)
          .orderBy("seq")
          .execute(),
    Promise.all(
      [...stopAt].map(async ([channel, row]) => {
        const portable = row.seeds?.get(channel);
        if (portable)
          return [
            channel,
            await serde.loadsTyped(portable.type, portable.blob ?? new Uint8Array()),
          ] as const;
        const blob = await sql<{ type: string; blob: Uint8Array | null }>`
          SELECT bl.type, bl.blob FROM checkpoints AS cp
          JOIN checkpoint_blobs AS bl
            ON bl.thread_id = cp.thread_id AND bl.checkpoint_ns = cp.checkpoint_ns
           AND bl.channel = ${channel} AND bl.version = cp.checkpoint -> 'channel_versions' ->> ${channel}
          WHERE cp.thread_id = ${base.thread_id} AND cp.checkpoint_ns = ${base.checkpoint_ns}
            AND cp.checkpoint_id = ${row.checkpoint_id}`.execute(db);
        const found = blob.rows[0]!;
        return [
          channel,
          await serde.loadsTyped(found.type, found.blob ?? new Uint8Array()),
        ] as const;
      }),
    ),
  ]);
  const seedOf = new Map<string, unknown>(seeds);
  const result: Record<string, DeltaChannelHistory> = {};
  for (const ch of channels) {
    const limit = stopAt.get(ch)?.depth ?? Number.POSITIVE_INFINITY;
    const mine = writes.filter((w) => w.channel === ch && depthOf.get(w.checkpoint_id)! <= limit);
    // Oldest ancestor first; within one checkpoint in `writesSortKey` order (as getTuple returns).
    mine.sort(
      (a, b) =>
        depthOf.get(b.checkpoint_id)! - depthOf.get(a.checkpoint_id)! ||
        byCodePoint(a.task_path ?? "", b.task_path ?? "") ||
        byCodePoint(a.task_id, b.task_id) ||
        a.idx - b.idx,
    );
    const loaded = await Promise.all(
      mine.map(
        async (w): Promise<CheckpointPendingWrite> => [
          w.task_id,
          w.channel,
          await serde.loadsTyped(w.type ?? "json", w.value ?? new Uint8Array()),
        ],
      ),
    );
    result[ch] = seedOf.has(ch) ? { writes: loaded, seed: seedOf.get(ch) } : { writes: loaded };
  }
  return result;
}
