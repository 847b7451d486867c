/**
 * The thread join stream (`GET /threads/:id/stream`, Python platform contract): every run of the
 * thread, one after another, as they happen, and stays open for the runs to come. Modes:
 * `run_modes` (the runs' own events, plus a `run_done` event after each run), `lifecycle` (only
 * each run's `metadata` start event and its `run_done`), `state_update` (only root `values`).
 *
 * Event ids are `<run_id>.<position in the run's log>` (`<run_id>.done` for `run_done`), so
 * `Last-Event-ID` resumes inside a run or right after it on any replica that holds the run logs;
 * `-` replays every retained run from the beginning; no header = only what happens from now on.
 */
import type { Run } from "../runs/types.ts";
import type { LoggedEvent } from "../stream/types.ts";

/** Modes of the thread stream. */
export type ThreadStreamMode = "run_modes" | "lifecycle" | "state_update";
/** Accepted modes. */
export const THREAD_STREAM_MODES: readonly ThreadStreamMode[] = [
  "run_modes",
  "lifecycle",
  "state_update",
];

/** The runs engine as the join stream reads it. */
export interface ThreadJoinRuns {
  /** Runs of the thread, oldest first (throws the 404 when the thread does not exist). */
  list(threadId: string): Promise<Run[]>;
  find(runId: string): Promise<Run | null>;
  events(
    runId: string,
    options: { lastEventId?: string; signal?: AbortSignal },
  ): AsyncIterable<LoggedEvent>;
  hasEvents(runId: string): Promise<boolean>;
}

/** Options of one join. */
export interface ThreadJoinOptions {
  modes: ThreadStreamMode[];
  lastEventId?: string;
  signal: AbortSignal;
  /** How often to look for new runs (default 250 ms). */
  pollMs?: number;
}

const ACTIVE = new Set(["pending", "running"]);
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Parses a `Last-Event-ID` of this stream. */
export function parseThreadEventId(id: string): { runId: string; position: string } | null {
  const dot = id.lastIndexOf(".");
  if (dot <= 0) return null;
  return { runId: id.slice(0, dot), position: id.slice(dot + 1) };
}

function keep(modes: ThreadStreamMode[], event: string): boolean {
  if (modes.includes("run_modes")) return true;
  if (event === "run_done" || event === "metadata") return modes.includes("lifecycle");
  return modes.includes("state_update") && event === "values";
}

/** The thread's events for a join (ends only when `signal` aborts). */
export async function* joinThread(
  runs: ThreadJoinRuns,
  threadId: string,
  o: ThreadJoinOptions,
): AsyncGenerator<LoggedEvent> {
  const initial = await runs.list(threadId);
  const done = new Set<string>();
  // Where each run starts: "-1" = its first event, undefined = live only, "N" = after N.
  const startOf = new Map<string, string | undefined>();
  const resume = o.lastEventId && o.lastEventId !== "-" ? parseThreadEventId(o.lastEventId) : null;
  if (o.lastEventId === "-" || (o.lastEventId && !resume)) {
    // from the beginning of every retained run
  } else if (resume && initial.some((r) => r.runId === resume.runId)) {
    for (const run of initial) {
      if (run.runId === resume.runId) {
        if (resume.position === "done") done.add(run.runId);
        else startOf.set(run.runId, resume.position);
        break;
      }
      done.add(run.runId);
    }
  } else {
    // Live: finished runs are history; an active run is joined from now on.
    for (const run of initial) {
      if (ACTIVE.has(run.status)) startOf.set(run.runId, undefined);
      else done.add(run.runId);
    }
  }

  let known = initial;
  while (!o.signal.aborted) {
    const next = known.find((r) => !done.has(r.runId));
    if (!next) {
      await sleep(o.pollMs ?? 250, o.signal);
      if (o.signal.aborted) return;
      known = await runs.list(threadId).catch(() => known);
      continue;
    }
    done.add(next.runId);
    const lastEventId = startOf.has(next.runId) ? startOf.get(next.runId) : "-1";
    if (ACTIVE.has(next.status) || (await runs.hasEvents(next.runId))) {
      for await (const e of runs.events(next.runId, { lastEventId, signal: o.signal })) {
        if (keep(o.modes, e.event)) yield { ...e, id: `${next.runId}.${e.id}` };
      }
    }
    if (o.signal.aborted) return;
    const status = await finalStatus(runs, next.runId, o.signal);
    if (keep(o.modes, "run_done"))
      yield { id: `${next.runId}.done`, event: "run_done", data: { run_id: next.runId, status } };
  }
}

/** The run's status once it left pending/running (waits a little for other replicas). */
async function finalStatus(
  runs: ThreadJoinRuns,
  runId: string,
  signal: AbortSignal,
): Promise<string | null> {
  let status: string | null = null;
  for (let i = 0; i < 20 && !signal.aborted; i++) {
    status = (await runs.find(runId))?.status ?? null;
    if (status == null || !ACTIVE.has(status)) return status;
    await sleep(250, signal);
  }
  return status;
}
