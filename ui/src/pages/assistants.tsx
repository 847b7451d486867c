/** Assistants: the list (name, graph, version, updated) and a form to create one for a graph. */
import { lazy, Suspense, useState } from "react";
import { Button, Card, ErrorBanner, Field, PageTitle, Select, Table } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { shortId, time } from "../lib/format.ts";
import { Editing } from "../lib/me.tsx";
import { usePoll } from "../lib/poll.ts";
import { href, navigate } from "../lib/router.ts";

// The editor (CodeMirror, schema checks) is its own chunk: the list paints without it.
const AssistantDetail = lazy(() =>
  import("./assistant-detail.tsx").then((m) => ({ default: m.AssistantDetail })),
);

/** The assistants page; with `assistantId`, that assistant. */
export function AssistantsPage({ assistantId }: { assistantId?: string }) {
  const list = usePoll(
    () => client().assistants.search({ limit: 100, sortBy: "updated_at", sortOrder: "desc" }),
    assistantId ? 0 : 10_000,
    [assistantId],
  );
  if (assistantId)
    return (
      <Suspense fallback={<p className="text-sm">Loading…</p>}>
        <AssistantDetail key={assistantId} assistantId={assistantId} />
      </Suspense>
    );
  const graphs = [...new Set((list.value ?? []).map((a) => a.graph_id))];
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Assistants</PageTitle>
      <Editing>
        <CreateAssistant graphs={graphs} />
      </Editing>
      <Card title="Assistants">
        <ErrorBanner error={list.error} />
        <Table label="Assistants" head={["Name", "Graph", "Version", "Updated", "Id"]}>
          {(list.value ?? []).map((a) => (
            <tr key={a.assistant_id} data-assistant-id={a.assistant_id}>
              <td className="px-2 py-1.5">
                <a className="text-indigo-800 underline" href={href("assistants", a.assistant_id)}>
                  {a.name}
                </a>
              </td>
              <td className="px-2 py-1.5">{a.graph_id}</td>
              <td className="px-2 py-1.5">{a.version}</td>
              <td className="px-2 py-1.5">{time(a.updated_at)}</td>
              <td className="px-2 py-1.5 font-mono">{shortId(a.assistant_id)}</td>
            </tr>
          ))}
        </Table>
      </Card>
    </div>
  );
}

function CreateAssistant({ graphs }: { graphs: string[] }) {
  const [graph, setGraph] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const graphId = graph || graphs[0] || "";
  async function create(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const a = await client().assistants.create({ graphId, name: name || undefined });
      navigate("assistants", a.assistant_id);
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <Card title="New assistant">
      <form onSubmit={create} className="flex flex-wrap items-end gap-3">
        <Select
          label="Graph"
          value={graphId}
          onChange={(e) => setGraph(e.target.value)}
          options={graphs.map((g) => [g, g])}
        />
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" disabled={!graphId}>
          Create assistant
        </Button>
      </form>
      <ErrorBanner error={error} />
    </Card>
  );
}
