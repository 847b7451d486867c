/**
 * Threads on the wire: the thread object (snake_case, dates as ISO strings) and the state snapshot
 * in exactly the shape of the official server's `stateSnapshotToThreadState`.
 */
import type { StateSnapshot } from "@langchain/langgraph";
import type { Context } from "hono";
import { serializeAsDict, serializeError } from "../../core/serde.ts";
import type { Thread } from "../../threads/types.ts";

/** A checkpoint address as reported in states. */
export interface WireCheckpoint {
  thread_id: string;
  checkpoint_id: string;
  checkpoint_ns: string;
  checkpoint_map: Record<string, unknown> | null;
}

/** Sends `body` as JSON with LangChain objects (messages) flattened to dicts. */
export function jsonExtra(c: Context, body: unknown, status: 200 | 201 = 200): Response {
  return c.body(serializeAsDict(body), status, { "Content-Type": "application/json" });
}

/** The thread as the SDK sees it; `ttl` only when asked for (`?include=ttl`) and set. */
export function threadToWire(thread: Thread, options: { ttl?: boolean } = {}) {
  const wire: Record<string, unknown> = {
    thread_id: thread.threadId,
    created_at: thread.createdAt.toISOString(),
    updated_at: thread.updatedAt.toISOString(),
    state_updated_at: thread.stateUpdatedAt.toISOString(),
    metadata: thread.metadata,
    status: thread.status,
    config: thread.config,
    // The official server omits `values` until the thread has state.
    ...(thread.values != null ? { values: thread.values } : {}),
    interrupts: thread.interrupts,
  };
  if (options.ttl && thread.ttl) {
    wire.ttl = {
      strategy: thread.ttl.strategy,
      ttl_minutes: thread.ttl.minutes,
      expires_at: thread.ttl.expiresAt?.toISOString() ?? null,
    };
  }
  return wire;
}

/** Keeps only the selected fields (the official server filters after loading). */
export function selectFields(
  wire: Record<string, unknown>,
  select: string[] | null | undefined,
): Record<string, unknown> {
  if (!select) return wire;
  return Object.fromEntries(Object.entries(wire).filter(([k]) => select.includes(k)));
}

type Configurable = Record<string, unknown> | undefined;
const configurableOf = (config: unknown): Configurable =>
  (config as { configurable?: Record<string, unknown> } | null | undefined)?.configurable;

/** The checkpoint a config points at, or null unless it names a thread and a checkpoint. */
export function checkpointOfConfig(config: unknown): WireCheckpoint | null {
  const c = configurableOf(config);
  if (!c || typeof c.thread_id !== "string" || typeof c.checkpoint_id !== "string") return null;
  const ns = c.checkpoint_ns;
  const map = c.checkpoint_map;
  return {
    thread_id: c.thread_id,
    checkpoint_id: c.checkpoint_id,
    checkpoint_ns: typeof ns === "string" ? ns : "",
    checkpoint_map:
      map != null && typeof map === "object" ? (map as Record<string, unknown>) : null,
  };
}

const isSnapshot = (state: unknown): state is StateSnapshot =>
  state != null && typeof state === "object" && "values" in state && "next" in state;

/** The official `ThreadState` JSON of a snapshot (subgraph states nested under tasks). */
export function stateToWire(state: StateSnapshot): Record<string, unknown> {
  return {
    values: state.values,
    next: state.next,
    tasks: state.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      error: task.error != null ? serializeError(task.error).message : null,
      interrupts: task.interrupts,
      path: task.path,
      checkpoint:
        task.state != null && "configurable" in task.state
          ? ((task.state as { configurable?: unknown }).configurable ?? null)
          : null,
      state: isSnapshot(task.state) ? stateToWire(task.state) : null,
      result: task.result ?? null,
    })),
    metadata: state.metadata,
    created_at: state.createdAt ? new Date(state.createdAt).toISOString() : null,
    checkpoint: checkpointOfConfig(state.config),
    parent_checkpoint: checkpointOfConfig(state.parentConfig),
  };
}
