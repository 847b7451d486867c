/** Runs queue: a cancel request visible to the worker on any replica, and the first start time. */
export const name = "runs_queue";

export const up = `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS cancel_action text;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS started_at timestamptz;
CREATE INDEX IF NOT EXISTS runs_status_idx ON runs (thread_id, status);
`;
