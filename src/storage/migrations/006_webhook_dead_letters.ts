/**
 * Webhook deliveries that failed every attempt (or were refused by the URL policy at send time):
 * kept so operators can see them through the API (`GET /webhooks/dead_letters`) and redeliver.
 * Not tied to the run row by a foreign key: stateless runs delete their thread, the record stays.
 */
export const name = "webhook_dead_letters";

export const up = `
CREATE TABLE IF NOT EXISTS webhook_dead_letters (
  dead_letter_id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  thread_id uuid NOT NULL,
  assistant_id uuid,
  url text NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_dead_letters_thread_idx ON webhook_dead_letters (thread_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_dead_letters_run_idx ON webhook_dead_letters (run_id);
`;
