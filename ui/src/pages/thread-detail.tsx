/**
 * One thread: its conversation as chat with the pending interrupts and a form to answer them, its
 * state as a tree (editable: save as a fork), and its history (see thread-history.tsx).
 */
import type { Thread, ThreadState } from "@langchain/langgraph-sdk";
import { useCallback, useEffect, useState } from "react";
import { Chat } from "../components/chat.tsx";
import { JsonEditor, parseJson } from "../components/json-editor.tsx";
import { Tree } from "../components/tree.tsx";
import { Badge, Button, Card, ErrorBanner, PageTitle } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { Editing, mayEdit, useMe } from "../lib/me.tsx";
import { answerInterrupt, forkState, threadAssistant } from "../lib/thread-actions.ts";
import { ThreadHistory } from "./thread-history.tsx";

/** The thread page. */
export function ThreadDetail({ threadId }: { threadId: string }) {
  const [thread, setThread] = useState<Thread | null>(null);
  const [state, setState] = useState<ThreadState | null>(null);
  const [assistantId, setAssistantId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(async () => {
    try {
      const [t, s, a] = await Promise.all([
        client().threads.get(threadId),
        client().threads.getState(threadId),
        threadAssistant(threadId),
      ]);
      setThread(t);
      setState(s);
      setAssistantId(a);
      setVersion((v) => v + 1);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [threadId]);
  useEffect(() => {
    reload();
  }, [reload]);
  const values = (state?.values ?? {}) as Record<string, unknown>;
  const messages = Array.isArray(values.messages) ? values.messages : [];
  const interrupts = (state?.tasks ?? []).flatMap((t) => t.interrupts ?? []);
  return (
    <div className="flex flex-col gap-4">
      <PageTitle actions={thread && <Badge value={thread.status} />}>
        Thread <span className="font-mono text-base">{threadId}</span>
      </PageTitle>
      <ErrorBanner error={error} />
      <div className="grid gap-4 xl:grid-cols-2">
        <Card title="Conversation">
          <Chat messages={messages} interrupts={interrupts} />
          {interrupts.length > 0 && assistantId && (
            <Editing>
              <AnswerInterrupt threadId={threadId} assistantId={assistantId} onDone={reload} />
            </Editing>
          )}
        </Card>
        <StateCard
          key={version}
          threadId={threadId}
          values={values}
          checkpointId={state?.checkpoint?.checkpoint_id ?? undefined}
          onSaved={reload}
        />
      </div>
      {assistantId && (
        <ThreadHistory
          key={`h${version}`}
          threadId={threadId}
          assistantId={assistantId}
          onChange={reload}
        />
      )}
    </div>
  );
}

function AnswerInterrupt({
  threadId,
  assistantId,
  onDone,
}: {
  threadId: string;
  assistantId: string;
  onDone: () => void;
}) {
  const [text, setText] = useState('{ "approved": true }');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const parsed = parseJson(text);
    if (!parsed.ok) return setError(parsed.error);
    setBusy(true);
    setError(null);
    try {
      await answerInterrupt(threadId, assistantId, parsed.value);
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="mt-4 flex flex-col gap-2 border-t border-slate-200 pt-3">
      <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
        Answer (JSON, sent as Command resume)
        <textarea
          className="rounded border border-slate-300 p-2 font-mono text-sm"
          rows={3}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <ErrorBanner error={error} />
      <Button type="submit" disabled={busy}>
        Resume with this answer
      </Button>
    </form>
  );
}

function StateCard({
  threadId,
  values,
  checkpointId,
  onSaved,
}: {
  threadId: string;
  values: Record<string, unknown>;
  checkpointId: string | undefined;
  onSaved: () => void;
}) {
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(() => JSON.stringify(values, null, 2));
  const [error, setError] = useState<string | null>(null);
  async function save() {
    const parsed = parseJson(text);
    if (!parsed.ok) return setError(parsed.error);
    try {
      await forkState(threadId, checkpointId, parsed.value);
      onSaved();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <Card
      title="State"
      actions={
        !mayEdit(me) ? null : editing ? (
          <>
            <Button onClick={save}>Save as new checkpoint</Button>
            <Button variant="secondary" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </>
        ) : (
          <Button variant="secondary" onClick={() => setEditing(true)}>
            Edit state
          </Button>
        )
      }
    >
      <ErrorBanner error={error} />
      {editing ? (
        <JsonEditor
          label="Thread state values"
          value={text}
          onChange={setText}
          testId="state-editor"
        />
      ) : (
        <div data-testid="state-tree">
          <Tree value={values} name="values" depth={2} />
        </div>
      )}
    </Card>
  );
}
