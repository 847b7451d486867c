/**
 * A2A wire shapes in both protocol generations. The method name a client sends picks the family
 * of the answer, as on LangGraph Platform: v1.0 names (`SendMessage`…) get v1.0 JSON (parts
 * discriminated by member presence, `TASK_STATE_*` / `ROLE_*` enums, `{task}` and
 * `{statusUpdate}` wrappers); v0.3 names (`message/send`…) get v0.3 JSON (`kind` fields,
 * lowercase states). Unlike the platform (whose v1.0 answers still carry v0.3 shapes), v1.0
 * answers here are true v1.0, so the official v1.0 client parses them.
 */

/** Protocol family of a request. */
export type Family = "v1" | "v03";

/** Task states (v0.3 spelling; v1.0 maps them to `TASK_STATE_*`). */
export type TaskState =
  | "submitted"
  | "working"
  | "input-required"
  | "completed"
  | "canceled"
  | "failed"
  | "rejected";

/** A part in neutral form. */
export type Part =
  | { text: string }
  | { data: Record<string, unknown> }
  | { url: string; mediaType?: string };

/** A message in neutral form. */
export interface A2AMessage {
  role: "user" | "agent";
  parts: Part[];
  messageId: string;
  taskId?: string;
  contextId?: string;
  metadata?: Record<string, unknown>;
}

/** A task in neutral form. */
export interface A2ATask {
  id: string;
  contextId: string;
  state: TaskState;
  statusMessage?: A2AMessage;
  timestamp: string;
  history: A2AMessage[];
  artifacts: { artifactId: string; name: string; parts: Part[] }[];
  metadata?: Record<string, unknown>;
}

const V1_STATE: Record<TaskState, string> = {
  submitted: "TASK_STATE_SUBMITTED",
  working: "TASK_STATE_WORKING",
  "input-required": "TASK_STATE_INPUT_REQUIRED",
  completed: "TASK_STATE_COMPLETED",
  canceled: "TASK_STATE_CANCELED",
  failed: "TASK_STATE_FAILED",
  rejected: "TASK_STATE_REJECTED",
};

/** Whether a task can change no more. */
export const isTerminal = (s: TaskState) =>
  s === "completed" || s === "canceled" || s === "failed" || s === "rejected";

function partOut(p: Part, f: Family): Record<string, unknown> {
  if (f === "v1") return { ...p };
  if ("text" in p) return { kind: "text", text: p.text };
  if ("data" in p) return { kind: "data", data: p.data };
  return { kind: "file", file: { uri: p.url, ...(p.mediaType ? { mimeType: p.mediaType } : {}) } };
}

/** A message on the wire. */
export function messageOut(m: A2AMessage, f: Family): Record<string, unknown> {
  return {
    ...(f === "v03" ? { kind: "message" } : {}),
    messageId: m.messageId,
    role: f === "v1" ? (m.role === "user" ? "ROLE_USER" : "ROLE_AGENT") : m.role,
    parts: m.parts.map((p) => partOut(p, f)),
    ...(m.taskId ? { taskId: m.taskId } : {}),
    ...(m.contextId ? { contextId: m.contextId } : {}),
    ...(m.metadata ? { metadata: m.metadata } : {}),
  };
}

/** A task status on the wire. */
export function statusOut(t: A2ATask, f: Family): Record<string, unknown> {
  return {
    state: f === "v1" ? V1_STATE[t.state] : t.state,
    ...(t.statusMessage ? { message: messageOut(t.statusMessage, f) } : {}),
    timestamp: t.timestamp,
  };
}

/** A task on the wire. */
export function taskOut(t: A2ATask, f: Family): Record<string, unknown> {
  return {
    ...(f === "v03" ? { kind: "task" } : {}),
    id: t.id,
    contextId: t.contextId,
    status: statusOut(t, f),
    history: t.history.map((m) => messageOut(m, f)),
    artifacts: t.artifacts.map((a) => ({
      artifactId: a.artifactId,
      name: a.name,
      parts: a.parts.map((p) => partOut(p, f)),
    })),
    ...(t.metadata ? { metadata: t.metadata } : {}),
  };
}

/** A status-update stream event. */
export function statusEventOut(t: A2ATask, f: Family, final: boolean): Record<string, unknown> {
  const event = { taskId: t.id, contextId: t.contextId, status: statusOut(t, f) };
  return f === "v1" ? { statusUpdate: event } : { kind: "status-update", ...event, final };
}

/** An artifact-update stream event (the whole artifact, last chunk). */
export function artifactEventOut(
  t: A2ATask,
  artifact: A2ATask["artifacts"][number],
  f: Family,
): Record<string, unknown> {
  const event = {
    taskId: t.id,
    contextId: t.contextId,
    artifact: {
      artifactId: artifact.artifactId,
      name: artifact.name,
      parts: artifact.parts.map((p) => partOut(p, f)),
    },
    append: false,
    lastChunk: true,
  };
  return f === "v1" ? { artifactUpdate: event } : { kind: "artifact-update", ...event };
}

/** A client's input that is not a valid A2A message (JSON-RPC -32602). */
export class InvalidParams extends Error {
  override name = "InvalidParams";
}

/** Reads an inbound message of either family; throws `InvalidParams`. */
export function messageIn(raw: unknown): A2AMessage {
  if (!raw || typeof raw !== "object") throw new InvalidParams("Missing 'message' in params");
  const m = raw as Record<string, unknown>;
  if (!Array.isArray(m.parts) || m.parts.length === 0)
    throw new InvalidParams("Message must contain at least one part");
  const parts = m.parts.map(partIn);
  const role = m.role === "agent" || m.role === "ROLE_AGENT" ? "agent" : "user";
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return {
    role,
    parts,
    messageId: str(m.messageId) ?? "",
    taskId: str(m.taskId),
    contextId: str(m.contextId),
    metadata:
      m.metadata && typeof m.metadata === "object"
        ? (m.metadata as Record<string, unknown>)
        : undefined,
  };
}

function partIn(raw: unknown): Part {
  if (!raw || typeof raw !== "object") throw new InvalidParams("Each part must be an object");
  const p = raw as Record<string, unknown>;
  if (typeof p.text === "string") return { text: p.text };
  if (p.data !== undefined) {
    if (!p.data || typeof p.data !== "object" || Array.isArray(p.data))
      throw new InvalidParams("DataPart must contain a JSON object in the 'data' field");
    return { data: p.data as Record<string, unknown> };
  }
  const file = (p.file ?? p) as Record<string, unknown>;
  const url =
    typeof file.uri === "string" ? file.uri : typeof file.url === "string" ? file.url : undefined;
  if (url) {
    const mediaType =
      typeof file.mimeType === "string" ? file.mimeType : (p.mediaType as string | undefined);
    return { url, ...(mediaType ? { mediaType } : {}) };
  }
  throw new InvalidParams(
    "Unsupported part: A2A agents here accept text, data and file (URI) parts",
  );
}
