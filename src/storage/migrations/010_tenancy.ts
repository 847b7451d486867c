/**
 * Tenancy (issue 19): organizations, users, memberships with a role, API keys, the audit log, and
 * an `org_id` on every tenant row. Existing rows (and every row of an install without tenancy)
 * belong to the org `default`.
 *
 * `org_id` is added with a constant default first (PostgreSQL 11+ adds such a column without
 * rewriting the table), then its default becomes the per-connection setting `app.org_id` (the
 * tenancy session sets it, see src/storage/tenant-session.ts), so repositories, the checkpointer
 * and the store need no change to write the caller's org; unset (tenancy off) it stays `default`.
 * Row-level security policies are installed by src/tenancy/rls.ts when tenancy is enabled.
 */
export const name = "tenancy";

/** Every table whose rows belong to one organization. */
export const TENANT_TABLES = [
  "assistants",
  "assistant_versions",
  "threads",
  "runs",
  "crons",
  "checkpoints",
  "checkpoint_blobs",
  "checkpoint_writes",
  "store_items",
  "webhook_dead_letters",
  "run_event_logs",
  "run_events",
  "artifacts",
  "artifact_retention",
  "audit_log",
] as const;

const ORG_DEFAULT = `coalesce(nullif(current_setting('app.org_id', true), ''), 'default')`;

const orgColumn = (table: string) => `
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS org_id text NOT NULL DEFAULT 'default';
ALTER TABLE ${table} ALTER COLUMN org_id SET DEFAULT ${ORG_DEFAULT};
CREATE INDEX IF NOT EXISTS ${table}_org_idx ON ${table} (org_id);`;

export const up = `
CREATE TABLE IF NOT EXISTS organizations (
  org_id text PRIMARY KEY,
  name text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  quotas jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organizations (org_id, name) VALUES ('default', 'Default') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS users (
  user_id text PRIMARY KEY,
  identity text NOT NULL UNIQUE,
  display_name text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS memberships (
  org_id text NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE IF NOT EXISTS api_keys (
  key_id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  role text NOT NULL,
  scopes jsonb,
  quotas jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_org_idx ON api_keys (org_id, created_at);
CREATE TABLE IF NOT EXISTS audit_log (
  audit_id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  resource text,
  resource_id text,
  action text NOT NULL,
  outcome integer NOT NULL,
  ip text,
  user_agent text
);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
${TENANT_TABLES.map(orgColumn).join("\n")}
`;
