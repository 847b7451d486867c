/**
 * `strict_resume` (SDK >= 1.14): a resume that answers an interrupt which is not pending is refused
 * instead of ignored. The run fails with `UnknownInterruptError` before the graph runs (the thread is
 * unchanged); its error event carries the refusal `{reason, interrupt_ids, pending_ids}`, which the
 * protocol puts on the root `lifecycle` `failed` event, where the SDK reads it.
 */

/** The refusal payload. */
export interface ResumeRefusal {
  reason: string;
  interrupt_ids: string[];
  pending_ids: string[];
}

/** Thrown when a strict resume answers an interrupt that is not pending. */
export class UnknownInterruptError extends Error {
  override name = "UnknownInterruptError";
  constructor(readonly refusal: ResumeRefusal) {
    super(
      refusal.interrupt_ids.length > 0
        ? `Interrupt(s) ${refusal.interrupt_ids.filter((id) => !refusal.pending_ids.includes(id)).join(", ")} not pending; pending: ${refusal.pending_ids.join(", ") || "none"}`
        : "No interrupt is pending to resume",
    );
  }
}

/** Interrupt ids are XXH3 hashes (32 hex digits), as LangGraph recognises a resume map. */
const isInterruptId = (key: string) => /^[0-9a-f]{32}$/.test(key);

/** The interrupt ids a resume value names (a map of id → answer), or [] for a plain answer. */
export function answeredIds(resume: unknown): string[] {
  if (resume == null || typeof resume !== "object" || Array.isArray(resume)) return [];
  const keys = Object.keys(resume);
  return keys.length > 0 && keys.every(isInterruptId) ? keys : [];
}

/** Pending interrupt ids of a state snapshot (with subgraph states nested under tasks). */
export function pendingIds(state: unknown): string[] {
  const out: string[] = [];
  const walk = (s: unknown) => {
    for (const task of ((s as { tasks?: unknown[] } | null)?.tasks ?? []) as {
      interrupts?: { id?: string }[];
      state?: unknown;
    }[]) {
      for (const i of task.interrupts ?? []) if (typeof i.id === "string") out.push(i.id);
      if (task.state && typeof task.state === "object" && "tasks" in task.state) walk(task.state);
    }
  };
  walk(state);
  return [...new Set(out)];
}

/**
 * Throws `UnknownInterruptError` when `resume` answers an interrupt of the thread that is not
 * pending, or when nothing is pending at all. `graph` has the run's checkpointer attached.
 */
export async function checkStrictResume(
  graph: { getState(config: unknown, options?: unknown): Promise<unknown> },
  configurable: Record<string, unknown>,
  resume: unknown,
): Promise<void> {
  const state = await graph.getState({ configurable }, { subgraphs: true });
  const pending = pendingIds(state);
  const answered = answeredIds(resume);
  const unknown =
    answered.length > 0 ? answered.some((id) => !pending.includes(id)) : pending.length === 0;
  if (unknown)
    throw new UnknownInterruptError({
      reason: "unknown_interrupt",
      interrupt_ids: answered,
      pending_ids: pending,
    });
}
