/**
 * MySQL/MariaDB twin of `../../migrations/001_initial.ts`, already in the shape the PostgreSQL
 * schema has after 002 (the checkpoint as JSON, `checkpoint_blobs` in 002 here too). Types:
 * uuid -> VARCHAR(36), jsonb -> JSON, timestamptz -> DATETIME(6) in UTC, bytea -> LONGBLOB,
 * text -> LONGTEXT, or VARCHAR(n) where it is part of a key (InnoDB keys hold at most 3072 bytes,
 * 768 utf8mb4 characters, which sets the lengths). Partial and GIN indexes become plain indexes
 * or none (MariaDB has no JSON index; metadata filters scan, as documented in docs/databases.md).
 */
export const name = "initial";

/**
 * MySQL/MariaDB only: the wake-up table that stands in for LISTEN/NOTIFY when no Redis is
 * configured (`../notifier.ts`): rows live about a minute, readers poll for ids above their last;
 * and the lock rows that stand in for advisory locks (`../engine.ts`, `lockInTransaction`).
 */
export const notifications = `
CREATE TABLE IF NOT EXISTS olg_notifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  channel VARCHAR(255) NOT NULL,
  payload LONGTEXT NOT NULL,
  origin VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
CREATE INDEX IF NOT EXISTS olg_notifications_created_idx ON olg_notifications (created_at);
CREATE TABLE IF NOT EXISTS olg_locks (
  lock_key BIGINT PRIMARY KEY
);
`;

export const up = `
CREATE TABLE IF NOT EXISTS assistants (
  assistant_id VARCHAR(36) PRIMARY KEY,
  graph_id VARCHAR(255) NOT NULL,
  name LONGTEXT NOT NULL,
  description LONGTEXT,
  config JSON NOT NULL DEFAULT ('{}'),
  context JSON,
  metadata JSON NOT NULL DEFAULT ('{}'),
  version INTEGER NOT NULL DEFAULT 1,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
CREATE INDEX IF NOT EXISTS assistants_graph_id_idx ON assistants (graph_id);
CREATE INDEX IF NOT EXISTS assistants_created_at_idx ON assistants (created_at);

CREATE TABLE IF NOT EXISTS assistant_versions (
  assistant_id VARCHAR(36) NOT NULL,
  version INTEGER NOT NULL,
  graph_id VARCHAR(255) NOT NULL,
  name LONGTEXT NOT NULL,
  description LONGTEXT,
  config JSON NOT NULL DEFAULT ('{}'),
  context JSON,
  metadata JSON NOT NULL DEFAULT ('{}'),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (assistant_id, version),
  FOREIGN KEY (assistant_id) REFERENCES assistants (assistant_id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS threads (
  thread_id VARCHAR(36) PRIMARY KEY,
  metadata JSON NOT NULL DEFAULT ('{}'),
  config JSON NOT NULL DEFAULT ('{}'),
  status VARCHAR(32) NOT NULL DEFAULT 'idle',
  "values" JSON,
  interrupts JSON NOT NULL DEFAULT ('{}'),
  error JSON,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  state_updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  ttl_strategy VARCHAR(32),
  ttl_minutes DOUBLE,
  expires_at DATETIME(6)
);
CREATE INDEX IF NOT EXISTS threads_created_at_idx ON threads (created_at);
CREATE INDEX IF NOT EXISTS threads_status_idx ON threads (status);
CREATE INDEX IF NOT EXISTS threads_expires_at_idx ON threads (expires_at);

CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR(36) PRIMARY KEY,
  thread_id VARCHAR(36) NOT NULL,
  assistant_id VARCHAR(36) NOT NULL,
  status VARCHAR(32) NOT NULL DEFAULT 'pending',
  metadata JSON NOT NULL DEFAULT ('{}'),
  kwargs JSON NOT NULL DEFAULT ('{}'),
  multitask_strategy VARCHAR(32) NOT NULL DEFAULT 'reject',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  available_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  attempt INTEGER NOT NULL DEFAULT 0,
  lease_owner VARCHAR(255),
  lease_expires_at DATETIME(6),
  FOREIGN KEY (thread_id) REFERENCES threads (thread_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS runs_thread_idx ON runs (thread_id, created_at);
CREATE INDEX IF NOT EXISTS runs_queue_idx ON runs (status, available_at);
CREATE INDEX IF NOT EXISTS runs_lease_idx ON runs (status, lease_expires_at);

CREATE TABLE IF NOT EXISTS checkpoints (
  thread_id VARCHAR(255) NOT NULL,
  checkpoint_ns VARCHAR(255) NOT NULL DEFAULT '',
  checkpoint_id VARCHAR(128) NOT NULL,
  parent_checkpoint_id VARCHAR(128),
  checkpoint JSON NOT NULL,
  metadata JSON NOT NULL DEFAULT ('{}'),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);

CREATE TABLE IF NOT EXISTS checkpoint_writes (
  thread_id VARCHAR(255) NOT NULL,
  checkpoint_ns VARCHAR(255) NOT NULL DEFAULT '',
  checkpoint_id VARCHAR(128) NOT NULL,
  task_id VARCHAR(128) NOT NULL,
  task_path LONGTEXT NOT NULL DEFAULT '',
  idx INTEGER NOT NULL,
  channel LONGTEXT NOT NULL,
  type VARCHAR(255),
  value LONGBLOB,
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

CREATE TABLE IF NOT EXISTS store_items (
  prefix VARCHAR(512) NOT NULL,
  "key" VARCHAR(190) NOT NULL,
  value JSON NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at DATETIME(6),
  ttl_minutes DOUBLE,
  PRIMARY KEY (prefix, "key")
);
CREATE INDEX IF NOT EXISTS store_items_expires_idx ON store_items (expires_at);
${notifications}`;
