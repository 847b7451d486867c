/**
 * Artifacts: files agents and users keep beside a thread or under a namespace. The bytes live in
 * a blob backend (filesystem or S3); these rows hold what listing, scoping and retention need, so
 * a listing never scans the bucket. `status` is `pending` between a presigned upload URL and its
 * completion. `artifact_retention` holds the per-thread and per-namespace retention policies.
 */
export const name = "artifacts";

export const up = `
CREATE TABLE IF NOT EXISTS artifacts (
  artifact_id uuid PRIMARY KEY,
  thread_id uuid,
  namespace text,
  run_id uuid,
  name text NOT NULL,
  content_type text NOT NULL,
  size_bytes bigint NOT NULL DEFAULT 0,
  sha256 text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  storage_key text NOT NULL,
  status text NOT NULL DEFAULT 'ready',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS artifacts_thread_idx ON artifacts (thread_id, created_at);
CREATE INDEX IF NOT EXISTS artifacts_namespace_idx ON artifacts (namespace text_pattern_ops, created_at);
CREATE INDEX IF NOT EXISTS artifacts_expires_idx ON artifacts (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS artifact_retention (
  target text PRIMARY KEY,
  days integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
