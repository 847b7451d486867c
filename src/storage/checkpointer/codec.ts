/**
 * Row <-> checkpoint conversion for the SQL checkpointer: channel values and writes go through the
 * saver's serde (type + bytes), metadata through serde into jsonb so SQL can filter on it.
 */
import type {
  Checkpoint,
  CheckpointMetadata,
  CheckpointPendingWrite,
  SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import { fromJson } from "../sql/json.ts";

/**
 * One serialized channel value, as the read query returns it: [channel, type, bytes | null], bytes
 * as base64 (PostgreSQL family's json aggregate) or raw (the portable read, portable.ts).
 */
export type BlobCell = [string, string, string | Uint8Array | null];
/** One serialized write, as the read query returns it: [task_id, channel, type, bytes | null]. */
export type WriteCell = [string, string, string | null, string | Uint8Array | null];

/** Placeholder type for a channel listed in `newVersions` but absent from `channel_values`. */
export const EMPTY_TYPE = "empty";

/** Decodes a base64 cell of `encode(bytea, 'base64')` (newlines are ignored), or raw bytes. */
const fromBase64 = (value: string | Uint8Array | null): Uint8Array => {
  if (value === null) return new Uint8Array();
  if (typeof value !== "string") return new Uint8Array(value);
  return new Uint8Array(Buffer.from(value, "base64"));
};

/** Drivers return json aggregates parsed (pg, PGlite) or as text; accept both. */
export function parseJsonCell<T>(value: unknown): T {
  return fromJson<T>(value);
}

/** Rebuilds `channel_values` from its blobs, skipping placeholders. */
export async function loadChannelValues(
  serde: SerializerProtocol,
  blobs: BlobCell[],
): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    blobs
      .filter(([, type]) => type !== EMPTY_TYPE)
      .map(async ([channel, type, data]) => [
        channel,
        await serde.loadsTyped(type, fromBase64(data)),
      ]),
  );
  return Object.fromEntries(entries);
}

/** Deserializes pending writes in stored order. */
export function loadWrites(
  serde: SerializerProtocol,
  writes: WriteCell[],
): Promise<CheckpointPendingWrite[]> {
  return Promise.all(
    writes.map(
      async ([taskId, channel, type, data]): Promise<CheckpointPendingWrite> => [
        taskId,
        channel,
        await serde.loadsTyped(type ?? "json", fromBase64(data)),
      ],
    ),
  );
}

/** Metadata is stored as serde's JSON text (lc-serialized objects survive, filters still work). */
export async function dumpMetadata(
  serde: SerializerProtocol,
  metadata: CheckpointMetadata,
): Promise<string> {
  // Written with a `::jsonb` cast: the storage codec escapes what jsonb cannot hold (U+0000...).
  const [, bytes] = await serde.dumpsTyped(metadata);
  return new TextDecoder().decode(bytes);
}

/** Revives metadata from its jsonb cell (parsed by the driver, or text). */
export function loadMetadata(
  serde: SerializerProtocol,
  cell: unknown,
): Promise<CheckpointMetadata> {
  return serde.loadsTyped("json", typeof cell === "string" ? cell : JSON.stringify(cell));
}

/** The checkpoint row without channel values (they are stored per version as blobs). */
export function dumpCheckpoint(checkpoint: Checkpoint): string {
  const { channel_values: _values, ...rest } = checkpoint;
  return JSON.stringify(rest);
}

/** Serializes the channels that changed in this step; unchanged ones are already stored. */
export async function dumpBlobs(
  serde: SerializerProtocol,
  values: Record<string, unknown>,
  newVersions: Record<string, string | number>,
): Promise<{ channel: string; version: string; type: string; blob: Uint8Array | null }[]> {
  return Promise.all(
    Object.entries(newVersions).map(async ([channel, version]) => {
      if (!(channel in values)) {
        return { channel, version: String(version), type: EMPTY_TYPE, blob: null };
      }
      const [type, blob] = await serde.dumpsTyped(values[channel]);
      return { channel, version: String(version), type, blob };
    }),
  );
}
