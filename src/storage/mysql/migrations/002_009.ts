/** MySQL/MariaDB twins of `../../migrations/002…009` (same names; see `001_initial.ts` for types). */

export const m002 = {
  name: "checkpoint_blobs",
  up: `
CREATE TABLE IF NOT EXISTS checkpoint_blobs (
  thread_id VARCHAR(255) NOT NULL,
  checkpoint_ns VARCHAR(255) NOT NULL DEFAULT '',
  channel VARCHAR(128) NOT NULL,
  version VARCHAR(128) NOT NULL,
  type VARCHAR(255) NOT NULL,
  "blob" LONGBLOB,
  PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);
ALTER TABLE checkpoint_writes ADD COLUMN IF NOT EXISTS seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE;
`,
};

export const m003 = {
  name: "runs_queue",
  up: `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS cancel_action VARCHAR(64);
ALTER TABLE runs ADD COLUMN IF NOT EXISTS started_at DATETIME(6);
CREATE INDEX IF NOT EXISTS runs_status_idx ON runs (thread_id, status);
`,
};

export const m004 = {
  name: "crons",
  up: `
CREATE TABLE IF NOT EXISTS crons (
  cron_id VARCHAR(36) PRIMARY KEY,
  assistant_id VARCHAR(36) NOT NULL,
  thread_id VARCHAR(36),
  user_id VARCHAR(255),
  schedule VARCHAR(255) NOT NULL,
  timezone VARCHAR(64),
  end_time DATETIME(6),
  enabled BOOLEAN NOT NULL DEFAULT true,
  on_run_completed VARCHAR(32),
  payload JSON NOT NULL DEFAULT ('{}'),
  metadata JSON NOT NULL DEFAULT ('{}'),
  next_run_at DATETIME(6),
  last_tick_at DATETIME(6),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  FOREIGN KEY (assistant_id) REFERENCES assistants (assistant_id) ON DELETE CASCADE,
  FOREIGN KEY (thread_id) REFERENCES threads (thread_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS crons_due_idx ON crons (enabled, next_run_at);
`,
};

export const m005 = {
  name: "cron_auth",
  up: `
ALTER TABLE crons ADD COLUMN IF NOT EXISTS auth JSON;
`,
};

export const m006 = {
  name: "webhook_dead_letters",
  up: `
CREATE TABLE IF NOT EXISTS webhook_dead_letters (
  dead_letter_id VARCHAR(36) PRIMARY KEY,
  run_id VARCHAR(36) NOT NULL,
  thread_id VARCHAR(36) NOT NULL,
  assistant_id VARCHAR(36),
  url LONGTEXT NOT NULL,
  payload JSON NOT NULL,
  attempts INTEGER NOT NULL,
  last_status INTEGER,
  last_error LONGTEXT,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
CREATE INDEX IF NOT EXISTS webhook_dead_letters_thread_idx ON webhook_dead_letters (thread_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_dead_letters_run_idx ON webhook_dead_letters (run_id);
`,
};

export const m007 = {
  name: "run_events",
  up: `
CREATE TABLE IF NOT EXISTS run_event_logs (
  run_id VARCHAR(64) PRIMARY KEY,
  next_seq INTEGER NOT NULL DEFAULT 0,
  first_seq INTEGER NOT NULL DEFAULT 0,
  consumed INTEGER NOT NULL DEFAULT 0,
  resumable BOOLEAN NOT NULL DEFAULT false,
  last_token LONGTEXT,
  completions INTEGER NOT NULL DEFAULT 0,
  completed_at DATETIME(6),
  expires_at DATETIME(6) NOT NULL
);
CREATE INDEX IF NOT EXISTS run_event_logs_expires_idx ON run_event_logs (expires_at);
CREATE TABLE IF NOT EXISTS run_events (
  run_id VARCHAR(64) NOT NULL,
  seq INTEGER NOT NULL,
  event LONGTEXT NOT NULL,
  data LONGTEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
`,
};

export const m008 = {
  name: "run_cancel_reason",
  up: `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS cancel_reason LONGTEXT;
`,
};

export const m009 = {
  name: "artifacts",
  up: `
CREATE TABLE IF NOT EXISTS artifacts (
  artifact_id VARCHAR(36) PRIMARY KEY,
  thread_id VARCHAR(36),
  namespace VARCHAR(512),
  run_id VARCHAR(36),
  name LONGTEXT NOT NULL,
  content_type VARCHAR(255) NOT NULL,
  size_bytes BIGINT NOT NULL DEFAULT 0,
  sha256 VARCHAR(64),
  metadata JSON NOT NULL DEFAULT ('{}'),
  storage_key VARCHAR(1024) NOT NULL,
  status VARCHAR(32) NOT NULL DEFAULT 'ready',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at DATETIME(6)
);
CREATE INDEX IF NOT EXISTS artifacts_thread_idx ON artifacts (thread_id, created_at);
CREATE INDEX IF NOT EXISTS artifacts_namespace_idx ON artifacts (namespace, created_at);
CREATE INDEX IF NOT EXISTS artifacts_expires_idx ON artifacts (expires_at);
CREATE TABLE IF NOT EXISTS artifact_retention (
  target VARCHAR(600) PRIMARY KEY,
  days INTEGER NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
`,
};
