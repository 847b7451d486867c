/** Row shapes and pure helpers of the in-memory runs (`memory.ts`). */

import type { InsertRunSpec } from "./ports.ts";
import type { CancelAction, CancelledRun, Run } from "./types.ts";

export interface MemThread {
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  status: string;
  values: unknown;
  interrupts: Record<string, unknown>;
}

export interface MemRun extends Run {
  availableAt: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  cancelAction: CancelAction | null;
  seq: number;
}

export const inFlight = (r: MemRun) => r.status === "pending" || r.status === "running";
const RUN_KEYS = [
  "runId",
  "threadId",
  "assistantId",
  "status",
  "metadata",
  "kwargs",
  "multitaskStrategy",
  "createdAt",
  "updatedAt",
  "attempt",
  "startedAt",
  "cancelReason",
] as const;
export const copy = (r: MemRun): Run =>
  structuredClone(Object.fromEntries(RUN_KEYS.map((k) => [k, r[k]]))) as unknown as Run;
export const matches = (
  meta: Record<string, unknown>,
  scope: Record<string, unknown> | undefined,
) => Object.entries(scope ?? {}).every(([k, v]) => JSON.stringify(meta[k]) === JSON.stringify(v));

export const CANCELLABLE: Record<string, string[] | undefined> = {
  pending: ["pending"],
  running: ["running"],
  all: ["pending", "running"],
};

/** Queue order: `(available_at, run_id)`, as the SQL claim. */
export function order(a: MemRun, b: MemRun): number {
  return a.availableAt - b.availableAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}

/** The row of a new pending run. */
export function newMemRun(
  spec: InsertRunSpec,
  built: ReturnType<InsertRunSpec["build"]>,
  now: number,
  seq: number,
): MemRun {
  return {
    runId: spec.runId,
    threadId: spec.threadId,
    assistantId: spec.assistantId,
    status: "pending",
    metadata: built.metadata,
    kwargs: built.kwargs,
    multitaskStrategy: spec.multitaskStrategy,
    createdAt: new Date(now),
    updatedAt: new Date(now),
    attempt: 0,
    startedAt: null,
    cancelReason: null,
    availableAt: now + spec.afterSeconds * 1000,
    leaseOwner: null,
    leaseExpiresAt: null,
    cancelAction: null,
    seq,
  };
}

/** Back to the queue: pending, no lease. */
export function requeue(r: MemRun, now: number): void {
  Object.assign(r, {
    status: "pending",
    leaseOwner: null,
    leaseExpiresAt: null,
    updatedAt: new Date(now),
  });
}

/** Cancels one run of `runs`: a pending one ends (or goes, on rollback), a running one is signalled. */
export function cancelOne(
  runs: Map<string, MemRun>,
  r: MemRun,
  action: CancelAction,
): CancelledRun {
  const base = { runId: r.runId, threadId: r.threadId, action };
  if (r.status === "pending") {
    if (action === "rollback") runs.delete(r.runId);
    else r.status = "interrupted";
    return { ...base, effect: action === "rollback" ? "deleted" : "ended" };
  }
  if (r.status === "running") {
    r.cancelAction = action;
    return { ...base, effect: "signalled" };
  }
  return { ...base, effect: "none" };
}
