/**
 * Reading a run's stream events: which node is running, done or interrupted (from `debug` task
 * events and `updates`), used to light up the graph live.
 */
import type { NodeState } from "./layout-graph.ts";

/**
 * Folds one stream event into `states` (mutated); true when something changed. `debug` `task`
 * marks a node running, `task_result` done (error / interrupted when the result says so);
 * `updates` marks its keys done, and `__interrupt__` marks the running nodes interrupted.
 */
export function nodeStatesFrom(
  event: string,
  data: unknown,
  states: Record<string, NodeState>,
): boolean {
  const mode = event.split("|")[0];
  if (mode === "debug") {
    const d = data as {
      type?: string;
      payload?: { name?: string; error?: unknown; interrupts?: unknown[] };
    };
    const name = d?.payload?.name;
    if (!name) return false;
    if (d.type === "task") states[name] = "running";
    else if (d.type === "task_result") {
      const p = d.payload!;
      states[name] = p.error ? "error" : p.interrupts?.length ? "interrupted" : "done";
    } else return false;
    return true;
  }
  if (mode === "updates" && data && typeof data === "object") {
    let changed = false;
    for (const key of Object.keys(data)) {
      if (key === "__interrupt__") {
        for (const [n, s] of Object.entries(states)) if (s === "running") states[n] = "interrupted";
        changed = true;
      } else if (states[key] !== "done" && states[key] !== "interrupted") {
        states[key] = "done";
        changed = true;
      }
    }
    return changed;
  }
  return false;
}
