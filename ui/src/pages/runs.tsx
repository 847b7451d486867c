/**
 * Runs, live: the latest 50 runs across threads (`POST /runs/search`; status, assistant, duration,
 * thread), filtered by status, refreshed every two seconds; a form to start one; opening a run shows
 * its details and its event stream.
 */
import type { Assistant, Run } from "@langchain/langgraph-sdk";
import { useState } from "react";
import {
  Badge,
  Button,
  Card,
  ErrorBanner,
  Field,
  PageTitle,
  Select,
  Table,
} from "../components/ui.tsx";
import { apiFetch, client, messageOf } from "../lib/client.ts";
import { duration, shortId, time } from "../lib/format.ts";
import { Editing } from "../lib/me.tsx";
import { usePoll } from "../lib/poll.ts";
import { href, navigate } from "../lib/router.ts";
import { RunDetail } from "./run-detail.tsx";

/** Rows in the table. */
const SHOWN = 50;

/**
 * The latest runs across every thread the caller may see (`POST /runs/search`, our extension of
 * the API: LangGraph Platform lists runs per thread only), newest first, optionally of one status.
 */
async function latestRuns(status: string): Promise<Run[]> {
  const res = await apiFetch("/runs/search", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ limit: SHOWN, ...(status ? { status } : {}) }),
  });
  return (await res.json()) as Run[];
}

/** The runs page; with `threadId`/`runId`, that run's detail. */
export function RunsPage({ threadId, runId }: { threadId?: string; runId?: string }) {
  const [status, setStatus] = useState("");
  const runs = usePoll(() => latestRuns(status), 2000, [status]);
  const assistants = usePoll(() => client().assistants.search({ limit: 100 }), 0);
  const names = new Map((assistants.value ?? []).map((a) => [a.assistant_id, a.name]));
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Runs</PageTitle>
      {threadId && runId && <RunDetail key={runId} threadId={threadId} runId={runId} />}
      <Editing>
        <NewRun assistants={assistants.value ?? []} />
      </Editing>
      <Card
        title="Latest runs (live)"
        actions={
          <Select
            label="Run status"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            options={[
              ["", "any"],
              ...["pending", "running", "success", "error", "interrupted", "timeout"].map(
                (v) => [v, v] as [string, string],
              ),
            ]}
          />
        }
      >
        <ErrorBanner error={runs.error} />
        <Table label="Runs" head={["Run", "Status", "Assistant", "Thread", "Started", "Duration"]}>
          {(runs.value ?? []).map((r) => (
            <tr
              key={r.run_id}
              className={r.run_id === runId ? "bg-indigo-50" : ""}
              data-run-id={r.run_id}
            >
              <td className="px-2 py-1.5 font-mono">
                <a className="text-indigo-800 underline" href={href("runs", r.thread_id, r.run_id)}>
                  {shortId(r.run_id)}
                </a>
              </td>
              <td className="px-2 py-1.5">
                <Badge value={r.status} />
              </td>
              <td className="px-2 py-1.5">
                {names.get(r.assistant_id) ?? shortId(r.assistant_id)}
              </td>
              <td className="px-2 py-1.5 font-mono">
                <a className="text-indigo-800 underline" href={href("threads", r.thread_id)}>
                  {shortId(r.thread_id)}
                </a>
              </td>
              <td className="px-2 py-1.5">{time(r.created_at)}</td>
              <td className="px-2 py-1.5">
                {duration(Date.parse(r.updated_at) - Date.parse(r.created_at))}
              </td>
            </tr>
          ))}
        </Table>
        {runs.value?.length === 0 && <p className="p-2 text-sm text-slate-700">No runs yet.</p>}
      </Card>
    </div>
  );
}

/** Starts a run on a new thread (resumable stream, so its events can be watched from the start). */
function NewRun({ assistants }: { assistants: Assistant[] }) {
  const [assistantId, setAssistantId] = useState("");
  const [text, setText] = useState("Hello");
  const [error, setError] = useState<string | null>(null);
  const chosen = assistantId || assistants[0]?.assistant_id || "";
  async function start(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const graphId = assistants.find((a) => a.assistant_id === chosen)?.graph_id;
      const thread = await client().threads.create({
        metadata: { assistant_id: chosen, ...(graphId ? { graph_id: graphId } : {}) },
      });
      const run = await client().runs.create(thread.thread_id, chosen, {
        input: { messages: [{ type: "human", content: text }] },
        streamMode: ["values", "updates", "messages-tuple", "custom", "debug"],
        streamResumable: true,
      });
      navigate("runs", run.thread_id, run.run_id);
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <Card title="Start a run">
      <form onSubmit={start} className="flex flex-wrap items-end gap-3">
        <Select
          label="Assistant"
          value={chosen}
          onChange={(e) => setAssistantId(e.target.value)}
          options={assistants.map((a) => [a.assistant_id, `${a.name} (${a.graph_id})`])}
        />
        <Field label="Message" value={text} onChange={(e) => setText(e.target.value)} />
        <Button type="submit" disabled={!chosen}>
          Start run
        </Button>
      </form>
      <ErrorBanner error={error} />
    </Card>
  );
}
