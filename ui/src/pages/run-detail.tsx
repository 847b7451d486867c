/**
 * One run: its fields, its event stream (joined from the first retained event, then live; filtered
 * by mode), its error, and a cancel button while it is pending or running.
 */
import type { Run } from "@langchain/langgraph-sdk";
import { useEffect, useState } from "react";
import { Badge, Button, Card, ErrorBanner, Json } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { duration, time } from "../lib/format.ts";
import { Editing } from "../lib/me.tsx";

interface StreamEvent {
  event: string;
  data: unknown;
}

const MODES = ["values", "updates", "messages", "custom", "debug", "error", "metadata"];

/** The detail panel of a run. */
export function RunDetail({ threadId, runId }: { threadId: string; runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [modes, setModes] = useState<Set<string>>(new Set(MODES));
  useEffect(() => {
    const abort = new AbortController();
    const refresh = () =>
      client()
        .runs.get(threadId, runId)
        .then(setRun, (e) => setError(messageOf(e)));
    refresh();
    (async () => {
      try {
        const stream = client().runs.joinStream(threadId, runId, {
          signal: abort.signal,
          lastEventId: "-1",
          streamMode: ["values", "updates", "messages-tuple", "custom", "debug"],
        });
        for await (const part of stream) setEvents((all) => [...all, part as StreamEvent]);
      } catch (e) {
        if (!abort.signal.aborted) setError(messageOf(e));
      }
      if (!abort.signal.aborted) {
        setEnded(true);
        refresh();
      }
    })();
    return () => abort.abort();
  }, [threadId, runId]);
  async function cancel() {
    try {
      await client().runs.cancel(threadId, runId, true);
      setRun(await client().runs.get(threadId, runId));
    } catch (e) {
      setError(messageOf(e));
    }
  }
  const runError = events.find((e) => e.event === "error")?.data;
  const attempt = (events.find((e) => e.event === "metadata")?.data as { attempt?: number })
    ?.attempt;
  const active = run?.status === "pending" || run?.status === "running";
  const shown = events.filter((e) =>
    modes.has(e.event.split("|")[0]!.replace("messages/partial", "messages").split("/")[0]!),
  );
  return (
    <Card
      title={
        <span>
          Run <span className="font-mono">{runId}</span>
        </span>
      }
      actions={
        active && (
          <Editing>
            <Button variant="danger" onClick={cancel}>
              Cancel run
            </Button>
          </Editing>
        )
      }
    >
      <div className="flex flex-col gap-3" data-testid="run-detail">
        <ErrorBanner error={error} />
        {run && (
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
            <dt className="text-slate-600">Status</dt>
            <dd data-testid="run-status">
              <Badge value={run.status} />
            </dd>
            <dt className="text-slate-600">Started</dt>
            <dd>{time(run.created_at)}</dd>
            <dt className="text-slate-600">Duration</dt>
            <dd>{duration(Date.parse(run.updated_at) - Date.parse(run.created_at))}</dd>
            <dt className="text-slate-600">Attempt</dt>
            <dd data-testid="run-attempt">{attempt ?? "—"}</dd>
            <dt className="text-slate-600">Stream</dt>
            <dd data-testid="stream-state">{ended ? "ended" : "live"}</dd>
          </dl>
        )}
        {runError != null && (
          <div
            role="alert"
            className="rounded border border-red-300 bg-red-50 p-2 text-sm text-red-900"
          >
            Run error: {JSON.stringify(runError)}
          </div>
        )}
        <fieldset className="flex flex-wrap gap-3 text-sm">
          <legend className="sr-only">Event types shown</legend>
          {MODES.map((m) => (
            <label key={m} className="flex items-center gap-1">
              <input
                type="checkbox"
                checked={modes.has(m)}
                onChange={(e) => {
                  const next = new Set(modes);
                  if (e.target.checked) next.add(m);
                  else next.delete(m);
                  setModes(next);
                }}
              />
              {m}
            </label>
          ))}
        </fieldset>
        <ol
          tabIndex={0}
          className="flex max-h-96 flex-col gap-2 overflow-auto"
          aria-label="Run events"
          data-testid="run-events"
        >
          {shown.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: events have no id of their own
            <li key={i} className="rounded border border-slate-200 p-2">
              <div className="mb-1 text-xs font-semibold text-slate-700">{e.event}</div>
              <Json value={e.data} className="max-h-40" />
            </li>
          ))}
        </ol>
      </div>
    </Card>
  );
}
