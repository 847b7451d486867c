/**
 * Waiting for runs to end, on any replica: on the run-end signal (`DoneSignals`: local finishes
 * and `olg_runs_done`), re-reading the run rows at most every `safetyMs` in case a signal was
 * lost, never by a fixed poll; no read at all when this process saw the run end.
 */
import type { DoneSignals } from "./done.ts";
import type { RunStore } from "./ports.ts";
import type { Run } from "./types.ts";

/** What waiting needs: the run-end signals and the run rows. */
export interface SettlePorts {
  done: DoneSignals;
  store: Pick<RunStore, "get" | "list">;
}

const active = (run: Run | null) =>
  run != null && (run.status === "pending" || run.status === "running");

/**
 * Waits until no run of the thread is running (at most `timeoutMs`); true when none is. The
 * window between an interrupt being streamed and its run ending is what a resume waits out.
 */
export async function settleThread(
  o: SettlePorts,
  threadId: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  await o.done.subscribe();
  for (;;) {
    const running = await o.store.list(threadId, { status: "running", limit: 1, offset: 0 });
    if (running.length === 0) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await o.done.wait(running[0]!.runId, Math.min(left, o.done.safetyMs)).done;
  }
}

/**
 * Waits until the run row left pending/running (covers runs executing on other replicas): on
 * the done signal, not by polling; no read at all when this process saw the run end.
 */
export async function settled(o: SettlePorts, runId: string, signal?: AbortSignal): Promise<void> {
  if (o.done.seen(runId)) return;
  await o.done.subscribe();
  while (!signal?.aborted) {
    const waiting = o.done.wait(runId, o.done.safetyMs, signal);
    if (o.done.seen(runId) || !active(await o.store.get(runId))) {
      waiting.cancel();
      return;
    }
    await waiting.done;
  }
}
