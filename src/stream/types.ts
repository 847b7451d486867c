/** Shared types of the streaming layer: run events, logged events and the stream modes clients ask for. */

/** One event of a run as sent over SSE (`event:` name and JSON-safe `data`). */
export interface RunEvent {
  event: string;
  data: unknown;
}

/** A run event with its position in the run's log (the SSE `id:`). */
export interface LoggedEvent extends RunEvent {
  id: string;
}

/** Stream modes accepted in `stream_mode` (official server list). */
export const STREAM_MODES = [
  "values",
  "messages",
  "messages-tuple",
  "updates",
  "events",
  "debug",
  "tasks",
  "checkpoints",
  "custom",
  "tools",
] as const;

/** A stream mode accepted in `stream_mode`. */
export type StreamMode = (typeof STREAM_MODES)[number];

/** `command` of a run body: resume an interrupt, update state, jump to nodes. */
export interface RunCommand {
  goto?: string | RunSend | Array<RunSend | string>;
  update?: Record<string, unknown> | [string, unknown][];
  resume?: unknown;
}

/** A `Send` in `command.goto`. */
export interface RunSend {
  node: string;
  input?: unknown;
}

/** Checkpoint reference on the wire (`checkpoint` of a run body, `checkpoint` of a state). */
export interface CheckpointRef {
  thread_id?: string;
  checkpoint_id?: string | null;
  checkpoint_ns?: string;
  checkpoint_map?: Record<string, unknown> | null;
}
