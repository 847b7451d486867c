/**
 * Threads: search with filters (status, graph, metadata `key=value`, thread id), newest first,
 * paged; a row opens the thread.
 */
import type { Thread, ThreadStatus } from "@langchain/langgraph-sdk";
import { lazy, Suspense, useState } from "react";
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
import { client } from "../lib/client.ts";
import { shortId, time } from "../lib/format.ts";
import { usePoll } from "../lib/poll.ts";
import { href } from "../lib/router.ts";

// A thread's page (chat, state editor, history) is its own chunk: the list paints without it.
const ThreadDetail = lazy(() =>
  import("./thread-detail.tsx").then((m) => ({ default: m.ThreadDetail })),
);

const PAGE = 25;
const STATUSES = ["", "idle", "busy", "interrupted", "error"];

interface Filters {
  status: string;
  graph: string;
  metadata: string;
  id: string;
}

/** `a=1, b=x` → `{a: 1, b: "x"}` (values parsed as JSON when they are JSON). */
export function metadataFilter(text: string): Record<string, unknown> | undefined {
  const pairs = text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const at = p.indexOf("=");
      const key = (at < 0 ? p : p.slice(0, at)).trim();
      const raw = at < 0 ? "" : p.slice(at + 1).trim();
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // a plain string
      }
      return [key, value] as const;
    });
  return pairs.length ? Object.fromEntries(pairs) : undefined;
}

/** The threads page; with `threadId`, that thread. */
export function ThreadsPage({ threadId }: { threadId?: string }) {
  const [draft, setDraft] = useState<Filters>({ status: "", graph: "", metadata: "", id: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const [offset, setOffset] = useState(0);
  const graphs = usePoll(() => client().assistants.search({ limit: 100 }), 0);
  const threads = usePoll(
    async () => {
      const metadata = { ...metadataFilter(filters.metadata) };
      if (filters.graph) metadata.graph_id = filters.graph;
      return client().threads.search({
        limit: PAGE,
        offset,
        sortBy: "updated_at",
        sortOrder: "desc",
        status: (filters.status || undefined) as ThreadStatus | undefined,
        metadata: Object.keys(metadata).length ? metadata : undefined,
        ids: filters.id ? [filters.id] : undefined,
      });
    },
    threadId ? 0 : 5000,
    [filters, offset, threadId],
  );
  if (threadId)
    return (
      <Suspense fallback={<p className="text-sm">Loading…</p>}>
        <ThreadDetail key={threadId} threadId={threadId} />
      </Suspense>
    );
  const graphIds = [...new Set((graphs.value ?? []).map((a) => a.graph_id))];
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Threads</PageTitle>
      <Card title="Search">
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            setOffset(0);
            setFilters(draft);
          }}
        >
          <Select
            label="Status"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.target.value })}
            options={STATUSES.map((s) => [s, s || "any"])}
          />
          <Select
            label="Graph"
            value={draft.graph}
            onChange={(e) => setDraft({ ...draft, graph: e.target.value })}
            options={[["", "any"], ...graphIds.map((g) => [g, g] as [string, string])]}
          />
          <Field
            label="Metadata (key=value, …)"
            value={draft.metadata}
            onChange={(e) => setDraft({ ...draft, metadata: e.target.value })}
          />
          <Field
            label="Thread id"
            value={draft.id}
            onChange={(e) => setDraft({ ...draft, id: e.target.value })}
          />
          <Button type="submit">Search</Button>
        </form>
      </Card>
      <Card title="Threads">
        <ErrorBanner error={threads.error} />
        <ThreadTable threads={threads.value ?? []} />
        <div className="mt-3 flex gap-2">
          <Button
            variant="secondary"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE))}
          >
            Previous
          </Button>
          <Button
            variant="secondary"
            disabled={(threads.value?.length ?? 0) < PAGE}
            onClick={() => setOffset(offset + PAGE)}
          >
            Next
          </Button>
        </div>
      </Card>
    </div>
  );
}

function ThreadTable({ threads }: { threads: Thread[] }) {
  if (threads.length === 0) return <p className="p-2 text-sm text-slate-700">No threads match.</p>;
  return (
    <Table label="Threads" head={["Thread", "Status", "Graph", "Updated", "Created"]}>
      {threads.map((t) => (
        <tr key={t.thread_id} data-thread-id={t.thread_id}>
          <td className="px-2 py-1.5 font-mono">
            <a className="text-indigo-800 underline" href={href("threads", t.thread_id)}>
              {shortId(t.thread_id)}
            </a>
          </td>
          <td className="px-2 py-1.5">
            <Badge value={t.status} />
          </td>
          <td className="px-2 py-1.5">{String(t.metadata?.graph_id ?? "—")}</td>
          <td className="px-2 py-1.5">{time(t.updated_at)}</td>
          <td className="px-2 py-1.5">{time(t.created_at)}</td>
        </tr>
      ))}
    </Table>
  );
}
