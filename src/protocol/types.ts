/**
 * Wire types of the thread-centric protocol (agent-protocol streaming spec, `@langchain/protocol`):
 * commands `{id, method, params}`, responses `{type: "success"|"error", id, …}` and events
 * `{type: "event", event_id, seq, method, params: {namespace, timestamp, node?, data}}`.
 */

/** A namespace path (`["child:<task-id>", …]`); `[]` is the root graph. */
export type Namespace = string[];

/** A command sent on `POST /threads/:id/commands` or as a WebSocket frame. */
export interface ProtocolCommand {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

/** Metadata attached to command responses. */
export interface ResponseMeta {
  thread_id: string;
  applied_through_seq: number;
}

/** A successful command response. */
export interface ProtocolSuccess {
  type: "success";
  id: number;
  result: Record<string, unknown>;
  meta?: ResponseMeta;
}

/** Protocol error codes used by this server. */
export type ProtocolErrorCode =
  | "invalid_argument"
  | "no_such_run"
  | "no_such_subscription"
  | "not_supported"
  | "unknown_command"
  | "unknown_error"
  /** A quota of the caller's organization or key (tenancy) refused the command. */
  | "resource_exhausted"
  /** The caller's role may not run the command (tenancy: starting a run needs `runs:write`). */
  | "permission_denied";

/** A failed command response. */
export interface ProtocolError {
  type: "error";
  id: number | null;
  error: ProtocolErrorCode;
  message: string;
  meta?: ResponseMeta;
}

/** A command response. */
export type ProtocolResponse = ProtocolSuccess | ProtocolError;

/** One event delivered to subscribers. */
export interface ProtocolEvent {
  type: "event";
  event_id: string;
  seq: number;
  method: string;
  params: { namespace: Namespace; timestamp: number; node?: string; data: unknown };
}

/** An event before it gets its sequence number. */
export interface EventDraft {
  method: string;
  namespace: Namespace;
  data: unknown;
  node?: string;
}

/** A subscription filter (SSE body or `subscription.subscribe` params). */
export interface EventFilter {
  channels: Set<string>;
  namespaces?: Namespace[];
  depth?: number;
  since?: number;
}
