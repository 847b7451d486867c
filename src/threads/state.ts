/**
 * Pure helpers over LangGraph state snapshots, shared by the threads feature and the runs engine:
 * which graph a thread belongs to, the cached `{values, interrupts, status}` of a snapshot, and the
 * empty snapshot of a thread that has no graph yet.
 */
import type { StateSnapshot } from "@langchain/langgraph";
import { invalidInput } from "../core/errors.ts";
import { toPlainJson } from "../core/serde.ts";
import type { Metadata, ThreadStateCache } from "./types.ts";

/** The graph a thread's checkpoints belong to (`metadata.graph_id`, stamped by runs), if any. */
export function graphIdOfThread(metadata: Metadata): string | null {
  const graphId = metadata.graph_id;
  return typeof graphId === "string" && graphId.length > 0 ? graphId : null;
}

/** Interrupts of a snapshot keyed by task id; tasks without interrupts are left out. */
export function interruptsOfSnapshot(snapshot: StateSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const task of snapshot.tasks ?? []) {
    if (task.interrupts && task.interrupts.length > 0) out[task.id] = toPlainJson(task.interrupts);
  }
  return out;
}

/**
 * What a thread row caches after a checkpoint: plain-JSON values, interrupts by task, and the
 * status the official server derives (error > interrupted when nodes are pending > idle).
 */
export function threadStateFromSnapshot(
  snapshot: StateSnapshot,
  options: { error?: unknown } = {},
): ThreadStateCache {
  const interrupts = interruptsOfSnapshot(snapshot);
  const pending = (snapshot.next?.length ?? 0) > 0 || Object.keys(interrupts).length > 0;
  return {
    values: toPlainJson(snapshot.values) ?? null,
    interrupts,
    status: options.error != null ? "error" : pending ? "interrupted" : "idle",
  };
}

/** The snapshot the official server reports for a thread without a graph (no checkpoints yet). */
export function emptySnapshot(): StateSnapshot {
  return {
    values: {},
    next: [],
    config: {},
    metadata: undefined,
    createdAt: undefined,
    parentConfig: undefined,
    tasks: [],
  };
}

const CLIENT_ERROR_NAMES = new Set(["InvalidUpdateError", "EmptyInputError", "GraphValueError"]);
const CLIENT_ERROR_MESSAGES = [
  /^No supersteps provided/,
  /^No updates provided/,
  /^Subgraph ".*" not found$/,
];

/**
 * Runs a state change and reports LangGraph's rejections of the caller's input (unknown node,
 * ambiguous update, values a reducer cannot take) as 400s; anything else stays a server error.
 */
export async function asClientError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Error && isClientError(error)) throw invalidInput(error.message);
    throw error;
  }
}

function isClientError(error: Error & { lc_error_code?: string }): boolean {
  if (CLIENT_ERROR_NAMES.has(error.name)) return true;
  if (typeof error.lc_error_code === "string") return true;
  return CLIENT_ERROR_MESSAGES.some((re) => re.test(error.message));
}
