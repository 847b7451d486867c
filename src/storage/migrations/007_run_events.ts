/**
 * The run event log on PostgreSQL (`src/stream/sql-log.ts`): used when api and worker processes
 * run apart (`olg serve --role api|worker`) without Redis, so a run executing on a worker can be
 * streamed through an api process. One row per run (`run_event_logs`: next index, trim point,
 * non-resumable read head, retention) and one per event (`run_events`, data as JSON text).
 */
export const name = "run_events";

export const up = `
CREATE TABLE IF NOT EXISTS run_event_logs (
  run_id text PRIMARY KEY,
  next_seq integer NOT NULL DEFAULT 0,
  first_seq integer NOT NULL DEFAULT 0,
  consumed integer NOT NULL DEFAULT 0,
  resumable boolean NOT NULL DEFAULT false,
  last_token text,
  completions integer NOT NULL DEFAULT 0,
  completed_at timestamptz,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS run_event_logs_expires_idx ON run_event_logs (expires_at);
CREATE TABLE IF NOT EXISTS run_events (
  run_id text NOT NULL,
  seq integer NOT NULL,
  event text NOT NULL,
  data text NOT NULL,
  PRIMARY KEY (run_id, seq)
);
`;
