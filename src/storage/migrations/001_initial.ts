/** The initial schema: assistants, threads, runs (the queue), checkpoints, store. */
export const name = "initial";

export const up = `
CREATE TABLE IF NOT EXISTS assistants (
  assistant_id uuid PRIMARY KEY,
  graph_id text NOT NULL,
  name text NOT NULL,
  description text,
  config jsonb NOT NULL DEFAULT '{}',
  context jsonb,
  metadata jsonb NOT NULL DEFAULT '{}',
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS assistants_graph_id_idx ON assistants (graph_id);
CREATE INDEX IF NOT EXISTS assistants_metadata_idx ON assistants USING gin (metadata jsonb_path_ops);
CREATE INDEX IF NOT EXISTS assistants_created_at_idx ON assistants (created_at);

CREATE TABLE IF NOT EXISTS assistant_versions (
  assistant_id uuid NOT NULL REFERENCES assistants (assistant_id) ON DELETE CASCADE,
  version integer NOT NULL,
  graph_id text NOT NULL,
  name text NOT NULL,
  description text,
  config jsonb NOT NULL DEFAULT '{}',
  context jsonb,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (assistant_id, version)
);

CREATE TABLE IF NOT EXISTS threads (
  thread_id uuid PRIMARY KEY,
  metadata jsonb NOT NULL DEFAULT '{}',
  config jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'idle',
  "values" jsonb,
  interrupts jsonb NOT NULL DEFAULT '{}',
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  state_updated_at timestamptz NOT NULL DEFAULT now(),
  ttl_strategy text,
  ttl_minutes double precision,
  expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS threads_metadata_idx ON threads USING gin (metadata jsonb_path_ops);
CREATE INDEX IF NOT EXISTS threads_created_at_idx ON threads (created_at);
CREATE INDEX IF NOT EXISTS threads_status_idx ON threads (status);
CREATE INDEX IF NOT EXISTS threads_expires_at_idx ON threads (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS runs (
  run_id uuid PRIMARY KEY,
  thread_id uuid NOT NULL REFERENCES threads (thread_id) ON DELETE CASCADE,
  assistant_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  metadata jsonb NOT NULL DEFAULT '{}',
  kwargs jsonb NOT NULL DEFAULT '{}',
  multitask_strategy text NOT NULL DEFAULT 'reject',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  available_at timestamptz NOT NULL DEFAULT now(),
  attempt integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS runs_thread_idx ON runs (thread_id, created_at);
CREATE INDEX IF NOT EXISTS runs_queue_idx ON runs (available_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS runs_lease_idx ON runs (lease_expires_at) WHERE status = 'running';

CREATE TABLE IF NOT EXISTS checkpoints (
  thread_id text NOT NULL,
  checkpoint_ns text NOT NULL DEFAULT '',
  checkpoint_id text NOT NULL,
  parent_checkpoint_id text,
  type text,
  checkpoint bytea NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);

CREATE TABLE IF NOT EXISTS checkpoint_writes (
  thread_id text NOT NULL,
  checkpoint_ns text NOT NULL DEFAULT '',
  checkpoint_id text NOT NULL,
  task_id text NOT NULL,
  task_path text NOT NULL DEFAULT '',
  idx integer NOT NULL,
  channel text NOT NULL,
  type text,
  value bytea,
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

CREATE TABLE IF NOT EXISTS store_items (
  prefix text NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  ttl_minutes double precision,
  PRIMARY KEY (prefix, key)
);
CREATE INDEX IF NOT EXISTS store_items_prefix_idx ON store_items (prefix text_pattern_ops);
CREATE INDEX IF NOT EXISTS store_items_expires_idx ON store_items (expires_at) WHERE expires_at IS NOT NULL;
`;
