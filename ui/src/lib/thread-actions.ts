/**
 * What the thread page does through the SDK: find the thread's assistant, answer an interrupt,
 * fork (update state at a checkpoint) and re-run from a checkpoint. Each waits for the run to end.
 */
import { client } from "./client.ts";

/** The assistant that last ran on the thread (its latest run), else the thread's metadata. */
export async function threadAssistant(threadId: string): Promise<string | undefined> {
  const [run] = await client().runs.list(threadId, { limit: 1 });
  if (run) return run.assistant_id;
  const thread = await client().threads.get(threadId);
  const meta = thread.metadata ?? {};
  return (meta.assistant_id ?? meta.graph_id) as string | undefined;
}

/** Resumes the interrupted thread with `value` (`Command({resume})`) and waits for the run. */
export async function answerInterrupt(threadId: string, assistantId: string, value: unknown) {
  return client().runs.wait(threadId, assistantId, { command: { resume: value } });
}

/**
 * Forks: writes `values` as a new checkpoint whose parent is `checkpointId` (the state update
 * branches the thread's history there). Returns the new checkpoint id.
 */
export async function forkState(
  threadId: string,
  checkpointId: string | undefined,
  values: unknown,
  asNode?: string,
): Promise<string | undefined> {
  const res = await client().threads.updateState(threadId, {
    values,
    checkpointId,
    asNode: asNode || undefined,
  });
  return (res.configurable as { checkpoint_id?: string } | undefined)?.checkpoint_id;
}

/** Re-runs the graph from `checkpointId` (time travel: no new input) and waits for the run. */
export async function rerunFrom(threadId: string, assistantId: string, checkpointId: string) {
  return client().runs.wait(threadId, assistantId, { input: null, checkpointId });
}
