/**
 * The schema on SQLite: the same tables, columns, versions and names as the PostgreSQL migrations
 * (`../migrations/`), in SQLite's types: uuid/text → TEXT, jsonb → TEXT holding JSON (written
 * through `json()`), timestamptz → TEXT in ISO-8601 UTC (`engine.ts`), bytea → BLOB, boolean →
 * INTEGER 0/1, bigserial → INTEGER (rowid). GIN indexes have no SQLite counterpart (JSON filters
 * scan; the in-process cache of the embedded engines serves repeated reads).
 */
import * as m001 from "../migrations/001_initial.ts";
import * as m002 from "../migrations/002_checkpoint_blobs.ts";
import * as m003 from "../migrations/003_runs_queue.ts";
import * as m004 from "../migrations/004_crons.ts";
import * as m005 from "../migrations/005_cron_auth.ts";
import * as m006 from "../migrations/006_webhook_dead_letters.ts";
import * as m007 from "../migrations/007_run_events.ts";
import * as m008 from "../migrations/008_run_cancel_reason.ts";
import * as m009 from "../migrations/009_artifacts.ts";
import * as m010 from "../migrations/010_tenancy.ts";
import * as m011 from "../migrations/011_store_org_key.ts";
import * as m012 from "../migrations/012_audit_append_only.ts";
import * as m013 from "../migrations/013_sso_sessions.ts";

const NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
const TS = `TEXT NOT NULL DEFAULT ${NOW}`;

const v001 = `
CREATE TABLE assistants (
  assistant_id TEXT PRIMARY KEY, graph_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
  config TEXT NOT NULL DEFAULT '{}', context TEXT, metadata TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL DEFAULT 1, created_at ${TS}, updated_at ${TS});
CREATE INDEX assistants_graph_id_idx ON assistants (graph_id);
CREATE INDEX assistants_created_at_idx ON assistants (created_at);
CREATE TABLE assistant_versions (
  assistant_id TEXT NOT NULL REFERENCES assistants (assistant_id) ON DELETE CASCADE,
  version INTEGER NOT NULL, graph_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
  config TEXT NOT NULL DEFAULT '{}', context TEXT, metadata TEXT NOT NULL DEFAULT '{}',
  created_at ${TS}, PRIMARY KEY (assistant_id, version));
CREATE TABLE threads (
  thread_id TEXT PRIMARY KEY, metadata TEXT NOT NULL DEFAULT '{}', config TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'idle', "values" TEXT, interrupts TEXT NOT NULL DEFAULT '{}',
  error TEXT, created_at ${TS}, updated_at ${TS}, state_updated_at ${TS}, ttl_strategy TEXT,
  ttl_minutes REAL, expires_at TEXT);
CREATE INDEX threads_created_at_idx ON threads (created_at);
CREATE INDEX threads_status_idx ON threads (status);
CREATE INDEX threads_expires_at_idx ON threads (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  thread_id TEXT NOT NULL REFERENCES threads (thread_id) ON DELETE CASCADE,
  assistant_id TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
  metadata TEXT NOT NULL DEFAULT '{}', kwargs TEXT NOT NULL DEFAULT '{}',
  multitask_strategy TEXT NOT NULL DEFAULT 'reject', created_at ${TS}, updated_at ${TS},
  available_at ${TS}, attempt INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_expires_at TEXT);
CREATE INDEX runs_thread_idx ON runs (thread_id, created_at);
CREATE INDEX runs_queue_idx ON runs (available_at) WHERE status = 'pending';
CREATE INDEX runs_lease_idx ON runs (lease_expires_at) WHERE status = 'running';
CREATE TABLE checkpoints (
  thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL,
  parent_checkpoint_id TEXT, checkpoint TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',
  created_at ${TS}, PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id));
CREATE TABLE checkpoint_writes (
  thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL,
  task_id TEXT NOT NULL, task_path TEXT NOT NULL DEFAULT '', idx INTEGER NOT NULL,
  channel TEXT NOT NULL, type TEXT, value BLOB,
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx));
CREATE TABLE store_items (
  prefix TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, created_at ${TS},
  updated_at ${TS}, expires_at TEXT, ttl_minutes REAL, PRIMARY KEY (prefix, key));
CREATE INDEX store_items_expires_idx ON store_items (expires_at) WHERE expires_at IS NOT NULL;
`;

// checkpoints.checkpoint is JSON text from version 1 here (PostgreSQL converted it from bytea);
// seq (bigserial there) is the row's insertion number, set by a trigger (an upsert keeps it).
const v002 = `
CREATE TABLE checkpoint_blobs (
  thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL,
  version TEXT NOT NULL, type TEXT NOT NULL, blob BLOB,
  PRIMARY KEY (thread_id, checkpoint_ns, channel, version));
ALTER TABLE checkpoint_writes ADD COLUMN seq INTEGER;
CREATE TRIGGER checkpoint_writes_seq AFTER INSERT ON checkpoint_writes WHEN NEW.seq IS NULL
BEGIN UPDATE checkpoint_writes SET seq = NEW.rowid WHERE rowid = NEW.rowid; END;
`;

const v003 = `
ALTER TABLE runs ADD COLUMN cancel_action TEXT;
ALTER TABLE runs ADD COLUMN started_at TEXT;
CREATE INDEX runs_status_idx ON runs (thread_id, status);
`;

const v004 = `
CREATE TABLE crons (
  cron_id TEXT PRIMARY KEY,
  assistant_id TEXT NOT NULL REFERENCES assistants (assistant_id) ON DELETE CASCADE,
  thread_id TEXT REFERENCES threads (thread_id) ON DELETE CASCADE, user_id TEXT,
  schedule TEXT NOT NULL, timezone TEXT, end_time TEXT, enabled INTEGER NOT NULL DEFAULT 1,
  on_run_completed TEXT, payload TEXT NOT NULL DEFAULT '{}', metadata TEXT NOT NULL DEFAULT '{}',
  next_run_at TEXT, last_tick_at TEXT, created_at ${TS}, updated_at ${TS});
CREATE INDEX crons_due_idx ON crons (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;
CREATE INDEX crons_assistant_idx ON crons (assistant_id);
CREATE INDEX crons_thread_idx ON crons (thread_id);
`;

const v005 = "ALTER TABLE crons ADD COLUMN auth TEXT;";

const v006 = `
CREATE TABLE webhook_dead_letters (
  dead_letter_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, thread_id TEXT NOT NULL,
  assistant_id TEXT, url TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_status INTEGER, last_error TEXT, created_at ${TS});
CREATE INDEX webhook_dead_letters_thread_idx ON webhook_dead_letters (thread_id, created_at);
CREATE INDEX webhook_dead_letters_run_idx ON webhook_dead_letters (run_id);
`;

const v007 = `
CREATE TABLE run_event_logs (
  run_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL DEFAULT 0, first_seq INTEGER NOT NULL DEFAULT 0,
  consumed INTEGER NOT NULL DEFAULT 0, resumable INTEGER NOT NULL DEFAULT 0, last_token TEXT,
  completions INTEGER NOT NULL DEFAULT 0, completed_at TEXT, expires_at TEXT NOT NULL);
CREATE INDEX run_event_logs_expires_idx ON run_event_logs (expires_at);
CREATE TABLE run_events (
  run_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (run_id, seq));
`;

const v008 = "ALTER TABLE runs ADD COLUMN cancel_reason TEXT;";

const v009 = `
CREATE TABLE artifacts (
  artifact_id TEXT PRIMARY KEY, thread_id TEXT, namespace TEXT, run_id TEXT, name TEXT NOT NULL,
  content_type TEXT NOT NULL, size_bytes INTEGER NOT NULL DEFAULT 0, sha256 TEXT,
  metadata TEXT NOT NULL DEFAULT '{}', storage_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'ready', created_at ${TS}, updated_at ${TS}, expires_at TEXT);
CREATE INDEX artifacts_thread_idx ON artifacts (thread_id, created_at);
CREATE INDEX artifacts_namespace_idx ON artifacts (namespace, created_at);
CREATE INDEX artifacts_expires_idx ON artifacts (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE artifact_retention (
  target TEXT PRIMARY KEY, days INTEGER NOT NULL, updated_at ${TS});
`;

// Tenancy tables; org_id defaults to 'default' (no per-connection setting on SQLite: tenancy
// with several orgs is refused on this engine, see src/tenancy/setup.ts).
const v010 = `
CREATE TABLE organizations (
  org_id TEXT PRIMARY KEY, name TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',
  quotas TEXT NOT NULL DEFAULT '{}', created_at ${TS}, updated_at ${TS});
INSERT INTO organizations (org_id, name) VALUES ('default', 'Default') ON CONFLICT DO NOTHING;
CREATE TABLE users (
  user_id TEXT PRIMARY KEY, identity TEXT NOT NULL UNIQUE, display_name TEXT, created_at ${TS});
CREATE TABLE memberships (
  org_id TEXT NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  role TEXT NOT NULL, created_at ${TS}, PRIMARY KEY (org_id, user_id));
CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
  name TEXT NOT NULL, prefix TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
  scopes TEXT, quotas TEXT NOT NULL DEFAULT '{}', created_by TEXT, created_at ${TS},
  expires_at TEXT, last_used_at TEXT, revoked_at TEXT);
CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at);
CREATE TABLE audit_log (
  audit_id INTEGER PRIMARY KEY AUTOINCREMENT, at ${TS}, actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, resource TEXT,
  resource_id TEXT, action TEXT NOT NULL, outcome INTEGER NOT NULL, ip TEXT, user_agent TEXT);
CREATE INDEX audit_log_at_idx ON audit_log (at);
${m010.TENANT_TABLES.map(
  (t) => `ALTER TABLE ${t} ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX ${t}_org_idx ON ${t} (org_id);`,
).join("\n")}
`;

// SQLite cannot change a primary key in place: the table is rebuilt with (org_id, prefix, key).
const v011 = `
CREATE TABLE store_items_new (
  org_id TEXT NOT NULL DEFAULT 'default', prefix TEXT NOT NULL, key TEXT NOT NULL,
  value TEXT NOT NULL, created_at ${TS}, updated_at ${TS}, expires_at TEXT, ttl_minutes REAL,
  PRIMARY KEY (org_id, prefix, key));
INSERT INTO store_items_new (org_id, prefix, key, value, created_at, updated_at, expires_at, ttl_minutes)
  SELECT org_id, prefix, key, value, created_at, updated_at, expires_at, ttl_minutes FROM store_items;
DROP TABLE store_items;
ALTER TABLE store_items_new RENAME TO store_items;
CREATE INDEX store_items_prefix_key_idx ON store_items (prefix, key);
CREATE INDEX store_items_expires_idx ON store_items (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX store_items_org_idx ON store_items (org_id);
`;

// outcome keeps its column (SQLite stores the text as given); updates are refused by a trigger.
// Deletes stay possible for retention (PostgreSQL gates them on a session setting SQLite lacks).
const v012 = `
ALTER TABLE audit_log ADD COLUMN status INTEGER;
CREATE INDEX audit_log_org_id_idx ON audit_log (org_id, audit_id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`;

const v013 = `
CREATE TABLE sso_sessions (
  session_id TEXT PRIMARY KEY, id_hash TEXT NOT NULL UNIQUE, previous_id_hash TEXT,
  previous_valid_until TEXT, csrf_token TEXT NOT NULL, provider TEXT NOT NULL,
  user_id TEXT NOT NULL, identity TEXT NOT NULL, org_id TEXT NOT NULL, role TEXT NOT NULL,
  id_token TEXT, created_at ${TS}, rotated_at ${TS}, last_seen_at ${TS},
  expires_at TEXT NOT NULL, revoked_at TEXT);
CREATE INDEX sso_sessions_previous_idx ON sso_sessions (previous_id_hash);
CREATE INDEX sso_sessions_user_idx ON sso_sessions (user_id);
CREATE TABLE sso_login_requests (
  request_id TEXT PRIMARY KEY, provider TEXT NOT NULL, binding_hash TEXT NOT NULL,
  code_verifier TEXT, nonce TEXT, return_to TEXT, expires_at TEXT NOT NULL);
CREATE TABLE sso_replay (replay_key TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
`;

/** Every migration on SQLite, in order (same versions and names as on PostgreSQL). */
export const SQLITE_MIGRATIONS = [
  { version: 1, name: m001.name, up: v001 },
  { version: 2, name: m002.name, up: v002 },
  { version: 3, name: m003.name, up: v003 },
  { version: 4, name: m004.name, up: v004 },
  { version: 5, name: m005.name, up: v005 },
  { version: 6, name: m006.name, up: v006 },
  { version: 7, name: m007.name, up: v007 },
  { version: 8, name: m008.name, up: v008 },
  { version: 9, name: m009.name, up: v009 },
  { version: 10, name: m010.name, up: v010 },
  { version: 11, name: m011.name, up: v011 },
  { version: 12, name: m012.name, up: v012 },
  { version: 13, name: m013.name, up: v013 },
];
