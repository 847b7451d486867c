/**
 * Checkpointer layout: channel values move to `checkpoint_blobs`, keyed by channel version, so a
 * value is stored once per version instead of once per checkpoint; the checkpoint row keeps the
 * rest as jsonb so SQL can join on `channel_versions`. `checkpoint_writes.seq` keeps pending
 * writes in insertion order (what MemorySaver returns).
 */
export const name = "checkpoint_blobs";

export const up = `
CREATE TABLE IF NOT EXISTS checkpoint_blobs (
  thread_id text NOT NULL,
  checkpoint_ns text NOT NULL DEFAULT '',
  channel text NOT NULL,
  version text NOT NULL,
  type text NOT NULL,
  blob bytea,
  PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);
ALTER TABLE checkpoints ALTER COLUMN checkpoint TYPE jsonb USING convert_from(checkpoint, 'UTF8')::jsonb;
ALTER TABLE checkpoints DROP COLUMN IF EXISTS type;
ALTER TABLE checkpoint_writes ADD COLUMN IF NOT EXISTS seq bigserial;
`;
