/**
 * Graphs: every assistant's graph drawn from `/assistants/:id/graph` (with `xray` for subgraphs),
 * laid out by dagre, and a test run whose nodes light up live as the run's debug events arrive
 * (running → done, interrupted, error).
 */
import type { Assistant } from "@langchain/langgraph-sdk";
import { Background, Controls, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useState } from "react";
import { Button, Card, ErrorBanner, Field, PageTitle } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { type GraphDoc, layoutGraph, type NodeState } from "../lib/layout-graph.ts";
import { Editing } from "../lib/me.tsx";
import { href } from "../lib/router.ts";
import { nodeStatesFrom } from "../lib/run-events.ts";

/** The graphs page; `assistantId` selects one. */
export function GraphsPage({ assistantId }: { assistantId?: string }) {
  const [assistants, setAssistants] = useState<Assistant[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client()
      .assistants.search({ limit: 100, sortBy: "graph_id", sortOrder: "asc" })
      .then(setAssistants, (e) => setError(messageOf(e)));
  }, []);
  const selected = assistantId ?? assistants[0]?.assistant_id;
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Graphs</PageTitle>
      <ErrorBanner error={error} />
      <ul className="flex flex-wrap gap-2" aria-label="Assistants">
        {assistants.map((a) => (
          <li key={a.assistant_id}>
            <a
              href={href("graphs", a.assistant_id)}
              aria-current={a.assistant_id === selected ? "true" : undefined}
              className={`rounded border px-3 py-1 text-sm ${a.assistant_id === selected ? "border-indigo-700 bg-indigo-50 text-indigo-900" : "border-slate-300 bg-white"}`}
            >
              {a.name} <span className="text-slate-600">({a.graph_id})</span>
            </a>
          </li>
        ))}
      </ul>
      {selected && <GraphView key={selected} assistantId={selected} />}
    </div>
  );
}

function GraphView({ assistantId }: { assistantId: string }) {
  const [doc, setDoc] = useState<GraphDoc | null>(null);
  const [xray, setXray] = useState(false);
  const [states, setStates] = useState<Record<string, NodeState>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client()
      .assistants.getGraph(assistantId, { xray })
      .then(
        (g) => setDoc(g as unknown as GraphDoc),
        (e) => setError(messageOf(e)),
      );
  }, [assistantId, xray]);
  const flow = useMemo(() => (doc ? layoutGraph(doc, states) : null), [doc, states]);
  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_320px]">
      <Card
        title="Graph"
        actions={
          <label className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={xray} onChange={(e) => setXray(e.target.checked)} />
            Show subgraphs (xray)
          </label>
        }
      >
        <ErrorBanner error={error} />
        <div className="h-[480px]" data-testid="graph-canvas">
          {flow && (
            <ReactFlow
              nodes={flow.nodes}
              edges={flow.edges}
              fitView
              proOptions={{ hideAttribution: true }}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          )}
        </div>
      </Card>
      <Editing>
        <TryRun assistantId={assistantId} onStates={setStates} />
      </Editing>
    </div>
  );
}

/** Starts a run on a new thread and reports node states while it streams. */
function TryRun({
  assistantId,
  onStates,
}: {
  assistantId: string;
  onStates: (s: Record<string, NodeState>) => void;
}) {
  const [text, setText] = useState("Hello");
  const [status, setStatus] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setError(null);
    setStatus("running");
    onStates({});
    const states: Record<string, NodeState> = {};
    try {
      const thread = await client().threads.create({ metadata: { assistant_id: assistantId } });
      const stream = client().runs.stream(thread.thread_id, assistantId, {
        input: { messages: [{ type: "human", content: text }] },
        streamMode: ["debug", "updates"],
      });
      for await (const part of stream) {
        if (nodeStatesFrom(part.event, part.data, states)) onStates({ ...states });
      }
      setStatus(Object.values(states).includes("interrupted") ? "interrupted" : "done");
    } catch (e) {
      setError(messageOf(e));
      setStatus("error");
    }
  }
  return (
    <Card title="Try a run">
      <div className="flex flex-col gap-3">
        <Field label="Message" value={text} onChange={(e) => setText(e.target.value)} />
        <Button onClick={run} disabled={status === "running"}>
          Run and highlight
        </Button>
        <p className="text-sm" aria-live="polite" data-testid="try-status">
          {status && `Run ${status}`}
        </p>
        <ErrorBanner error={error} />
      </div>
    </Card>
  );
}
