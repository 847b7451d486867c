/**
 * Crons: every cron (schedule, time zone, assistant, thread, next run, enabled) with pause/resume,
 * schedule edit and delete, and a form to create one. The server validates schedules; its refusal is
 * shown as is and nothing changes.
 */
import type { Cron } from "@langchain/langgraph-sdk";
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
import { client, messageOf } from "../lib/client.ts";
import { shortId, time } from "../lib/format.ts";
import { Editing, mayEdit, useMe } from "../lib/me.tsx";
import { usePoll } from "../lib/poll.ts";

/** The crons page. */
export function CronsPage() {
  const crons = usePoll(
    () => client().crons.search({ limit: 100, sortBy: "created_at", sortOrder: "desc" }),
    10_000,
  );
  const assistants = usePoll(() => client().assistants.search({ limit: 100 }), 0);
  const [error, setError] = useState<string | null>(null);
  const names = new Map((assistants.value ?? []).map((a) => [a.assistant_id, a.name]));
  async function act(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      await crons.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Crons</PageTitle>
      <Editing>
        <CreateCron
          assistants={(assistants.value ?? []).map((a) => [
            a.assistant_id,
            `${a.name} (${a.graph_id})`,
          ])}
          onCreated={crons.reload}
        />
      </Editing>
      <ErrorBanner error={error ?? crons.error} />
      <Card title="Crons">
        <Table
          label="Crons"
          head={["Cron", "Schedule", "Assistant", "Thread", "Next run", "State", ""]}
        >
          {(crons.value ?? []).map((c) => (
            <CronRow key={c.cron_id} cron={c} assistant={names.get(c.assistant_id)} act={act} />
          ))}
        </Table>
        {crons.value?.length === 0 && <p className="p-2 text-sm text-slate-700">No crons.</p>}
      </Card>
    </div>
  );
}

function CronRow({
  cron,
  assistant,
  act,
}: {
  cron: Cron;
  assistant: string | undefined;
  act: (action: () => Promise<unknown>) => Promise<void>;
}) {
  const me = useMe();
  const [schedule, setSchedule] = useState(cron.schedule);
  const enabled = (cron as Cron & { enabled?: boolean }).enabled !== false;
  return (
    <tr data-cron-id={cron.cron_id}>
      <td className="px-2 py-1.5 font-mono">{shortId(cron.cron_id)}</td>
      <td className="px-2 py-1.5">
        <input
          aria-label={`Schedule of cron ${shortId(cron.cron_id)}`}
          className="w-36 rounded border border-slate-300 px-2 py-1 font-mono text-sm"
          value={schedule}
          readOnly={!mayEdit(me)}
          onChange={(e) => setSchedule(e.target.value)}
        />
        {cron.timezone && <span className="ml-1 text-xs text-slate-600">{cron.timezone}</span>}
      </td>
      <td className="px-2 py-1.5">{assistant ?? shortId(cron.assistant_id)}</td>
      <td className="px-2 py-1.5 font-mono">
        {cron.thread_id ? shortId(cron.thread_id) : "stateless"}
      </td>
      <td className="px-2 py-1.5">{time(cron.next_run_date ?? undefined)}</td>
      <td className="px-2 py-1.5">
        <Badge value={enabled ? "enabled" : "paused"} />
      </td>
      <td className="flex flex-wrap gap-1 px-2 py-1.5">
        <Editing>
          <Button
            variant="secondary"
            disabled={schedule === cron.schedule}
            onClick={() => act(() => client().crons.update(cron.cron_id, { schedule }))}
          >
            Save schedule
          </Button>
          <Button
            variant="secondary"
            onClick={() => act(() => client().crons.update(cron.cron_id, { enabled: !enabled }))}
          >
            {enabled ? "Pause" : "Resume"}
          </Button>
          <Button variant="danger" onClick={() => act(() => client().crons.delete(cron.cron_id))}>
            Delete
          </Button>
        </Editing>
      </td>
    </tr>
  );
}

function CreateCron({
  assistants,
  onCreated,
}: {
  assistants: [string, string][];
  onCreated: () => void;
}) {
  const [assistantId, setAssistantId] = useState("");
  const [schedule, setSchedule] = useState("0 * * * *");
  const [message, setMessage] = useState("Scheduled hello");
  const [error, setError] = useState<string | null>(null);
  const chosen = assistantId || assistants[0]?.[0] || "";
  async function create(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await client().crons.create(chosen, {
        schedule,
        input: { messages: [{ type: "human", content: message }] },
      });
      onCreated();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <Card title="New cron (stateless)">
      <form onSubmit={create} className="flex flex-wrap items-end gap-3">
        <Select
          label="Assistant"
          value={chosen}
          onChange={(e) => setAssistantId(e.target.value)}
          options={assistants}
        />
        <Field
          label="Schedule (cron syntax)"
          value={schedule}
          onChange={(e) => setSchedule(e.target.value)}
        />
        <Field label="Message" value={message} onChange={(e) => setMessage(e.target.value)} />
        <Button type="submit" disabled={!chosen}>
          Create cron
        </Button>
      </form>
      <ErrorBanner error={error} />
    </Card>
  );
}
