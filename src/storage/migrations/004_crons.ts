/**
 * Crons: one row per schedule. `next_run_at` is the next tick to fire (null once `end_time` has
 * passed); replicas claim due rows with `FOR UPDATE SKIP LOCKED` and advance it in the transaction
 * that creates the run, so each tick fires once. `user_id` is the creator (set once auth lands).
 */
export const name = "crons";

export const up = `
CREATE TABLE IF NOT EXISTS crons (
  cron_id uuid PRIMARY KEY,
  assistant_id uuid NOT NULL REFERENCES assistants (assistant_id) ON DELETE CASCADE,
  thread_id uuid REFERENCES threads (thread_id) ON DELETE CASCADE,
  user_id text,
  schedule text NOT NULL,
  timezone text,
  end_time timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  on_run_completed text,
  payload jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  next_run_at timestamptz,
  last_tick_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS crons_due_idx ON crons (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS crons_assistant_idx ON crons (assistant_id);
CREATE INDEX IF NOT EXISTS crons_thread_idx ON crons (thread_id);
CREATE INDEX IF NOT EXISTS crons_metadata_idx ON crons USING gin (metadata jsonb_path_ops);
`;
