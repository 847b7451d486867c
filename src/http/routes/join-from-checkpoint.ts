/**
 * `joinStream(..., {checkpointId})` with `Last-Event-ID: -1` (SDK >= 1.13; legacy `useStream` sends
 * it on reload): the client already shows the state at that checkpoint, so only the run's events
 * after it are sent, or the whole run when the checkpoint is not one of the run's.
 *
 * The event log does not record checkpoint ids, so the position is found by content: a run that
 * streams `values` emitted the checkpoint's state as a root `values` event; everything up to and
 * including the first such event is skipped (`metadata` still leads). A run without `values` in its
 * stream modes, or whose events never show that state, is sent whole: too much, never too little.
 */
import { isDeepStrictEqual } from "node:util";
import type { Scope } from "../../auth/scope.ts";
import { toPlainJson } from "../../core/serde.ts";

/** What a join needs to know about a checkpoint: the run that wrote it and its values. */
export type CheckpointLookup = (
  threadId: string,
  checkpointId: string,
  scope: Scope,
) => Promise<{ runId: unknown; values: unknown } | null>;

type Logged = { id: string; event: string; data: unknown };

/**
 * The events after the checkpoint's state, or all of them (see the module comment). `target` is
 * the checkpoint's values when it belongs to the run and the run streams `values`; else null.
 */
export function afterCheckpoint(
  events: AsyncIterable<Logged>,
  target: unknown | null,
): AsyncIterable<Logged> {
  // No target (every join without a checkpoint): the events as they are, no generator layer kept
  // suspended per open stream (issue 24: per-stream memory).
  return target === null ? events : skipThrough(events, target);
}

async function* skipThrough(
  events: AsyncIterable<Logged>,
  target: unknown,
): AsyncGenerator<Logged> {
  const want = toPlainJson(target);
  const held: Logged[] = [];
  let found = false;
  for await (const e of events) {
    if (found || e.event === "metadata") {
      yield e;
      continue;
    }
    held.push(e);
    if (e.event === "values" && isDeepStrictEqual(toPlainJson(e.data), want)) {
      found = true;
      held.length = 0;
    }
  }
  // The state never showed up: the client gets the whole run after all.
  if (!found) yield* held;
}

/** The values to skip through, or null to send the whole run. */
export async function joinTarget(
  lookup: CheckpointLookup | undefined,
  run: { runId: string; threadId: string; kwargs: { stream_mode?: string[] } },
  checkpointId: string | undefined,
  lastEventId: string | undefined,
  scope: Scope,
): Promise<unknown | null> {
  if (!lookup || !checkpointId || (lastEventId !== undefined && lastEventId !== "-1")) return null;
  if (!(run.kwargs.stream_mode ?? ["values"]).includes("values")) return null;
  const found = await lookup(run.threadId, checkpointId, scope).catch(() => null);
  return found && found.runId === run.runId ? found.values : null;
}
