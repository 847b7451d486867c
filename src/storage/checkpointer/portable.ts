/**
 * The checkpointer's reads and blob collection without PostgreSQL's json aggregates and
 * `jsonb_each_text` (MySQL/MariaDB, SQLite): channel versions are read from the checkpoint JSON in
 * process, blobs are fetched by version (versions carry a random suffix, so `version IN (...)` under
 * one thread and namespace is selective; pairs are then matched in process), and pending writes
 * are sorted in `writesSortKey` order by code point here, not by a collation.
 */
import type { Kysely } from "kysely";
import type { Database } from "../database.ts";
import { fromJson } from "../sql/json.ts";

type Db = Kysely<Database>;

/** The row shape `selectTuples` returns (declared in sql.ts; repeated here to avoid a cycle). */
interface Row {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  checkpoint: unknown;
  blobs: unknown;
  writes: unknown;
}

/** Largest `IN (...)` list per statement (SQLite binds at most 32766 parameters). */
const CHUNK = 500;

/** Code point order (UTF-8 byte order), as `compareWritesSortKeys` requires. */
export const byCodePoint = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a), Buffer.from(b));

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** `channel_versions` of a stored checkpoint cell, as strings. */
export function channelVersions(cell: unknown): Map<string, string> {
  const stored = fromJson<{ channel_versions?: Record<string, unknown> }>(cell);
  return new Map(Object.entries(stored?.channel_versions ?? {}).map(([ch, v]) => [ch, String(v)]));
}

/** A stored blob: serde type and bytes. */
export interface StoredBlob {
  type: string;
  blob: Uint8Array | null;
}

const pairKey = (ns: string, channel: string, version: string) =>
  `${ns}\u0000${channel}\u0000${version}`;

/** The blobs of one thread whose version is among `versions`, keyed by (ns, channel, version). */
export async function blobsByVersion(
  db: Db,
  threadId: string,
  checkpointNs: string | undefined,
  versions: string[],
): Promise<Map<string, StoredBlob>> {
  const found = new Map<string, StoredBlob>();
  for (const part of chunks([...new Set(versions)])) {
    let query = db
      .selectFrom("checkpoint_blobs")
      .select(["checkpoint_ns", "channel", "version", "type", "blob"])
      .where("thread_id", "=", threadId)
      .where("version", "in", part);
    if (checkpointNs !== undefined) query = query.where("checkpoint_ns", "=", checkpointNs);
    for (const b of await query.execute()) {
      found.set(pairKey(b.checkpoint_ns, b.channel, b.version), { type: b.type, blob: b.blob });
    }
  }
  return found;
}

/** The blob of `channel` at `version` in `found` (see `blobsByVersion`). */
export const blobAt = (
  found: Map<string, StoredBlob>,
  ns: string,
  channel: string,
  version: string,
): StoredBlob | undefined => found.get(pairKey(ns, channel, version));

/** Fills `blobs` and `writes` of checkpoint rows (one query each per thread and namespace). */
export async function fillTuples<R extends Row>(
  db: Db,
  rows: R[],
  channels: string[] | undefined,
): Promise<R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const key = `${row.thread_id}\u0000${row.checkpoint_ns}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const group of groups.values()) {
    const { thread_id: threadId, checkpoint_ns: ns } = group[0]!;
    const wanted = group.map((row) => {
      const versions = channelVersions(row.checkpoint);
      return channels ? [...versions].filter(([ch]) => channels.includes(ch)) : [...versions];
    });
    const blobs = await blobsByVersion(
      db,
      threadId,
      ns,
      wanted.flatMap((pairs) => pairs.map(([, v]) => v)),
    );
    group.forEach((row, i) => {
      row.blobs = wanted[i]!.flatMap(([channel, version]) => {
        const b = blobAt(blobs, ns, channel, version);
        return b ? [[channel, b.type, b.blob]] : [];
      });
      row.writes = [];
    });
    if (channels) continue;
    const byCheckpoint = new Map(group.map((row) => [row.checkpoint_id, row]));
    for (const part of chunks([...byCheckpoint.keys()])) {
      const writes = await db
        .selectFrom("checkpoint_writes")
        .select(["checkpoint_id", "task_id", "task_path", "idx", "channel", "type", "value"])
        .where("thread_id", "=", threadId)
        .where("checkpoint_ns", "=", ns)
        .where("checkpoint_id", "in", part)
        .execute();
      writes.sort(
        (a, b) =>
          byCodePoint(a.task_path ?? "", b.task_path ?? "") ||
          byCodePoint(a.task_id, b.task_id) ||
          Number(a.idx) - Number(b.idx),
      );
      for (const w of writes) {
        (byCheckpoint.get(w.checkpoint_id)!.writes as unknown[]).push([
          w.task_id,
          w.channel,
          w.type,
          w.value,
        ]);
      }
    }
  }
  return rows;
}

/** Deletes the blobs of a thread that no remaining checkpoint references. */
export async function collectGarbageBlobsPortable(db: Db, threadId: string): Promise<void> {
  const checkpoints = await db
    .selectFrom("checkpoints")
    .select(["checkpoint_ns", "checkpoint"])
    .where("thread_id", "=", threadId)
    .execute();
  const referenced = new Set<string>();
  for (const cp of checkpoints) {
    for (const [ch, v] of channelVersions(cp.checkpoint))
      referenced.add(pairKey(cp.checkpoint_ns, ch, v));
  }
  const blobs = await db
    .selectFrom("checkpoint_blobs")
    .select(["checkpoint_ns", "channel", "version"])
    .where("thread_id", "=", threadId)
    .execute();
  const garbage = blobs.filter(
    (b) => !referenced.has(pairKey(b.checkpoint_ns, b.channel, b.version)),
  );
  for (const part of chunks(garbage)) {
    await db
      .deleteFrom("checkpoint_blobs")
      .where("thread_id", "=", threadId)
      .where((eb) =>
        eb.or(
          part.map((b) =>
            eb.and([
              eb("checkpoint_ns", "=", b.checkpoint_ns),
              eb("channel", "=", b.channel),
              eb("version", "=", b.version),
            ]),
          ),
        ),
      )
      .execute();
  }
}
