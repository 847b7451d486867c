/**
 * A thread's history as a timeline (newest first): step, source, the nodes next, when; per
 * checkpoint, "Fork from here" (edit that state and save it as a new branch) and "Re-run from here"
 * (time travel: run the graph again from that checkpoint).
 */
import type { ThreadState } from "@langchain/langgraph-sdk";
import { useEffect, useState } from "react";
import { JsonEditor, parseJson } from "../components/json-editor.tsx";
import { Button, Card, ErrorBanner } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { shortId, time } from "../lib/format.ts";
import { Editing } from "../lib/me.tsx";
import { forkState, rerunFrom } from "../lib/thread-actions.ts";

/** The history card; `onChange` runs after a fork or re-run. */
export function ThreadHistory({
  threadId,
  assistantId,
  onChange,
}: {
  threadId: string;
  assistantId: string;
  onChange: () => void;
}) {
  const [history, setHistory] = useState<ThreadState[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [forking, setForking] = useState<ThreadState | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    client()
      .threads.getHistory(threadId, { limit: 50 })
      .then(setHistory, (e) => setError(messageOf(e)));
  }, [threadId]);
  async function rerun(checkpointId: string) {
    setBusy(true);
    setError(null);
    try {
      await rerunFrom(threadId, assistantId, checkpointId);
      onChange();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="History">
      <ErrorBanner error={error} />
      {forking && (
        <ForkEditor
          threadId={threadId}
          from={forking}
          onCancel={() => setForking(null)}
          onSaved={onChange}
        />
      )}
      <ol
        className="relative flex flex-col gap-3 border-l-2 border-slate-300 pl-4"
        aria-label="Checkpoints"
        data-testid="history"
      >
        {history.map((h) => {
          const id = h.checkpoint.checkpoint_id ?? "";
          const meta = (h.metadata ?? {}) as { step?: number; source?: string };
          return (
            <li
              key={id}
              className="rounded border border-slate-200 bg-white p-2 text-sm"
              data-checkpoint-id={id}
            >
              <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span className="font-semibold">step {meta.step ?? "?"}</span>
                <span className="text-slate-700">{meta.source ?? ""}</span>
                <span className="text-slate-700">
                  next: {h.next.length ? h.next.join(", ") : "—"}
                </span>
                <span className="font-mono text-slate-700">{shortId(id)}</span>
                <span className="text-slate-700">{time(h.created_at ?? undefined)}</span>
                {h.parent_checkpoint?.checkpoint_id && (
                  <span className="font-mono text-xs text-slate-600">
                    parent {shortId(h.parent_checkpoint.checkpoint_id)}
                  </span>
                )}
              </div>
              <Editing>
                <div className="mt-2 flex flex-wrap gap-2">
                  <Button variant="secondary" onClick={() => setForking(h)}>
                    Fork from here
                  </Button>
                  <Button variant="secondary" disabled={busy} onClick={() => rerun(id)}>
                    Re-run from here
                  </Button>
                </div>
              </Editing>
            </li>
          );
        })}
      </ol>
    </Card>
  );
}

function ForkEditor({
  threadId,
  from,
  onCancel,
  onSaved,
}: {
  threadId: string;
  from: ThreadState;
  onCancel: () => void;
  onSaved: () => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(from.values, null, 2));
  const [asNode, setAsNode] = useState("");
  const [error, setError] = useState<string | null>(null);
  async function save() {
    const parsed = parseJson(text);
    if (!parsed.ok) return setError(parsed.error);
    try {
      await forkState(threadId, from.checkpoint.checkpoint_id ?? undefined, parsed.value, asNode);
      onSaved();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <div
      className="mb-4 flex flex-col gap-2 rounded border border-indigo-300 bg-indigo-50 p-3"
      data-testid="fork-editor"
    >
      <p className="text-sm font-medium">
        Fork from checkpoint{" "}
        <span className="font-mono">{shortId(from.checkpoint.checkpoint_id ?? "")}</span>: the
        values below are written as a new checkpoint whose parent is this one.
      </p>
      <JsonEditor label="Forked state values" value={text} onChange={setText} />
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
        As node (optional)
        <input
          className="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm"
          value={asNode}
          onChange={(e) => setAsNode(e.target.value)}
        />
      </label>
      <ErrorBanner error={error} />
      <div className="flex gap-2">
        <Button onClick={save}>Save fork</Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
